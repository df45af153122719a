using AlaeEngine.Autograd;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The inference commands' work for an AE-StyleGAN checkpoint: the EMA of F, G and E (the official g_ema and e_ema) by
/// default, images from an image folder through the run's cache (MNIST test digits for the one-channel preset), fixed
/// per-pixel noise, PNG grids out.
/// </summary>
internal static class AeStyleGanInference
{
    // fixed per-pixel noise, so two commands on one checkpoint draw the same images
    private const ulong NoiseSeed = 999;
    // rosinality's mean_latent(4096): the truncation centre is the mean of F(z) over this many z
    private const int TruncationSamples = 4096;

    public static AeStyleGan Load(string checkpointJson, bool ema, Device device)
    {
        var model = AeStyleGanTrainer.LoadModel(checkpointJson, ema, device);
        var c = model.Config;
        Console.WriteLine($"{checkpointJson}: AE-StyleGAN ({(ema ? "EMA" : "training")} weights), {c.Resolution}², " +
                          $"{(c.Latent == AeStyleGanLatent.WPlus ? $"W+ ({c.StyleCount} × {c.LatentSize})" : $"W ({c.LatentSize})")}");
        return model;
    }

    /// <summary>The first n images of the folder (default: the bundled faces or MNIST test digits), on the model's device.</summary>
    private static Tensor Images(AeStyleGan model, string? data, string cacheDir, int n, Device device)
    {
        var x = AeStyleGanData.Images(model.Config, data ?? DataPaths.Default(AeStyleGanData.DefaultFolder(model.Config)), cacheDir, n);
        return device.Kind == DeviceKind.Cpu ? x : x.MoveTo(device);
    }

    public static void Reconstruct(string checkpoint, bool ema, string? data, string cacheDir, int count, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int n = Math.Max(1, count);
        var x = Images(model, data, cacheDir, n, device);
        var rec = model.Reconstruct(x, new RandomStream(NoiseSeed));
        ImageGrid.Save(outFile, HostCopies.OnCpu(x, rec), cols: Math.Min(n, 8), labels: ["x", "G(E(x))"]);
        double mse = Op.Mean(Op.Square(Op.Sub(rec, x))).Item();
        Console.WriteLine($"wrote {outFile}: {n} images (x) and their reconstructions (G(E(x)))");
        Console.WriteLine($"reconstruction MSE {mse:F5} (mean over the {n} images' pixels, in [-1, 1])");
    }

    public static void Generate(string checkpoint, bool ema, int count, ulong seed, double psi, int cutoff, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int n = Math.Max(1, count);
        var z = new RandomStream(seed).Normal(new Shape(n, model.Config.LatentSize), DType.Float32, device);
        ImageGrid.Save(outFile, HostCopies.OnCpu(model.Generate(Truncated(model, model.Map(z), psi, cutoff), new RandomStream(seed + NoiseSeed))), cols: Math.Min(n, 8));
        Console.WriteLine($"wrote {outFile}: {n} samples G(F(z)), truncation ψ {psi} on the first {Math.Min(cutoff, model.Config.StyleCount)} of {model.Config.StyleCount} style layers");
    }

    /// <summary>
    /// StyleGAN's truncation trick: w̄ + ψ·(w − w̄) on style layers [0, cutoff), w on the rest; w̄ the mean of F over
    /// 4096 z (fixed seed). w: (N, L) → styles (N, StyleCount, L).
    /// </summary>
    private static Tensor Truncated(AeStyleGan model, Tensor w, double psi, int cutoff)
    {
        int layers = Math.Min(cutoff, model.Config.StyleCount);
        if (psi == 1 || layers == 0) return model.Broadcast(w);
        var mean = Op.Mean(model.Map(new RandomStream(4096).Normal(new Shape(TruncationSamples, model.Config.LatentSize), DType.Float32, w.Device)), 0);
        var truncated = Op.Lerp(Op.BroadcastTo(Op.Reshape(mean, 1, model.Config.LatentSize), w.Shape), w, psi);
        return layers >= model.Config.StyleCount ? model.Broadcast(truncated) : model.Mix(truncated, w, layers);
    }

    /// <summary>In W: straight lines between the codes E(a) and E(b) of image pairs (W+ codes whole); in Z: paths between pairs of z, through F, truncated.</summary>
    public static void Interpolate(string checkpoint, bool ema, string? data, string cacheDir, int pairs, int steps, bool inZ, bool spherical,
        ulong seed, double psi, int cutoff, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int rows = Math.Max(1, pairs), cols = Math.Max(2, steps);
        Tensor styles;
        if (inZ)
        {
            var (za, zb) = LatentPath.RandomEnds(seed, rows, model.Config.LatentSize, device);
            styles = Truncated(model, model.Map(LatentPath.Points(za, zb, cols, spherical)), psi, cutoff);
        }
        else
        {
            // a W+ code is one point of the (StyleCount·L)-space: interpolated whole
            var code = model.Encode(Images(model, data, cacheDir, 2 * rows, device));
            var flat = Op.Reshape(code, 2 * rows, code.Length / (2 * rows));
            var points = LatentPath.Points(Op.Slice(flat, 0, 0, rows), Op.Slice(flat, 0, rows, rows), cols, spherical: false);
            styles = model.StylesOf(code.Rank == 2 ? points : Op.Reshape(points, rows * cols, model.Config.StyleCount, model.Config.LatentSize));
        }
        ImageGrid.Save(outFile, HostCopies.OnCpu(model.Generate(styles, new RandomStream(NoiseSeed))), cols: cols);
        Console.WriteLine($"wrote {outFile}: {rows} interpolations of {cols} steps in " +
                          (inZ ? $"Z ({(spherical ? "slerp" : "lerp")}, ψ {psi}, cutoff {cutoff})" : "the encoder's code space between encoded images"));
    }

    /// <summary>
    /// Style mixing of encoded images 0…n−1 (A) with n…2n−1 (B): rows A, B, G(E(A)), G(E(B)), then per layer range
    /// G of A's styles on the range and B's elsewhere (a W code is the same on every layer).
    /// </summary>
    public static void Mix(string checkpoint, bool ema, string? data, string cacheDir, int pairs, IReadOnlyList<StyleBand>? ranges, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int n = Math.Max(1, pairs), layers = model.Config.StyleCount;
        var bands = ranges ?? StyleMixing.Bands(layers);
        foreach (var band in bands)
            if (band.Start < 0 || band.End > layers || band.Start >= band.End)
                throw new ArgumentException($"--layers {band.Start}-{band.End - 1}: the generator at {model.Config.Resolution}² has style layers 0–{layers - 1}");
        var x = Images(model, data, cacheDir, 2 * n, device);
        var (a, b) = (Op.Slice(x, 0, 0, n), Op.Slice(x, 0, n, n));
        var (sa, sb) = (model.StylesOf(model.Encode(a)), model.StylesOf(model.Encode(b)));
        var rows = new List<Tensor> { a, b };
        var labels = new List<string> { "A", "B", "G(E(A))", "G(E(B))" };
        Tensor Mixed(Func<int, bool> fromA) => Op.Concat(1, Enumerable.Range(0, layers).Select(i => Op.Slice(fromA(i) ? sa : sb, 1, i, 1)).ToArray());
        var mixes = new List<Tensor> { sa, sb };
        foreach (var band in bands)
        {
            mixes.Add(Mixed(band.Contains));
            var span = $"layers {band.Start}–{band.End - 1}";
            labels.Add($"{(band.Name.Length > 0 ? $"{band.Name} ({span})" : span)} from A, rest from B");
        }
        rows.AddRange(mixes.Select(s => model.Generate(s, new RandomStream(NoiseSeed))));
        ImageGrid.Save(outFile, HostCopies.OnCpu(rows), cols: n, labels: labels);
        Console.WriteLine($"wrote {outFile}: {n} pairs (columns); rows: {string.Join(" | ", labels)}");
    }
}

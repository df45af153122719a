using AlaeEngine.Autograd;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The inference commands' work for a StyleALAE checkpoint: the EMA model (the reference's sampling model) by default, at the
/// checkpoint's level, on the CPU or a GPU, images read through the run's multi-resolution cache, PNG grids out.
/// </summary>
internal static class StyleInference
{
    // fixed per-pixel noise, so two commands on one checkpoint draw the same images
    private const ulong NoiseSeed = 999;

    public static StyleAlae Load(string checkpointJson, bool ema, Device device)
    {
        var model = StyleTrainer.LoadModel(checkpointJson, ema, device);
        Console.WriteLine($"{checkpointJson}: StyleALAE ({(ema ? "EMA" : "training")} weights) at level {model.Level} ({model.CurrentResolution}²{(model.Blend < 1 ? $", blend {model.Blend:F2}" : "")})");
        return model;
    }

    /// <summary>The run folder's cache (run/checkpoints/step-N.json → run/cache), the one training made.</summary>
    public static string DefaultCache(string checkpointJson)
        => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(checkpointJson)))!, "cache");

    /// <summary>The folder's first n images at the model's current resolution, on <paramref name="device"/>.</summary>
    public static Tensor Images(StyleAlae model, string folder, string cacheDir, int n, Device device)
    {
        using var images = StyleImages.Open(folder, model.Config.Resolution, cacheDir);
        if (n > images.Count) throw new ArgumentException($"{folder} has {images.Count} images, {n} are needed");
        var x = images.Batch(model.CurrentResolution, Enumerable.Range(0, n).ToArray(), flip: false);
        return HostCopies.On(x, device);
    }

    public static void Reconstruct(string checkpoint, bool ema, string data, string cacheDir, int count, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int n = Math.Max(1, count);
        var x = Images(model, data, cacheDir, n, device);
        model.Noise = new RandomStream(NoiseSeed);
        var rec = model.Reconstruct(x);
        ImageGrid.Save(outFile, HostCopies.OnCpu(x, rec), cols: Math.Min(n, 8), labels: ["x", "G(E(x))"]);
        Console.WriteLine($"wrote {outFile}: {n} images (x) and their reconstructions (G(E(x)))");
    }

    public static void Generate(string checkpoint, bool ema, int count, ulong seed, double psi, int cutoff, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int n = Math.Max(1, count);
        var z = new RandomStream(seed).Normal(new Shape(n, model.LatentSize), DType.Float32, device);
        model.Noise = new RandomStream(seed + NoiseSeed);
        ImageGrid.Save(outFile, HostCopies.OnCpu(model.Sample(z, model.WAverage, psi, cutoff)), cols: Math.Min(n, 8));
        Console.WriteLine($"wrote {outFile}: {n} samples, truncation ψ {psi} on the first {cutoff} style layers");
    }

    /// <summary>In W: straight lines between E(a) and E(b) of image pairs; in Z: paths between pairs of z, sampled with truncation.</summary>
    public static void Interpolate(string checkpoint, bool ema, string data, string cacheDir, int pairs, int steps, bool inZ, bool spherical,
        ulong seed, double psi, int cutoff, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int rows = Math.Max(1, pairs), cols = Math.Max(2, steps);
        Tensor images;
        if (inZ)
        {
            var (za, zb) = LatentPath.RandomEnds(seed, rows, model.LatentSize, device);
            model.Noise = new RandomStream(seed + NoiseSeed);
            images = model.Sample(LatentPath.Points(za, zb, cols, spherical), model.WAverage, psi, cutoff);
        }
        else
        {
            var w = model.Encode(Images(model, data, cacheDir, 2 * rows, device));
            var (wa, wb) = (Op.Slice(w, 0, 0, rows), Op.Slice(w, 0, rows, rows));
            model.Noise = new RandomStream(NoiseSeed);
            images = model.Generate(LatentPath.Points(wa, wb, cols, spherical: false));
        }
        ImageGrid.Save(outFile, HostCopies.OnCpu(images), cols: cols);
        Console.WriteLine($"wrote {outFile}: {rows} interpolations of {cols} steps in " +
                          (inZ ? $"Z ({(spherical ? "slerp" : "lerp")}, ψ {psi}, cutoff {cutoff})" : "W between encoded images"));
    }

    /// <summary>Style mixing of images 0…n−1 (A) with n…2n−1 (B); see <see cref="StyleMixing"/>.</summary>
    public static void Mix(string checkpoint, bool ema, string data, string cacheDir, int pairs, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int n = Math.Max(1, pairs);
        var x = Images(model, data, cacheDir, 2 * n, device);
        var (a, b) = (Op.Slice(x, 0, 0, n), Op.Slice(x, 0, n, n));
        var generated = StyleMixing.Generate(model, a, b, NoiseSeed);
        var labels = new[] { "A", "B" }.Concat(StyleMixing.Rows(2 * (model.Level + 1)).Select(r => r.Label)).ToList();
        ImageGrid.Save(outFile, HostCopies.OnCpu(new[] { a, b }.Concat(generated)), cols: n, labels: labels);
        Console.WriteLine($"wrote {outFile}: {n} pairs (columns); rows: {string.Join(" | ", labels)}");
        var bands = StyleMixing.Bands(2 * (model.Level + 1));
        Console.WriteLine("bands: " + string.Join(", ", bands.Select(s =>
            $"{s.Name} = style layers {s.Start}–{s.End - 1} ({StyleAlaeConfig.ResolutionAt(s.Start / 2)}²–{StyleAlaeConfig.ResolutionAt((s.End - 1) / 2)}²)")));
    }
}

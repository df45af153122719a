using AlaeEngine.Autograd;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The inference commands' work for a Balanced PIONEER checkpoint: the training encoder with the EMA decoder (the
/// reference's sampling pair) by default, at the checkpoint's level; codes and latents on the unit sphere.
/// </summary>
internal static class PioneerInference
{
    public static BalancedPioneer Load(string checkpointJson, bool emaDecoder, Device device)
    {
        var model = PioneerTrainer.LoadModel(checkpointJson, emaDecoder, device);
        Console.WriteLine($"{checkpointJson}: Balanced PIONEER ({(emaDecoder ? "EMA" : "training")} decoder) at level {model.Level} " +
                          $"({model.CurrentResolution}²{(model.Blend < 1 ? $", blend {model.Blend:F2}" : "")})");
        return model;
    }

    /// <summary><see cref="PioneerData.Images"/> on the model's device.</summary>
    private static Tensor Images(BalancedPioneer model, string folder, string cacheDir, Device device, int? n = null)
        => HostCopies.On(PioneerData.Images(model, folder, cacheDir, n), device);

    public static void Reconstruct(string checkpoint, bool ema, string? data, string cacheDir, int count, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int n = Math.Max(1, count);
        var x = Images(model, data ?? PioneerData.DefaultFolder(model), cacheDir, device, n);
        ImageGrid.Save(outFile, HostCopies.OnCpu(x, model.Reconstruct(x)), cols: Math.Min(n, 8), labels: ["x", "G(E(x))"]);
        Console.WriteLine($"wrote {outFile}: {n} images (top block) and their reconstructions G(E(x)) (bottom block)");
    }

    public static void Generate(string checkpoint, bool ema, int count, ulong seed, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int n = Math.Max(1, count);
        var z = model.SampleLatents(n, new RandomStream(seed), DType.Float32, device);
        ImageGrid.Save(outFile, HostCopies.OnCpu(model.Decode(z)), cols: Math.Min(n, 8));
        Console.WriteLine($"wrote {outFile}: {n} samples G(z), z uniform on the unit sphere");
    }

    /// <summary>Great-circle paths (slerp) between the codes of image pairs, or between random latents on the sphere.</summary>
    public static void Interpolate(string checkpoint, bool ema, string? data, string cacheDir, int pairs, int steps, bool randomLatents, ulong seed, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int rows = Math.Max(1, pairs), cols = Math.Max(2, steps);
        Tensor za, zb;
        if (randomLatents)
        {
            var random = new RandomStream(seed);
            za = model.SampleLatents(rows, random, DType.Float32, device);
            zb = model.SampleLatents(rows, random, DType.Float32, device);
        }
        else
        {
            var z = model.Encode(Images(model, data ?? PioneerData.DefaultFolder(model), cacheDir, device, 2 * rows));
            (za, zb) = (Op.Slice(z, 0, 0, rows), Op.Slice(z, 0, rows, rows));
        }
        ImageGrid.Save(outFile, HostCopies.OnCpu(model.Decode(LatentPath.Points(za, zb, cols, spherical: true))), cols: cols);
        Console.WriteLine($"wrote {outFile}: {rows} slerp interpolations of {cols} steps between " + (randomLatents ? "random latents" : "encoded image pairs"));
    }

    /// <summary>
    /// Attribute manipulation (paper §3.4, Fig. 6): v = mean E(A) − mean E(B) over the images with the attribute (A) and
    /// without (B); each held-out image x becomes G(n(E(x) + λ·v)) for every strength λ, n the projection onto the unit
    /// sphere (codes live there; the paper's equation leaves it implicit). Rows: the inputs, then one per strength.
    /// With <paramref name="expected"/> (the held-out images with the attribute truly applied, in the same order) it
    /// prints each row's mean squared error against them, and the reconstruction error of those images themselves.
    /// </summary>
    public static void Manipulate(string checkpoint, bool ema, string with, string without, string? data, string? expected,
        string cacheDir, int count, IReadOnlyList<double> strengths, string outFile, Device device)
    {
        using var model = Load(checkpoint, ema, device);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var codesA = model.Encode(Images(model, with, cacheDir, device));
        var codesB = model.Encode(Images(model, without, cacheDir, device));
        var v = Op.Sub(Op.Mean(codesA, 0), Op.Mean(codesB, 0)); // (1, L)
        int n = Math.Max(1, count);
        var x = Images(model, data ?? PioneerData.DefaultFolder(model), cacheDir, device, n);
        var z = model.Encode(x);
        var rows = new List<Tensor> { x };
        foreach (var s in strengths) rows.Add(model.Decode(Op.SphereProject(Op.Add(z, Op.Scale(v, s)))));
        ImageGrid.Save(outFile, HostCopies.OnCpu(rows), cols: Math.Min(n, 8), labels: ["x", .. strengths.Select(s => $"l={s:G4}")]);
        double norm = Math.Sqrt(Op.Sum(Op.Square(v)).Item());
        Console.WriteLine($"attribute vector from {codesA.Shape[0]} images with ({with}) and {codesB.Shape[0]} without ({without}): |v| = {norm:F4}");
        Console.WriteLine($"wrote {outFile}: {n} held-out images (first block), then G(n(E(x) + λ·v)) for λ = {string.Join(", ", strengths)}");
        if (expected == null) return;
        var target = Images(model, expected, cacheDir, device, n);
        if (target.Shape != x.Shape) throw new ArgumentException($"--expected: {expected} gives {target.Shape}, the held-out images are {x.Shape}");
        static double Mse(Tensor a, Tensor b) => Op.Mean(Op.Square(Op.Sub(a, b))).Item();
        Console.WriteLine($"mean squared error against {expected} (pixels in [-1, 1]):");
        for (int i = 0; i < strengths.Count; i++) Console.WriteLine($"  λ = {strengths[i],5:G4}  {Mse(rows[i + 1], target):F5}");
        Console.WriteLine($"  inputs x themselves      {Mse(x, target):F5}");
        Console.WriteLine($"  G(E(expected)) (floor)   {Mse(model.Reconstruct(target), target):F5}");
    }
}

using AlaeEngine.Autograd;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>The inference commands' work for an MLP-ALAE checkpoint: MNIST test digits in, PNG grids out, on the CPU or a GPU.</summary>
internal static class MlpInference
{
    public const string DefaultData = "data/mnist";

    public static MlpAlae Load(string checkpointJson, Device device)
    {
        var options = MlpTrainer.OptionsFrom(checkpointJson);
        var model = new MlpAlae(options.Model, new Init(options.Seed, DType.Float32, device));
        Checkpoint.LoadWeights(checkpointJson, model.NamedParameters());
        return model;
    }

    // (N, 784) on any device → (N, 1, 28, 28) on the CPU, for the grid
    private static Tensor AsImages(Tensor flat) => Op.Reshape(flat.Device.Kind == DeviceKind.Cpu ? flat : flat.MoveTo(Device.Cpu), flat.Shape[0], 1, MnistDataset.Side, MnistDataset.Side);

    public static void Reconstruct(string checkpoint, string data, int count, string outFile, Device device)
    {
        using var model = Load(checkpoint, device);
        var test = MnistDataset.LoadFolder(data, train: false);
        int n = Math.Clamp(count, 1, test.Count);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var x = test.Batch(Enumerable.Range(0, n).ToArray(), device);
        var rec = model.Generate(model.Encode(x));
        ImageGrid.Save(outFile, new[] { AsImages(x), AsImages(rec) }, cols: Math.Min(n, 16), labels: ["x", "G(E(x))"]);
        Console.WriteLine($"wrote {outFile}: {n} test digits (x) and their reconstructions (G(E(x)))");
    }

    public static void Generate(string checkpoint, int count, ulong seed, string outFile, Device device)
    {
        using var model = Load(checkpoint, device);
        int n = Math.Max(1, count);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var z = new RandomStream(seed).Normal(new Shape(n, model.LatentSize), DType.Float32, device);
        ImageGrid.Save(outFile, AsImages(model.Generate(model.Map(z))), cols: Math.Min(n, 16));
        Console.WriteLine($"wrote {outFile}: {n} samples");
    }

    /// <summary>In W: straight lines between the codes E(x) of pairs of test digits; in Z: paths between pairs of z, through F.</summary>
    public static void Interpolate(string checkpoint, string data, int pairs, int steps, bool inZ, bool spherical, ulong seed, string outFile, Device device)
    {
        using var model = Load(checkpoint, device);
        int cols = Math.Max(2, steps);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        Tensor images;
        int rows;
        if (inZ)
        {
            rows = Math.Max(1, pairs);
            var (za, zb) = LatentPath.RandomEnds(seed, rows, model.LatentSize, device);
            images = model.Generate(model.Map(LatentPath.Points(za, zb, cols, spherical)));
        }
        else
        {
            var test = MnistDataset.LoadFolder(data, train: false);
            rows = Math.Clamp(pairs, 1, test.Count / 2);
            var wa = model.Encode(test.Batch(Enumerable.Range(0, rows).ToArray(), device));
            var wb = model.Encode(test.Batch(Enumerable.Range(rows, rows).ToArray(), device));
            images = model.Generate(LatentPath.Points(wa, wb, cols, spherical: false));
        }
        ImageGrid.Save(outFile, AsImages(images), cols: cols);
        Console.WriteLine($"wrote {outFile}: {rows} interpolations of {cols} steps in {(inZ ? $"Z ({(spherical ? "slerp" : "lerp")})" : "W")}");
    }
}

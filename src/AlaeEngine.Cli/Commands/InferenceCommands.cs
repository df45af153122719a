using System.CommandLine;
using AlaeEngine.Autograd;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae reconstruct | generate | interpolate` from an MLP-ALAE checkpoint, writing PNG grids.</summary>
internal static class InferenceCommands
{
    public static MlpAlae LoadMlp(string checkpointOrRun, out string path)
    {
        path = CliRunner.ResolveCheckpoint(checkpointOrRun);
        var options = MlpTrainer.OptionsFrom(path);
        var model = new MlpAlae(options.Model, new Init(options.Seed));
        Checkpoint.LoadWeights(path, model.NamedParameters());
        return model;
    }

    private static Option<string> CheckpointOption() => Opt.Required<string>("--checkpoint", "run folder (newest checkpoint) or checkpoints/step-*.json");
    private static Option<string> OutOption(string name) => Opt.Of("--out", "PNG file to write", name);

    private static Tensor AsImages(Tensor flat) => Op.Reshape(flat, flat.Shape[0], 1, MnistDataset.Side, MnistDataset.Side);

    public static Command Reconstruct()
    {
        var ckpt = CheckpointOption(); var outFile = OutOption("reconstructions.png");
        var data = Opt.Of("--data", "MNIST folder; test digits are reconstructed", "data/mnist");
        var count = Opt.Of("--count", "number of digits", 32);
        var cmd = new Command("reconstruct", "rows of test digits and their reconstructions G(E(x))") { ckpt, data, count, outFile };
        cmd.SetAction(r =>
        {
            using var model = LoadMlp(r.GetValue(ckpt)!, out _);
            var test = MnistDataset.LoadFolder(r.GetValue(data)!, train: false);
            int n = Math.Clamp(r.GetValue(count), 1, test.Count);
            using var scope = TensorScope.Begin();
            using var noGrad = GradMode.NoGrad();
            var x = test.Batch(Enumerable.Range(0, n).ToArray());
            var rec = model.Generate(model.Encode(x));
            ImageGrid.Save(r.GetValue(outFile)!, new[] { AsImages(x), AsImages(rec) }, cols: Math.Min(n, 16));
            Console.WriteLine($"wrote {r.GetValue(outFile)}: {n} test digits (top) and reconstructions (below)");
            return 0;
        });
        return cmd;
    }

    public static Command Generate()
    {
        var ckpt = CheckpointOption(); var outFile = OutOption("generations.png");
        var count = Opt.Of("--count", "number of samples", 64);
        var seed = Opt.Of("--seed", "seed of z", 1UL);
        var cmd = new Command("generate", "samples G(F(z)), z ~ N(0, I)") { ckpt, count, seed, outFile };
        cmd.SetAction(r =>
        {
            using var model = LoadMlp(r.GetValue(ckpt)!, out _);
            int n = Math.Max(1, r.GetValue(count));
            using var scope = TensorScope.Begin();
            using var noGrad = GradMode.NoGrad();
            var z = new RandomStream(r.GetValue(seed)).Normal(new Shape(n, model.LatentSize));
            ImageGrid.Save(r.GetValue(outFile)!, AsImages(model.Generate(model.Map(z))), cols: Math.Min(n, 16));
            Console.WriteLine($"wrote {r.GetValue(outFile)}: {n} samples");
            return 0;
        });
        return cmd;
    }

    public static Command Interpolate()
    {
        var ckpt = CheckpointOption(); var outFile = OutOption("interpolations.png");
        var data = Opt.Of("--data", "MNIST folder; pairs of test digits are interpolated", "data/mnist");
        var pairs = Opt.Of("--pairs", "number of rows (pairs of digits)", 8);
        var steps = Opt.Of("--steps", "images per row, ends included", 10);
        var cmd = new Command("interpolate", "G of straight lines in W between the codes E(x) of two test digits") { ckpt, data, pairs, steps, outFile };
        cmd.SetAction(r =>
        {
            using var model = LoadMlp(r.GetValue(ckpt)!, out _);
            var test = MnistDataset.LoadFolder(r.GetValue(data)!, train: false);
            int rows = Math.Clamp(r.GetValue(pairs), 1, test.Count / 2), cols = Math.Max(2, r.GetValue(steps));
            using var scope = TensorScope.Begin();
            using var noGrad = GradMode.NoGrad();
            var wa = model.Encode(test.Batch(Enumerable.Range(0, rows).ToArray()));
            var wb = model.Encode(test.Batch(Enumerable.Range(rows, rows).ToArray()));
            // rows of the grid: for each pair, cols points from wa to wb
            var frames = new List<Tensor>();
            for (int i = 0; i < rows; i++)
                for (int k = 0; k < cols; k++)
                    frames.Add(Op.Lerp(Op.Slice(wa, 0, i, 1), Op.Slice(wb, 0, i, 1), k / (double)(cols - 1)));
            var images = model.Generate(Op.Concat(0, frames.ToArray()));
            ImageGrid.Save(r.GetValue(outFile)!, AsImages(images), cols: cols);
            Console.WriteLine($"wrote {r.GetValue(outFile)}: {rows} interpolations of {cols} steps in W");
            return 0;
        });
        return cmd;
    }
}

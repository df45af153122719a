using System.CommandLine;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae eval mnist`: 1-NN and linear-classifier accuracy on W codes, reconstruction MSE.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var ckpt = Opt.Required<string>("--checkpoint", "run folder (newest checkpoint) or checkpoints/step-*.json");
        var data = Opt.Of<string?>("--data", $"folder with MNIST IDX files (train and t10k; default: {MlpInference.DefaultData})", null);
        var json = Opt.Of<string?>("--json", "also write the scores to this JSON file", null);
        var device = ComputeDevice.Option("cpu");
        var mnist = new Command("mnist", "score W codes with 1-NN and a linear classifier (fit on train, scored on test)") { ckpt, data, json, device, NonFiniteNumbers.AllowOption() };
        mnist.SetAction(r =>
        {
            var path = CliRunner.ResolveCheckpoint(r.GetValue(ckpt)!);
            string folder = r.GetValue(data) ?? DataPaths.Default(MlpInference.DefaultData);
            using var model = MlpInference.Load(path, ComputeDevice.Open(r.GetValue(device)!));
            var train = MnistDataset.LoadFolder(folder, train: true);
            var test = MnistDataset.LoadFolder(folder, train: false);
            var s = MnistEvaluation.Evaluate(model, train, test);
            Console.WriteLine($"checkpoint          {path}");
            Console.WriteLine($"codes               {s.TrainCount} train / {s.TestCount} test, W dimension {model.LatentSize}");
            Console.WriteLine($"1-NN accuracy       {s.NearestNeighbourAccuracy:P2}");
            Console.WriteLine($"linear accuracy     {s.LinearAccuracy:P2}");
            Console.WriteLine($"reconstruction MSE  {s.ReconstructionMse:F5} (pixels in [-1, 1])");
            if (r.GetValue(json) is { } file)
                AtomicFile.WriteAllText(file, MnistEvaluation.ToJson(s));
            return 0;
        });
        return new Command("eval", "evaluate a trained model") { mnist };
    }
}

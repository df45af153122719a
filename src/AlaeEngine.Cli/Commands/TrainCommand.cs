using System.CommandLine;
using AlaeEngine.Data;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae train`: one sub-command per model; `alae train mlp`: MLP-ALAE on MNIST IDX files (the bundled sample by default).</summary>
internal static class TrainCommand
{
    public static Command Create() => new("train", "train a model") { Mlp(), StyleTrainCommand.Create(), PioneerTrainCommand.Create(), AeStyleGanTrainCommand.Create() };

    private static Command Mlp()
    {
        var data = Opt.Of("--data", "folder with MNIST IDX files (train-images-idx3-ubyte[.gz], ...); with --resume: where the run's data lies now", DataPaths.Default(MlpInference.DefaultData));
        var run = new RunFlags("runs/mlp", data);
        var epochs = Opt.AtLeast("--epochs", "epochs over the training set", 20, 1);
        var batch = Opt.AtLeast("--batch", "batch size", 128, 1);
        var lr = Opt.Of("--lr", "learning rate (Adam, β = (0, 0.99))", MlpTrainingOptions.DefaultLearningRate);
        var gamma = Opt.Of("--r1-gamma", "R1 penalty weight γ", 10.0);

        var cmd = new Command("mlp", "train MLP-ALAE on MNIST (ALAE §7.1)");
        foreach (var o in new Option[] { data, epochs, batch, lr, gamma }.Concat(run.All)) cmd.Add(o);
        cmd.SetAction(r =>
        {
            var basis = run.Basis<MlpTrainingOptions>(r);
            var fromFlags = run.ApplyTo(r, basis with
            {
                Epochs = run.Value(r, epochs, basis.Epochs), BatchSize = run.Value(r, batch, basis.BatchSize),
                LearningRate = run.Value(r, lr, basis.LearningRate), R1Gamma = run.Value(r, gamma, basis.R1Gamma),
            });
            return run.Start(r, fromFlags, MlpTrainer.OptionsFrom,
            [
                new(epochs, o => o.Epochs, (s, f) => s with { Epochs = f.Epochs }),
                new(batch, o => o.BatchSize), new(lr, o => o.LearningRate), new(gamma, o => o.R1Gamma),
            ], (options, checkpoint) =>
            {
                var device = run.OpenDevice(r);
                var train = MnistDataset.LoadFolder(options.DataDir, train: true);
                using var trainer = new MlpTrainer(options, train, device);
                Console.WriteLine($"MLP-ALAE on {train.Count} digits from {options.DataDir}: {options.Epochs} epochs × {trainer.IterationsPerEpoch} iterations " +
                                  $"of batch {options.BatchSize}, {RunFlags.Describe(device)} → {options.OutDir}");
                return TrainingSession.Run(trainer, checkpoint, "Use a smaller --batch (in a new run), or free the GPU's memory from other processes.");
            });
        });
        return cmd;
    }
}

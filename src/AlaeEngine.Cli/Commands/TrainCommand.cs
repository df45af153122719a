using System.CommandLine;
using AlaeEngine.Cpu;
using AlaeEngine.Data;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae train mlp`: MLP-ALAE on MNIST IDX files (the bundled sample by default).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = Opt.Of("--data", "folder with MNIST IDX files (train-images-idx3-ubyte[.gz], ...)", DataPaths.Default(MlpInference.DefaultData));
        var outDir = Opt.Of("--out", "run folder: checkpoints, samples, metrics.jsonl, losses.png", "runs/mlp");
        var epochs = Opt.AtLeast("--epochs", "epochs over the training set", 20, 1);
        var batch = Opt.AtLeast("--batch", "batch size", 128, 1);
        var lr = Opt.Of("--lr", "learning rate (Adam, β = (0, 0.99))", 0.002);
        var gamma = Opt.Of("--r1-gamma", "R1 penalty weight γ", 10.0);
        var seed = Opt.Of("--seed", "seed of every random choice (same seed, same losses)", 1UL);
        var resume = Opt.Of("--resume", "continue from the newest checkpoint in --out", false);
        var maxIt = Opt.AtLeast("--max-iterations", "stop after this many iterations (0: all epochs)", 0, 0);
        var sampleEvery = Opt.AtLeast("--sample-every", "write a sample grid every N iterations", 500, 1);
        var ckptEvery = Opt.AtLeast("--checkpoint-every", "write a checkpoint every N iterations", 1000, 1);
        var threads = Opt.Threads();
        var device = ComputeDevice.Option("cpu");

        var mlp = new Command("mlp", "train MLP-ALAE on MNIST (ALAE §7.1)")
        {
            data, outDir, epochs, batch, lr, gamma, seed, resume, maxIt, sampleEvery, ckptEvery, threads, device,
        };
        mlp.SetAction(r =>
        {
            CpuKernels.Threads = r.GetValue(threads);
            var options = new MlpTrainingOptions
            {
                DataDir = r.GetValue(data)!, OutDir = r.GetValue(outDir)!, Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batch),
                LearningRate = r.GetValue(lr), R1Gamma = r.GetValue(gamma), Seed = r.GetValue(seed), MaxIterations = r.GetValue(maxIt),
                SampleEvery = r.GetValue(sampleEvery), CheckpointEvery = r.GetValue(ckptEvery),
            };
            // on resume the run keeps its own length unless --epochs is given explicitly
            bool epochsGiven = r.GetResult(epochs) is { Implicit: false };
            return TrainMlp(options, r.GetValue(resume), epochsGiven, r.GetValue(device)!);
        });
        return new Command("train", "train a model") { mlp, StyleTrainCommand.Create() };
    }

    private static int TrainMlp(MlpTrainingOptions options, bool resume, bool epochsGiven, string deviceName)
    {
        string? checkpoint = null;
        if (resume)
        {
            checkpoint = Checkpoint.Latest(options.OutDir)
                ?? throw new FileNotFoundException($"--resume: no complete checkpoint in {Path.Combine(options.OutDir, Checkpoint.Folder)}");
            // the run continues with the options it was started with; only its length can be changed
            var saved = MlpTrainer.OptionsFrom(checkpoint);
            options = saved with { Epochs = epochsGiven ? options.Epochs : saved.Epochs, MaxIterations = options.MaxIterations, OutDir = options.OutDir };
        }
        options.Validate();
        var train = MnistDataset.LoadFolder(options.DataDir, train: true);
        var device = ComputeDevice.Open(deviceName);
        using var trainer = new MlpTrainer(options, train, device);
        if (checkpoint != null)
        {
            trainer.Resume(checkpoint);
            Console.WriteLine($"resumed from {checkpoint} at iteration {trainer.Step} (epoch {trainer.Step / trainer.IterationsPerEpoch + 1})");
        }
        Console.WriteLine($"MLP-ALAE on {train.Count} digits from {options.DataDir}: {options.Epochs} epochs × {trainer.IterationsPerEpoch} iterations of batch {options.BatchSize}, {(device.Kind == Tensors.DeviceKind.Cpu ? $"{CpuKernels.Threads} CPU threads" : device.ToString())} → {options.OutDir}");

        bool stopRequested = false;
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stopRequested = true; };
        Console.CancelKeyPress += onCancel;
        try
        {
            using var metrics = new RunMetrics(options.OutDir, trainer.Step);
            var progress = new ProgressLine(trainer.Step, trainer.TotalIterations);
            foreach (var it in trainer.Run(() => stopRequested))
            {
                metrics.Add(it);
                var l = it.Losses;
                progress.Update(it.Step, $"epoch {it.Epoch + 1}/{options.Epochs} {it.ImagesPerSecond:F0} img/s D {l.Discriminator:F3} R1 {l.R1:F3} G {l.Generator:F3} lat {l.Latent:F4}");
                if (it.Step % trainer.IterationsPerEpoch == 0 || it.Step == trainer.TotalIterations) metrics.WritePlot();
            }
            progress.Finish();
            if (stopRequested)
            {
                var path = trainer.SaveCheckpoint();
                metrics.WritePlot();
                Console.WriteLine($"interrupted: saved {path}; continue with --resume --out {options.OutDir}");
                return 130;
            }
            Console.WriteLine($"done: {trainer.Step} iterations; samples in {Path.Combine(options.OutDir, "samples")}, checkpoints in {Path.Combine(options.OutDir, Checkpoint.Folder)}");
            return 0;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }
}

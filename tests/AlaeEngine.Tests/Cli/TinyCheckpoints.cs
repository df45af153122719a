using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Tests.Data;
using AlaeEngine.Training;

namespace AlaeEngine.Tests.Cli;

/// <summary>A one-iteration MLP-ALAE checkpoint (hidden 16, latent 4) trained on 64 bundled digits, for the commands that read one.</summary>
internal static class TinyCheckpoints
{
    /// <summary>Trains it into <paramref name="runDir"/> and returns its checkpoint's JSON path.</summary>
    public static string Mlp(string runDir)
    {
        var digits = MnistDataset.LoadFolder(Path.Combine(DataIoPaths.RepoRoot, "data", "mnist"), train: true).Subset(64);
        var options = new MlpTrainingOptions
        {
            OutDir = runDir, Epochs = 1, BatchSize = 32, MaxIterations = 1, Seed = 5,
            Model = new MlpAlaeConfig { HiddenSize = 16, LatentSize = 4, MappingLayers = 1 },
        };
        using var trainer = new MlpTrainer(options, digits);
        _ = trainer.Run(() => false).ToList();
        return trainer.SaveCheckpoint();
    }
}

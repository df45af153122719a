using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Tests.Style;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cli;

/// <summary>The inference commands dispatch on <see cref="CheckpointFormat.Detect"/>: both trainers' checkpoints, and a foreign file.</summary>
public class CheckpointFormatTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-format-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void StyleCheckpointIsDetectedAndLoadsForInference()
    {
        var options = new StyleTrainingOptions { OutDir = Path.Combine(_dir, "style"), MaxIterations = 1, SampleCount = 2, Preset = StyleAlaePreset.Tiny };
        string path;
        using (var trainer = new StyleTrainer(options, new SmoothImageSource(8, 3, 16, seed: 3)))
        {
            _ = trainer.Run(() => false).ToList();
            path = trainer.SaveCheckpoint();
        }
        Assert.That(CheckpointFormat.Detect(path), Is.EqualTo(CheckpointKind.Style));
        using var model = StyleTrainer.LoadModel(path);
        Assert.That(model.Level, Is.EqualTo(0), "the checkpoint's level: one iteration of batch 8 stays at 4²");
    }

    [Test]
    public void MlpCheckpointIsDetected()
    {
        var digits = MnistDataset.LoadFolder(Path.Combine(Data.DataIoPaths.RepoRoot, "data", "mnist"), train: true).Subset(64);
        var options = new MlpTrainingOptions
        {
            OutDir = Path.Combine(_dir, "mlp"), Epochs = 1, BatchSize = 32, MaxIterations = 1, Seed = 5,
            Model = new MlpAlaeConfig { HiddenSize = 16, LatentSize = 4, MappingLayers = 1 },
        };
        using var trainer = new MlpTrainer(options, digits);
        _ = trainer.Run(() => false).ToList();
        Assert.That(CheckpointFormat.Detect(trainer.SaveCheckpoint()), Is.EqualTo(CheckpointKind.Mlp));
    }

    [Test]
    public void UnknownFormatIsAnErrorNamingIt()
    {
        var path = Path.Combine(_dir, "step-0000001.json");
        File.WriteAllText(path, """{ "format": "other-checkpoint/7" }""");
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFormat.Detect(path));
        Assert.That(e!.Message, Does.Contain("other-checkpoint/7").And.Contain(path));
        File.WriteAllText(path, "{}");
        Assert.Throws<InvalidDataException>(() => CheckpointFormat.Detect(path));
    }
}

using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Training;

/// <summary>Determinism, exact resume and checkpoints of the MLP-ALAE trainer, on a tiny model and 256 real digits.</summary>
public class MlpTrainerTests
{
    private static readonly Lazy<MnistDataset> Digits = new(() => MnistDataset.LoadFolder(Path.Combine(AlaeEngine.Tests.Data.DataIoPaths.RepoRoot, "data", "mnist"), train: true).Subset(256));
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-trainer-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private MlpTrainingOptions Tiny(string sub, int maxIterations, int checkpointEvery = 1000) => new()
    {
        OutDir = Path.Combine(_dir, sub), Epochs = 3, BatchSize = 32, MaxIterations = maxIterations,
        CheckpointEvery = checkpointEvery, SampleEvery = 1000, Seed = 5,
        Model = new MlpAlaeConfig { HiddenSize = 32, LatentSize = 8, MappingLayers = 2 },
    };

    private static List<AlaeLosses> Run(MlpTrainer t) => t.Run(() => false).Select(l => l.Losses).ToList();

    private static float[][] Weights(MlpAlae m) => m.Parameters().Select(p => p.Value.ToFloatArray()).ToArray();

    [Test]
    public void SameSeedGivesTheSameLossesBitForBit()
    {
        using var a = new MlpTrainer(Tiny("a", 5), Digits.Value);
        using var b = new MlpTrainer(Tiny("b", 5), Digits.Value);
        var la = Run(a); var lb = Run(b);
        Assert.That(la, Has.Count.EqualTo(5));
        Assert.That(lb, Is.EqualTo(la));
        Assert.That(la.All(l => double.IsFinite(l.Discriminator) && double.IsFinite(l.R1) && double.IsFinite(l.Latent)), Is.True);
    }

    [Test]
    public void ADifferentSeedGivesDifferentLosses()
    {
        using var a = new MlpTrainer(Tiny("a", 2), Digits.Value);
        using var b = new MlpTrainer(Tiny("b", 2) with { Seed = 6 }, Digits.Value);
        Assert.That(Run(b), Is.Not.EqualTo(Run(a)));
    }

    [Test]
    public void ResumeContinuesExactlyAsAnUninterruptedRun()
    {
        // 12 iterations span an epoch boundary (8 per epoch) and the resume point (5) is mid-epoch
        using var full = new MlpTrainer(Tiny("full", 12, checkpointEvery: 5), Digits.Value);
        var expected = Run(full);

        using var first = new MlpTrainer(Tiny("split", 5, checkpointEvery: 5), Digits.Value);
        Assert.That(Run(first), Is.EqualTo(expected.Take(5)));
        var ckpt = Checkpoint.Latest(Path.Combine(_dir, "split"))!;
        Assert.That(Path.GetFileName(ckpt), Is.EqualTo("step-0000005.json"));

        using var second = new MlpTrainer(Tiny("split", 12, checkpointEvery: 5), Digits.Value);
        second.Resume(ckpt);
        Assert.That(second.Step, Is.EqualTo(5));
        Assert.That(Run(second), Is.EqualTo(expected.Skip(5)));
        Assert.That(Weights(second.Model), Is.EqualTo(Weights(full.Model)));
    }

    [Test]
    public void CheckpointRoundTripRestoresWeightsAndOptimizerState()
    {
        using var a = new MlpTrainer(Tiny("a", 3), Digits.Value);
        Run(a);
        var path = a.SaveCheckpoint();
        using var b = new MlpTrainer(Tiny("b", 3), Digits.Value);
        Assert.That(Weights(b.Model), Is.Not.EqualTo(Weights(a.Model)), "a fresh trainer starts from the initial weights");
        b.Resume(path);
        Assert.That(Weights(b.Model), Is.EqualTo(Weights(a.Model)));
        // same state → the next iteration is identical
        using var c = new MlpTrainer(Tiny("a", 4), Digits.Value);
        c.Resume(path);
        using var d = new MlpTrainer(Tiny("b", 4), Digits.Value);
        d.Resume(path);
        Assert.That(Run(d), Is.EqualTo(Run(c)));
    }

    [Test]
    public void ACheckpointOfAnotherModelSizeIsRejectedWithTheTensorName()
    {
        using var a = new MlpTrainer(Tiny("a", 1), Digits.Value);
        Run(a);
        var path = a.SaveCheckpoint();
        var other = Tiny("b", 1) with { Model = new MlpAlaeConfig { HiddenSize = 16, LatentSize = 8, MappingLayers = 2 } };
        using var b = new MlpTrainer(other, Digits.Value);
        var e = Assert.Throws<InvalidDataException>(() => b.Resume(path))!;
        Assert.That(e.Message, Does.Contain("param/").And.Contain("shape"));
    }

    [Test]
    public void OnlyTheNewestCheckpointsAreKeptAndEachIsComplete()
    {
        using var t = new MlpTrainer(Tiny("k", 10, checkpointEvery: 2), Digits.Value);
        Run(t);
        var files = Directory.GetFiles(Path.Combine(_dir, "k", Checkpoint.Folder)).Select(Path.GetFileName).Order().ToArray();
        // written at 2, 4, 6, 8 and 10 (the last step); the three newest stay, each with both files
        var expected = new[] { 6, 8, 10 }.SelectMany(k => new[] { $"step-{k:D7}.json", $"step-{k:D7}.safetensors" }).Order().ToArray();
        Assert.That(files, Is.EqualTo(expected));
    }

    [Test]
    public void CheckpointsAndGridsFollowTheirIntervalsWithOneOfEachAtTheEndOfTheRun()
    {
        // 3 epochs of 8 iterations; epoch ends (8, 16) are not stages of their own
        using var t = new MlpTrainer(Tiny("i", 0, checkpointEvery: 10) with { SampleEvery = 6 }, Digits.Value);
        Run(t);
        string[] Steps(string folder, string pattern) => Directory.GetFiles(Path.Combine(_dir, "i", folder), pattern).Select(Path.GetFileName).Order().ToArray()!;
        Assert.That(Steps(Checkpoint.Folder, "*.json"), Is.EqualTo(new[] { "step-0000010.json", "step-0000020.json", "step-0000024.json" }));
        Assert.That(Steps(SampleGrid.Folder, "*.png"), Is.EqualTo(new[] { "step-0000006.png", "step-0000012.png", "step-0000018.png", "step-0000024.png" }));
    }

    [Test]
    public void TrainingWritesSamplesAndReducesTheLatentError()
    {
        using var t = new MlpTrainer(Tiny("s", 40) with { Epochs = 5 }, Digits.Value);
        var losses = Run(t);
        Assert.That(File.Exists(Path.Combine(_dir, "s", "samples", "step-0000040.png")));
        double early = losses.Take(5).Average(l => l.Latent), late = losses.Skip(35).Average(l => l.Latent);
        Assert.That(late, Is.LessThan(early), "the reciprocity step lowers ‖F(z) − E(G(F(z)))‖²");
    }
}

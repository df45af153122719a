using AlaeEngine.Autograd;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Style;

/// <summary>Schedule, determinism, exact resume, checkpoints and learning of the StyleALAE trainer on the tiny preset.</summary>
public class StyleTrainerTests
{
    private static readonly Lazy<SmoothImageSource> Images = new(() => new SmoothImageSource(48, 3, 16, seed: 31));
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-style-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    // level 0: iterations 1–4 (32 images), level 1: 5–8 (fade-in 5–6), level 2 from 9 on (fade-in 9–12)
    private StyleTrainingOptions Options(string sub, long maxIterations, int checkpointEvery = 1000) => new()
    {
        OutDir = Path.Combine(_dir, sub), Seed = 5, MaxIterations = maxIterations, CheckpointEvery = checkpointEvery,
        SampleEvery = 1000, SampleCount = 4,
        Preset = StyleAlaePreset.Tiny with { ImagesPerLevel = 32, BatchPerLevel = [8, 8, 4], TotalImages = 400 },
    };

    private static List<StyleIterationLog> Run(StyleTrainer t) => t.Run(() => false).ToList();
    private static float[][] Weights(StyleAlae m) => m.Parameters().Select(p => p.Value.ToFloatArray()).ToArray();

    [Test]
    public void ScheduleGrowsFadesInAndResetsAdamPerLevel()
    {
        Assert.That(StyleSchedule.At(StyleAlaePreset.Tiny, 0), Is.EqualTo((0, 1.0)));
        Assert.That(StyleSchedule.At(StyleAlaePreset.Tiny, 64), Is.EqualTo((1, 0.0)));
        Assert.That(StyleSchedule.At(StyleAlaePreset.Tiny, 80).Blend, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(StyleSchedule.At(StyleAlaePreset.Tiny, 96), Is.EqualTo((1, 1.0)));
        Assert.That(StyleSchedule.At(StyleAlaePreset.Tiny, 10_000), Is.EqualTo((2, 1.0)), "the last level runs to the end");

        using var t = new StyleTrainer(Options("s", 10), Images.Value);
        var log = Run(t);
        Assert.That(log.Select(l => l.Level), Is.EqualTo(new[] { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2 }));
        Assert.That(log.Select(l => l.Batch), Is.EqualTo(new[] { 8, 8, 8, 8, 8, 8, 8, 8, 4, 4 }));
        Assert.That(log[4].Blend, Is.EqualTo(0.0));
        Assert.That(log[5].Blend, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(log[6].Blend, Is.EqualTo(1.0));
        Assert.That(log.All(l => double.IsFinite(l.Losses.Discriminator) && double.IsFinite(l.Losses.R1) && double.IsFinite(l.Losses.Generator) && double.IsFinite(l.Losses.Latent)), Is.True);
        // two updates per optimizer per iteration (its own step and the reciprocity step), counted from the level switch
        var path = t.SaveCheckpoint();
        var steps = AlaeEngine.Training.Checkpoint.ReadState(path)["optimizerSteps"]!;
        Assert.That(steps["encoder"]!.GetValue<long>(), Is.EqualTo(4));
        Assert.That(steps["decoder"]!.GetValue<long>(), Is.EqualTo(4));
        Assert.That(t.ImagesSeen, Is.EqualTo(72));
        Assert.That(File.Exists(Path.Combine(_dir, "s", "samples", "step-0000004.png")), Is.True, "a grid at the end of each level");
    }

    [Test]
    public void RunMetricsLogsStyleLossesAndTheSchedulePosition()
    {
        using var t = new StyleTrainer(Options("m", 10), Images.Value);
        Run(t); // the trainer writes metrics.jsonl and losses.png
        var records = MetricsLog.Read(Path.Combine(t.Options.OutDir, "metrics.jsonl"), _ => { });
        Assert.That(records, Has.Count.EqualTo(1));
        Assert.That(records[0].Step, Is.EqualTo(10));
        Assert.That(records[0].Losses.Keys, Is.EquivalentTo(new[] { "d_logistic", "r1", "g_adv", "latent_mse" }));
        Assert.That(records[0].Values["level"], Is.EqualTo(2));
        Assert.That(records[0].Values["images_seen"], Is.EqualTo(72));
        Assert.That(records[0].Values["batch"], Is.EqualTo(4));
        Assert.That(File.Exists(Path.Combine(t.Options.OutDir, "losses.png")), Is.True);
    }

    [Test]
    public void ResumeContinuesExactlyAsAnUninterruptedRun()
    {
        // 11 iterations cross both level switches and a fade-in; the resume point (6) is mid fade-in of level 1
        using var full = new StyleTrainer(Options("full", 11, checkpointEvery: 6), Images.Value);
        var expected = Run(full);

        using var first = new StyleTrainer(Options("split", 6, checkpointEvery: 6), Images.Value);
        Assert.That(Run(first), Is.EqualTo(expected.Take(6)).Using<StyleIterationLog>(SameIteration));
        var ckpt = AlaeEngine.Training.Checkpoint.Latest(Path.Combine(_dir, "split"))!;
        Assert.That(Path.GetFileName(ckpt), Is.EqualTo("step-0000006.json"));

        using var second = new StyleTrainer(Options("split", 11, checkpointEvery: 6), Images.Value);
        second.Resume(ckpt);
        Assert.That(second.Step, Is.EqualTo(6));
        Assert.That(Run(second), Is.EqualTo(expected.Skip(6)).Using<StyleIterationLog>(SameIteration));
        Assert.That(Weights(second.Model), Is.EqualTo(Weights(full.Model)));
        Assert.That(Weights(second.EmaModel), Is.EqualTo(Weights(full.EmaModel)));
        Assert.That(second.Model.WAverage.ToFloatArray(), Is.EqualTo(full.Model.WAverage.ToFloatArray()));
    }

    // everything but the wall-clock throughput, compared exactly
    private static bool SameIteration(StyleIterationLog a, StyleIterationLog b)
        => a with { ImagesPerSecond = 0 } == b with { ImagesPerSecond = 0 };

    [Test]
    public void CheckpointRoundTripRestoresWeightsEmaAndWAverage()
    {
        using var a = new StyleTrainer(Options("a", 5), Images.Value);
        Run(a);
        var path = a.SaveCheckpoint();
        using var b = new StyleTrainer(Options("b", 5), Images.Value);
        Assert.That(Weights(b.Model), Is.Not.EqualTo(Weights(a.Model)));
        b.Resume(path);
        Assert.That(Weights(b.Model), Is.EqualTo(Weights(a.Model)));
        Assert.That(Weights(b.EmaModel), Is.EqualTo(Weights(a.EmaModel)));
        Assert.That(Weights(a.EmaModel), Is.Not.EqualTo(Weights(a.Model)), "the EMA lags the trained weights");
        Assert.That(b.Model.WAverage.ToFloatArray(), Is.EqualTo(a.Model.WAverage.ToFloatArray()));
        Assert.That((b.Step, b.ImagesSeen, b.Level, b.Blend), Is.EqualTo((a.Step, a.ImagesSeen, a.Level, a.Blend)));

        using var sampling = StyleTrainer.LoadModel(path);
        Assert.That(Weights(sampling), Is.EqualTo(Weights(a.EmaModel)));
        Assert.That((sampling.Level, sampling.Blend), Is.EqualTo((a.Level, a.Blend)));
        Assert.That(StyleTrainer.OptionsFrom(path).Preset.ImagesPerLevel, Is.EqualTo(32));
    }

    [Test]
    public void LatentReconstructionErrorFallsInAShortRun()
    {
        // ALAE reconstructs through the latent: step III trains E(G(w)) ≈ w. Image-space G(E(x)) only improves once the
        // GAN has learned the data, which takes far more than a test's budget (probe: 0.200 → 0.27 after 300 iterations),
        // so it is logged, not asserted.
        var options = Options("learn", 60) with
        {
            Preset = StyleAlaePreset.Tiny with { ImagesPerLevel = 100_000, TotalImages = 100_000, BatchPerLevel = [16], LearningRatePerLevel = [0.003] },
        };
        using var t = new StyleTrainer(options, Images.Value);
        double before = ReconstructionMse(t.Model);
        var log = Run(t);
        double after = ReconstructionMse(t.Model);
        double latentFirst = log.Take(10).Average(l => l.Losses.Latent), latentLast = log.TakeLast(10).Average(l => l.Losses.Latent);
        TestContext.Out.WriteLine($"latent MSE {latentFirst:F4} → {latentLast:F4}; image MSE of G(E(x)) {before:F4} → {after:F4}");
        Assert.That(latentLast, Is.LessThan(0.85 * latentFirst));
    }

    private static double ReconstructionMse(StyleAlae model)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var x = Images.Value.Batch(model.CurrentResolution, Enumerable.Range(0, 32).ToArray(), flip: false);
        model.Noise = new RandomStream(1);
        var rec = model.Reconstruct(x);
        model.Noise = null;
        return Op.Mean(Op.Square(Op.Sub(rec, x))).Item();
    }
}

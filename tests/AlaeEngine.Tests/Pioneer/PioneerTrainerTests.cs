using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Tensors;
using AlaeEngine.Tests.Style;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Pioneer;

/// <summary>Schedule, determinism, exact resume, checkpoints and the training dynamics of the Balanced PIONEER trainer.</summary>
public class PioneerTrainerTests
{
    private static readonly Lazy<SmoothImageSource> Images = new(() => new SmoothImageSource(48, 3, 16, seed: 31));
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-pioneer-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    // pioneer-tiny: 4² for iterations 1–8 (batch 8), 8² for 9–16 (fading in over 9–12), 16² for 17–32 (fading in over
    // 17–20, batch 4), then 16² with margin 0.02 for 33–48; pool of 8, used once a fade-in is over
    private PioneerTrainingOptions Options(string sub, long maxIterations = 0, int checkpointEvery = 1000, int sampleEvery = 1000, ulong seed = 5) => new()
    {
        OutDir = Path.Combine(_dir, sub), Seed = seed, MaxIterations = maxIterations, CheckpointEvery = checkpointEvery,
        SampleEvery = sampleEvery, SampleCount = 4, Preset = PioneerPreset.Tiny,
    };

    private static List<PioneerIterationLog> Run(PioneerTrainer t) => t.Run(() => false).ToList();

    // everything but the wall-clock throughput, compared exactly
    private static bool SameIteration(PioneerIterationLog a, PioneerIterationLog b) => a with { ImagesPerSecond = 0 } == b with { ImagesPerSecond = 0 };

    private static float[][] Weights(Module m) => m.Parameters().Select(p => p.Value.ToFloatArray()).ToArray();
    private static float[][] Vectors(Module m) => m.NamedBuffers().Select(b => b.buffer.ToFloatArray()).ToArray();

    [Test]
    public void TheRuleScheduleDrivesLevelFadeInBatchMarginAndThePool()
    {
        using var t = new PioneerTrainer(Options("s"), Images.Value);
        var log = Run(t);
        Assert.That(log, Has.Count.EqualTo(48), "the whole schedule: 256 images");
        Assert.That(log.Select(l => l.Level), Is.EqualTo(Enumerable.Repeat(0, 8).Concat(Enumerable.Repeat(1, 8)).Concat(Enumerable.Repeat(2, 32))));
        Assert.That(log.Select(l => l.Batch).Distinct(), Is.EqualTo(new[] { 8, 4 }));
        Assert.That(log.Skip(8).Take(5).Select(l => l.Blend), Is.EqualTo(new[] { 0, 0.25, 0.5, 0.75, 1 }), "the 8² fade-in over half a stage");
        Assert.That(log.Skip(16).Take(9).Select(l => l.Blend), Is.EqualTo(new[] { 0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1 }));
        Assert.That(log.Select(l => l.Margin), Is.EqualTo(Enumerable.Repeat(0.0, 32).Concat(Enumerable.Repeat(0.02, 16))));
        Assert.That(log.Select(l => l.ReconstructionWeight), Is.EqualTo(
            Enumerable.Repeat(1.0, 4).Concat(Enumerable.Repeat(1.5, 4)).Concat(Enumerable.Repeat(1.0, 4)).Concat(Enumerable.Repeat(1.5, 4))
                .Concat(Enumerable.Repeat(1.0, 8)).Concat(Enumerable.Repeat(1.5, 24))), "λ_X 1.5 from half a stage into a level; the margin rule does not restart it");
        // the pool: unused in a level's first half stage (4² included, as the reference), 8 images per iteration at 4² and 8², a new one per rule, 4 per iteration at 16²
        Assert.That(log.Select(l => l.PoolCount), Is.EqualTo(new[] { 0, 0, 0, 0, 8, 8, 8, 8, 0, 0, 0, 0, 8, 8, 8, 8 }
            .Concat([0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 8, 8, 8, 8, 8, 8]).Concat([4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8])), "the margin rule starts a new pool");
        // (the gap is formed here in double from the float32 terms, the term on the device in float32)
        Assert.That(log.Skip(32).Select(l => l.Losses.KlTerm - Math.Max(-0.02, l.Losses.KlGap)), Has.All.InRange(-1e-6, 1e-6), "the hinge in the margin rule");
        Assert.That(log.Skip(32).Select(l => l.Losses.KlTerm), Has.All.GreaterThanOrEqualTo(-0.02 - 1e-7), "never below −m (up to float32 rounding)");
        Assert.That(log.Skip(32).Any(l => l.Losses.KlGap < -0.02), Is.True, "the hinge was active");
        Assert.That(log.Take(32).Select(l => l.Losses.KlTerm - l.Losses.KlGap), Has.All.InRange(-1e-6, 1e-6), "no hinge without a margin");
        foreach (int step in new[] { 8, 16, 32, 48 })
            Assert.That(File.Exists(Path.Combine(_dir, "s", "samples", $"step-{step:D7}.png")), Is.True, $"a grid at the end of the rule ending at iteration {step}");
        // Adam counts each parameter's own steps: the 16² block joined at iteration 17
        var state = Checkpoint.ReadState(Checkpoint.Latest(Path.Combine(_dir, "s"))!);
        Assert.That(state["optimizerSteps"]!["encoder"]!.GetValue<long>(), Is.EqualTo(48));
        var encoderSteps = state["optimizerParameterSteps"]!["encoder"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
        var names = t.Model.Encoder.NamedParameters().Select(p => p.path).ToList();
        Assert.That(encoderSteps[names.IndexOf("block_2.conv_1.weight")], Is.EqualTo(32));
        Assert.That(encoderSteps[names.IndexOf("block_0.conv_1.weight")], Is.EqualTo(48));
        Assert.That(encoderSteps[names.IndexOf("from_rgb_0.weight")], Is.EqualTo(12), "4²'s FromRGB: level 0 and the 8² fade-in");
    }

    [Test]
    public void MetricsLogLossesAndTheSchedulePosition()
    {
        using var t = new PioneerTrainer(Options("m", maxIterations: 10), Images.Value);
        Run(t);
        var records = MetricsLog.Read(Path.Combine(t.Options.OutDir, "metrics.jsonl"), _ => { });
        Assert.That(records, Has.Count.EqualTo(1));
        Assert.That(records[0].Losses.Keys, Is.EquivalentTo(new[] { "e_total", "x_l1", "kl_real", "kl_fake", "kl_term", "g_kl", "z_mismatch" }));
        Assert.That((records[0].Values["level"], records[0].Values["blend"], records[0].Values["images_seen"]), Is.EqualTo((1.0, 0.25, 80.0)));
        Assert.That((records[0].Values["lr"], records[0].Values["margin"], records[0].Values["lambda_x"]), Is.EqualTo((1e-3, 0.0, 1.0)));
        Assert.That(File.Exists(Path.Combine(t.Options.OutDir, "losses.png")), Is.True);
    }

    [Test]
    public void ResumeContinuesExactlyAsAnUninterruptedRun()
    {
        // the split at 28 is at 16² with a full pool that swaps, the 16² block's Adam counts behind the others', and
        // the rest crosses the margin rule (a new pool) at 33
        using var full = new PioneerTrainer(Options("full", 40, checkpointEvery: 28), Images.Value);
        var expected = Run(full);

        using var first = new PioneerTrainer(Options("split", 28, checkpointEvery: 28), Images.Value);
        Assert.That(Run(first), Is.EqualTo(expected.Take(28)).Using<PioneerIterationLog>(SameIteration));
        var checkpoint = Checkpoint.Latest(Path.Combine(_dir, "split"))!;
        Assert.That(Path.GetFileName(checkpoint), Is.EqualTo("step-0000028.json"));

        using var second = new PioneerTrainer(Options("split", 40, checkpointEvery: 28), Images.Value);
        second.Resume(checkpoint);
        Assert.That(second.PoolCount, Is.EqualTo(8));
        Assert.That(Run(second), Is.EqualTo(expected.Skip(28)).Using<PioneerIterationLog>(SameIteration));
        Assert.That(Weights(second.Model), Is.EqualTo(Weights(full.Model)));
        Assert.That(Weights(second.EmaDecoder), Is.EqualTo(Weights(full.EmaDecoder)));
        Assert.That(Vectors(second.Model), Is.EqualTo(Vectors(full.Model)));
        Assert.That(Vectors(second.EmaDecoder), Is.EqualTo(Vectors(full.EmaDecoder)));
    }

    [Test]
    public void SeedsDecideTheRunAndGridsLeaveNoTrace()
    {
        // grids at every iteration run the networks, whose spectral-norm vectors they must put back
        using var a = new PioneerTrainer(Options("a", 12, sampleEvery: 1), Images.Value);
        using var b = new PioneerTrainer(Options("b", 12), Images.Value);
        using var c = new PioneerTrainer(Options("c", 12, seed: 6), Images.Value);
        var (la, lb, lc) = (Run(a), Run(b), Run(c));
        Assert.That(la, Is.EqualTo(lb).Using<PioneerIterationLog>(SameIteration));
        Assert.That(Directory.GetFiles(Path.Combine(_dir, "a", "samples")), Has.Length.EqualTo(12));
        Assert.That(lc.Select(l => l.Losses), Is.Not.EqualTo(la.Select(l => l.Losses)));
    }

    [Test]
    public void CheckpointRoundTripRestoresWeightsEmaVectorsAndPool()
    {
        using var a = new PioneerTrainer(Options("a", 14), Images.Value);
        Run(a);
        var path = a.SaveCheckpoint();
        using var b = new PioneerTrainer(Options("b", 14), Images.Value);
        Assert.That(Weights(b.Model), Is.Not.EqualTo(Weights(a.Model)));
        b.Resume(path);
        Assert.That(Weights(b.Model), Is.EqualTo(Weights(a.Model)));
        Assert.That(Weights(b.EmaDecoder), Is.EqualTo(Weights(a.EmaDecoder)));
        Assert.That(Weights(a.EmaDecoder), Is.Not.EqualTo(Weights(a.Model.Decoder)), "the EMA lags the trained decoder");
        Assert.That(Vectors(b.Model), Is.EqualTo(Vectors(a.Model)));
        Assert.That(Vectors(b.EmaDecoder), Is.EqualTo(Vectors(a.Model.Decoder)), "the EMA decoder's vectors follow the training decoder's");
        Assert.That((b.Step, b.ImagesSeen, b.Level, b.Blend, b.PoolCount), Is.EqualTo((14L, 112L, 1, 1.0, 8)));

        using var sampling = PioneerTrainer.LoadModel(path);
        Assert.That(Weights(sampling.Decoder), Is.EqualTo(Weights(a.EmaDecoder)));
        Assert.That(Weights(sampling.Encoder), Is.EqualTo(Weights(a.Model.Encoder)));
        Assert.That(Vectors(sampling), Is.EqualTo(Vectors(a.Model)));
        Assert.That((sampling.Level, sampling.Blend), Is.EqualTo((1, 1.0)));
        using var training = PioneerTrainer.LoadModel(path, emaDecoder: false);
        Assert.That(Weights(training), Is.EqualTo(Weights(a.Model)));
        Assert.That(CheckpointFormat.Detect(path), Is.EqualTo(CheckpointKind.Pioneer));
    }

    [Test]
    public void ACheckpointOfAnotherModelSizeIsRefusedNamingTheTensor()
    {
        using var a = new PioneerTrainer(Options("a", 2), Images.Value);
        Run(a);
        var path = a.SaveCheckpoint();
        var wider = Options("b") with { Preset = PioneerPreset.Tiny with { Model = PioneerPreset.Tiny.Model with { MaxChannels = 16 } } };
        using var b = new PioneerTrainer(wider, Images.Value);
        var e = Assert.Throws<InvalidDataException>(() => b.Resume(path));
        Assert.That(e!.Message, Does.Contain("decoder.block_0.conv_1.weight").And.Contain("shape"));
        Assert.Throws<ArgumentException>(() => new PioneerTrainer(Options("c"), new SmoothImageSource(4, 1, 16, seed: 1)), "one-channel images for a three-channel preset");
    }

    /// <summary>
    /// The paper's Fig. 3 and §3.3 in miniature, one level (4²) of a small model on 32 smooth images, 16 per batch:
    /// (i) the KL gap KL(E(x)) − KL(E(x̂)) is negative: the encoder gives the generated images the larger divergence;
    /// (ii) with the margin m = 0.02 the hinge bounds it: after the first 150 iterations it stays within (−3m, 0), and
    /// the L1 reconstruction error of the last 50 iterations is at least 5 % below that of the first 50 (measured: 9 %);
    /// (iii) without the margin the two KL terms drift apart: the gap over iterations 50–150 is wider than 5m.
    /// </summary>
    [Test]
    public void ReconstructionFallsAndTheMarginBoundsTheKlGap()
    {
        const double m = 0.02;
        List<PioneerIterationLog> Train(string sub, double margin, int iterations)
        {
            var preset = PioneerPreset.Tiny with
            {
                Model = PioneerPreset.Tiny.Model with { StartChannels = 16, MaxChannels = 16, LatentSize = 16 },
                Rules = [new PioneerRule(0, 0, 3e-3, margin)], ImagesPerStage = 2, TotalImages = 1_000_000, BatchPerLevel = [16],
            };
            using var t = new PioneerTrainer(Options(sub, iterations, seed: 1) with { Preset = preset }, new SmoothImageSource(32, 3, 16, seed: 31));
            return Run(t);
        }
        static double Mean(IEnumerable<PioneerIterationLog> w, Func<PioneerLossValues, double> f) => w.Average(l => f(l.Losses));

        var bounded = Train("margin", m, 300);
        var free = Train("free", 0, 150);
        double l1First = Mean(bounded.Take(50), l => l.Reconstruction), l1Last = Mean(bounded.TakeLast(50), l => l.Reconstruction);
        double gapBounded = Mean(bounded.Skip(150), l => l.KlGap), gapFree = Mean(free.Skip(50), l => l.KlGap);
        TestContext.Out.WriteLine($"L1 {l1First:F4} → {l1Last:F4}; KL gap with margin {gapBounded:F4}, without {gapFree:F4}");
        Assert.That(bounded.Chunk(50).Select(w => Mean(w, l => l.KlGap)), Has.All.Negative, "KL(fake) > KL(real) throughout");
        Assert.That(gapBounded, Is.InRange(-3 * m, 0));
        Assert.That(l1Last, Is.LessThan(0.95 * l1First));
        Assert.That(gapFree, Is.LessThan(-5 * m));
    }
}

using AlaeEngine.Autograd;
using AlaeEngine.IO;
using AlaeEngine.Losses;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Tests.Style;
using AlaeEngine.Training;
using NUnit.Framework;
using TrainingCheckpoint = AlaeEngine.Training.Checkpoint;

namespace AlaeEngine.Tests.Aegan;

/// <summary>
/// The AE-StyleGAN trainer on the tiny preset (16², R1 every 2 iterations, adaptive weight from iteration 2):
/// which networks each step updates and with which optimizer settings, determinism, exact resume in both modes with
/// path length on, the checkpoint round trip, and reconstruction error falling in short joint and decoupled runs.
/// </summary>
public class AeStyleGanTrainerTests
{
    private static readonly Lazy<SmoothImageSource> Images = new(() => new SmoothImageSource(48, 3, 16, seed: 31));
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-aegan-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static readonly AeStyleGanPreset Decoupled = AeStyleGanPreset.Tiny with
    {
        Mode = AeStyleGanMode.Decoupled, AdaptiveWeight = false, FakeWeightD = 1, ReconstructionWeightD = 0, FakeWeightG = 1,
    };

    private AeStyleGanTrainingOptions Options(string sub, long maxIterations, AeStyleGanPreset? preset = null, int checkpointEvery = 1000) => new()
    {
        OutDir = Path.Combine(_dir, sub), Seed = 5, MaxIterations = maxIterations, CheckpointEvery = checkpointEvery, SampleEvery = 1000,
        SampleCount = 4, Preset = (preset ?? AeStyleGanPreset.Tiny) with { Iterations = 1000 },
    };

    private static List<AeStyleGanIterationLog> Run(AeStyleGanTrainer t) => t.Run(() => false).ToList();
    private static float[][] Weights(Module m) => m.Parameters().Select(p => p.Value.ToFloatArray()).ToArray();
    private static long Steps(string checkpoint, string group) => TrainingCheckpoint.ReadState(checkpoint)["optimizerSteps"]![group]!.GetValue<long>();

    [Test]
    public void JointStepsUpdateTheirNetworksWithLazyR1AndTheAdaptiveWeightFromItsStart()
    {
        using var t = new AeStyleGanTrainer(Options("joint", 5), Images.Value);
        var log = Run(t);
        Assert.That(log.Select(l => l.Losses.R1.HasValue), Is.EqualTo(new[] { true, false, true, false, true }), "R1 on iterations 0, 2, 4 (every 2)");
        Assert.That(log.Take(2).Select(l => l.Losses.AdaptiveWeight), Is.All.EqualTo(1.0), "β is 1 before iteration 2");
        Assert.That(log.Skip(2).Select(l => l.Losses.AdaptiveWeight), Is.All.Not.EqualTo(1.0), "β from iteration 2 on");
        Assert.That(log.Skip(2).Select(l => l.Losses.AdaptiveWeight), Is.All.GreaterThan(0.0));
        Assert.That(log.All(l => l.Losses.Discriminator2 == null && l.Losses.PathLength == null && l.Losses.Perceptual == null), Is.True);
        var path = t.SaveCheckpoint();
        Assert.That(Steps(path, "discriminator"), Is.EqualTo(5 + 3), "one D step per iteration and one per R1 iteration");
        Assert.That(Steps(path, "encoder"), Is.EqualTo(5));
        Assert.That(Steps(path, "generator"), Is.EqualTo(10), "the joint E+G step and the G step");
        Assert.That(Steps(path, "mapping"), Is.EqualTo(5), "F learns only in the G step");
        Assert.That(TrainingCheckpoint.ReadState(path)["optimizerSteps"]!.AsObject().Select(kv => kv.Key),
            Is.EquivalentTo(new[] { "generator", "mapping", "encoder", "discriminator" }));
        Assert.That((t.ImagesSeen, log[^1].Epoch), Is.EqualTo((20L, 0)));
        Assert.That(File.Exists(Path.Combine(_dir, "joint", "samples", "step-0000005.png")), Is.True, "a grid at the end");
    }

    [Test]
    public void DecoupledStepsTrainASecondDiscriminatorAndTheEncoderAloneAgainstIt()
    {
        using var t = new AeStyleGanTrainer(Options("decoupled", 3, Decoupled with { EncoderSteps = 2 }), Images.Value);
        var g0 = Weights(t.Model.G);
        var log = Run(t);
        Assert.That(log.All(l => l.Losses.Discriminator2.HasValue), Is.True);
        Assert.That(log.Select(l => l.Losses.R1Second.HasValue), Is.EqualTo(new[] { true, false, true }));
        var path = t.SaveCheckpoint();
        Assert.That(Steps(path, "discriminator2"), Is.EqualTo(3 * 2 + 2), "a D₂ step per E step, and its own lazy R1");
        Assert.That(Steps(path, "discriminator"), Is.EqualTo(3 + 2));
        Assert.That(Steps(path, "encoder"), Is.EqualTo(3 * 2), "two E steps per iteration");
        Assert.That(Steps(path, "generator"), Is.EqualTo(3), "G learns only in the G step");
        Assert.That(t.ImagesSeen, Is.EqualTo(3 * 2 * 4), "a real batch per E step");
        Assert.That(Weights(t.Model.G), Is.Not.EqualTo(g0));
    }

    [Test]
    public void OptimizersTakeStyleGan2sLazyRegularisationRatios()
    {
        var preset = AeStyleGanPreset.Tiny with { PathLengthWeight = 2, PathLengthInterval = 4, R1Interval = 16 };
        using var model = new AeStyleGan(preset.Model, new Init(1, DType.Float32, Device.Cpu));
        using var algorithm = new AeStyleGanAlgorithm(model, preset, perceptual: null);
        var o = algorithm.Optimizers;
        Assert.That(o["discriminator"].LearningRate, Is.EqualTo(0.0025 * 16 / 17).Within(1e-15));
        Assert.That(o["discriminator"].Beta2, Is.EqualTo(Math.Pow(0.99, 16.0 / 17)).Within(1e-15));
        Assert.That(o["generator"].LearningRate, Is.EqualTo(0.0025 * 4 / 5).Within(1e-15));
        Assert.That(o["mapping"].Beta2, Is.EqualTo(Math.Pow(0.99, 0.8)).Within(1e-15));
        Assert.That((o["encoder"].LearningRate, o["encoder"].Beta2), Is.EqualTo((0.0025, 0.99)));
        using var plain = new AeStyleGanAlgorithm(model, preset with { PathLengthWeight = 0 }, perceptual: null);
        Assert.That((plain.Optimizers["generator"].LearningRate, plain.Optimizers["generator"].Beta2), Is.EqualTo((0.0025, 0.99)), "no path length: G at the base rate");
        Assert.Throws<ArgumentException>(() => new AeStyleGanAlgorithm(model, Decoupled, perceptual: null), "decoupled without D₂");
    }

    [Test]
    public void SameSeedSameLossesOtherSeedOthers()
    {
        using var a = new AeStyleGanTrainer(Options("a", 3), Images.Value);
        using var b = new AeStyleGanTrainer(Options("b", 3), Images.Value);
        using var c = new AeStyleGanTrainer(Options("c", 3) with { Seed = 6 }, Images.Value);
        var (la, lb, lc) = (Run(a), Run(b), Run(c));
        Assert.That(la.Select(l => l.Losses), Is.EqualTo(lb.Select(l => l.Losses)));
        Assert.That(la[0].Losses.Discriminator, Is.Not.EqualTo(lc[0].Losses.Discriminator));
    }

    [TestCase(AeStyleGanMode.Joint)]
    [TestCase(AeStyleGanMode.Decoupled)]
    public void ResumeContinuesExactlyAsAnUninterruptedRun(AeStyleGanMode mode)
    {
        // path length every 2 from iteration 0, so its running mean is part of the state; the resume point 3 is between
        // R1 and path-length iterations and after the adaptive weight's start (joint)
        var preset = (mode == AeStyleGanMode.Joint ? AeStyleGanPreset.Tiny : Decoupled) with { PathLengthWeight = 2, PathLengthInterval = 2 };
        using var full = new AeStyleGanTrainer(Options("full", 6, preset, checkpointEvery: 3), Images.Value);
        var expected = Run(full);
        Assert.That(expected.Count(l => l.Losses.PathLength.HasValue), Is.EqualTo(3));

        using var first = new AeStyleGanTrainer(Options("split", 3, preset, checkpointEvery: 3), Images.Value);
        Assert.That(Run(first), Is.EqualTo(expected.Take(3)).Using<AeStyleGanIterationLog>(SameIteration));
        var ckpt = TrainingCheckpoint.Latest(Path.Combine(_dir, "split"))!;
        Assert.That(first.PathLengthMean, Is.Not.EqualTo(0.0));

        using var second = new AeStyleGanTrainer(Options("split", 6, preset, checkpointEvery: 3), Images.Value);
        second.Resume(ckpt);
        Assert.That((second.Step, second.PathLengthMean, second.AdaptiveWeight), Is.EqualTo((3L, first.PathLengthMean, first.AdaptiveWeight)));
        Assert.That(Run(second), Is.EqualTo(expected.Skip(3)).Using<AeStyleGanIterationLog>(SameIteration));
        Assert.That(Weights(second.Model), Is.EqualTo(Weights(full.Model)), "every network, D₂ included");
        Assert.That(Weights(second.EmaModel.G), Is.EqualTo(Weights(full.EmaModel.G)));
        Assert.That(Weights(second.EmaModel.E), Is.EqualTo(Weights(full.EmaModel.E)));
        Assert.That(second.PathLengthMean, Is.EqualTo(full.PathLengthMean));
    }

    // everything but the wall-clock throughput, compared exactly
    private static bool SameIteration(AeStyleGanIterationLog a, AeStyleGanIterationLog b) => a with { ImagesPerSecond = 0 } == b with { ImagesPerSecond = 0 };

    [Test]
    public void CheckpointRoundTripRestoresNetworksEmaOptimizersAndState()
    {
        var preset = Decoupled with { PathLengthWeight = 2, PathLengthInterval = 2 };
        using var a = new AeStyleGanTrainer(Options("a", 3, preset), Images.Value);
        Run(a);
        var path = a.SaveCheckpoint();
        using var b = new AeStyleGanTrainer(Options("b", 3, preset), Images.Value);
        Assert.That(Weights(b.Model), Is.Not.EqualTo(Weights(a.Model)));
        b.Resume(path);
        Assert.That(Weights(b.Model), Is.EqualTo(Weights(a.Model)));
        Assert.That(Weights(b.Model.D2!), Is.EqualTo(Weights(a.Model.D2!)));
        Assert.That(Weights(b.EmaModel.F), Is.EqualTo(Weights(a.EmaModel.F)));
        Assert.That(Weights(a.EmaModel.G), Is.Not.EqualTo(Weights(a.Model.G)), "the EMA lags the trained weights");
        Assert.That((b.Step, b.ImagesSeen, b.PathLengthMean, b.AdaptiveWeight), Is.EqualTo((a.Step, a.ImagesSeen, a.PathLengthMean, a.AdaptiveWeight)));
        var resaved = b.SaveCheckpoint();
        Assert.That(TrainingCheckpoint.ReadState(resaved)["optimizerSteps"]!.ToJsonString(), Is.EqualTo(TrainingCheckpoint.ReadState(path)["optimizerSteps"]!.ToJsonString()));
        var (sa, sb) = (SafeTensors.Load(Path.ChangeExtension(path, ".safetensors")), SafeTensors.Load(Path.ChangeExtension(resaved, ".safetensors")));
        Assert.That(sb.Keys, Is.EquivalentTo(sa.Keys));
        Assert.That(sa.Keys.Where(k => k.StartsWith("adam/discriminator2/", StringComparison.Ordinal)), Is.Not.Empty);
        foreach (var k in sa.Keys) Assert.That(sb[k].ToFloatArray(), Is.EqualTo(sa[k].ToFloatArray()), k);

        using var sampling = AeStyleGanTrainer.LoadModel(path);
        Assert.That(Weights(sampling.G), Is.EqualTo(Weights(a.EmaModel.G)));
        Assert.That(Weights(sampling.E), Is.EqualTo(Weights(a.EmaModel.E)));
        using var training = AeStyleGanTrainer.LoadModel(path, ema: false);
        Assert.That(Weights(training.F), Is.EqualTo(Weights(a.Model.F)));
        Assert.That(AeStyleGanTrainer.OptionsFrom(path).Preset, Is.EqualTo(a.Options.Preset));
    }

    [Test]
    public void ACheckpointOfAnotherModelSizeIsRefusedNamingTheTensor()
    {
        using var a = new AeStyleGanTrainer(Options("a", 1), Images.Value);
        Run(a);
        var wider = AeStyleGanPreset.Tiny with { Model = AeStyleGanPreset.Tiny.Model with { LatentSize = 6 } };
        using var b = new AeStyleGanTrainer(Options("b", 1, wider), Images.Value);
        var e = Assert.Throws<InvalidDataException>(() => b.Resume(a.LastCheckpoint!));
        Assert.That(e!.Message, Does.Contain("param/"));
    }

    [Test]
    public void MetricsLogTheLossesEachIterationComputed()
    {
        using var t = new AeStyleGanTrainer(Options("m", 10, AeStyleGanPreset.Tiny with { PathLengthWeight = 2 }), Images.Value);
        Run(t);
        var records = MetricsLog.Read(Path.Combine(t.Options.OutDir, "metrics.jsonl"), _ => { });
        Assert.That(records, Has.Count.EqualTo(1));
        Assert.That(records[0].Losses.Keys, Is.EquivalentTo(new[] { "d", "r1", "ae", "pix", "adv", "g", "pl" }));
        Assert.That(records[0].Values["adaptive_weight"], Is.EqualTo(t.AdaptiveWeight));
        Assert.That(records[0].Values["pl_mean"], Is.EqualTo(t.PathLengthMean));
        Assert.That(File.Exists(Path.Combine(t.Options.OutDir, "losses.png")), Is.True);
    }

    // the pixel error of G(E(x)) on 32 training images falls in 20 iterations of batch 8, in both modes
    [TestCase(AeStyleGanMode.Joint)]
    [TestCase(AeStyleGanMode.Decoupled)]
    public void ReconstructionErrorFallsInAShortRun(AeStyleGanMode mode)
    {
        var preset = (mode == AeStyleGanMode.Joint ? AeStyleGanPreset.Tiny with { AdaptiveWeight = false } : Decoupled) with { Batch = 8, LearningRate = 0.005 };
        using var t = new AeStyleGanTrainer(Options(mode.ToString(), 20, preset), Images.Value);
        double before = ReconstructionMse(t.Model);
        var log = Run(t);
        double after = ReconstructionMse(t.Model);
        double first = log.Take(5).Average(l => l.Losses.Pixel), last = log.TakeLast(5).Average(l => l.Losses.Pixel);
        TestContext.Out.WriteLine($"{mode}: training pixel loss {first:F4} → {last:F4}; MSE of G(E(x)) {before:F4} → {after:F4}");
        Assert.That(after, Is.LessThan(0.7 * before));
        Assert.That(last, Is.LessThan(0.7 * first));
    }

    private static double ReconstructionMse(AeStyleGan model)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var x = Images.Value.Batch(16, Enumerable.Range(0, 32).ToArray(), flip: false);
        return Op.Mean(Op.Square(Op.Sub(model.Reconstruct(x, new RandomStream(1)), x))).Item();
    }
}

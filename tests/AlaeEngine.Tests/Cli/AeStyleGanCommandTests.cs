using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cli;

/// <summary>
/// `alae train aegan` and the inference commands on its checkpoints, run as processes on the tiny preset (16², the
/// bundled faces): a run, the resume rule for its flags, reconstruct / generate / interpolate / mix, and the errors of
/// flags that do not fit the run.
/// </summary>
public class AeStyleGanCommandTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-aegan-cli-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Run => Path.Combine(_dir, "run");

    private AlaeProcess Train(params string[] flags)
        => AlaeProcess.Run(["train", "aegan", .. flags.Contains("--preset") ? [] : new[] { "--preset", "aegan-tiny" }, "--out", Run, "--threads", "1", .. flags]);

    [Test]
    public void ARunResumesWithItsOwnFlagsRefusesOthersAndTakesANewLength()
    {
        var first = Train("--iterations", "3", "--mode", "joint", "--r1-gamma", "0.02");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.Output + first.Error);
        Assert.That(first.Output, Does.Contain("AE-StyleGAN 'aegan-tiny' 16² W+, joint, R1 γ 0.02 every 2, adaptive weight from 2"));
        Assert.That(Directory.GetFiles(Path.Combine(Run, "samples"), "*.png"), Is.Not.Empty);
        Assert.That(Checkpoint.ReadState(Checkpoint.Latest(Run)!)["step"]!.GetValue<long>(), Is.EqualTo(3));

        var refused = Train("--resume", "--latent", "w", "--r1-gamma", "0.5", "--mode", "joint");
        Assert.That(refused.ExitCode, Is.EqualTo(2));
        Assert.That(refused.Error, Does.Contain("--latent W (the run's: WPlus)").And.Contain("--r1-gamma 0.5 (the run's: 0.02)").And.Not.Contain("--mode"));

        var resumed = Train("--resume", "--iterations", "4", "--r1-gamma", "0.02");
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Output + resumed.Error);
        Assert.That(resumed.Output, Does.Contain("resume: --iterations changes the run's 3 to 4").And.Contain("resumed from"));
        var checkpoint = Checkpoint.Latest(Run)!;
        Assert.That(Checkpoint.ReadState(checkpoint)["step"]!.GetValue<long>(), Is.EqualTo(4));
        var options = AeStyleGanTrainer.OptionsFrom(checkpoint);
        Assert.That((options.Preset.Iterations, options.Preset.R1Gamma, options.Preset.Model.Latent), Is.EqualTo((4, 0.02, Models.AeStyleGanLatent.WPlus)));
    }

    [Test]
    public void TheInferenceCommandsReadTheCheckpoint()
    {
        Assert.That(Train("--iterations", "2").ExitCode, Is.EqualTo(0));
        string Png(string name) => Path.Combine(_dir, name + ".png");

        var rec = AlaeProcess.Run("reconstruct", "--checkpoint", Run, "--count", "4", "--out", Png("rec"));
        Assert.That(rec.ExitCode, Is.EqualTo(0), rec.Output + rec.Error);
        Assert.That(rec.Output, Does.Contain("AE-StyleGAN (EMA weights), 16², W+ (6 × 8)").And.Match("reconstruction MSE [0-9.]+"));

        var gen = AlaeProcess.Run("generate", "--checkpoint", Run, "--count", "3", "--psi", "0.5", "--cutoff", "2", "--training-weights", "--out", Png("gen"));
        Assert.That(gen.ExitCode, Is.EqualTo(0), gen.Output + gen.Error);
        Assert.That(gen.Output, Does.Contain("(training weights)").And.Contain("3 samples G(F(z)), truncation ψ 0.5 on the first 2 of 6 style layers"));

        var inW = AlaeProcess.Run("interpolate", "--checkpoint", Run, "--pairs", "2", "--steps", "3", "--out", Png("int-w"));
        Assert.That(inW.ExitCode, Is.EqualTo(0), inW.Output + inW.Error);
        Assert.That(inW.Output, Does.Contain("2 interpolations of 3 steps in the encoder's code space"));
        var inZ = AlaeProcess.Run("interpolate", "--checkpoint", Run, "--space", "z", "--path", "lerp", "--pairs", "1", "--out", Png("int-z"));
        Assert.That(inZ.ExitCode, Is.EqualTo(0), inZ.Output + inZ.Error);
        Assert.That(inZ.Output, Does.Contain("in Z (lerp"));

        var mix = AlaeProcess.Run("mix", "--checkpoint", Run, "--pairs", "2", "--layers", "0-1, 2-5", "--out", Png("mix"));
        Assert.That(mix.ExitCode, Is.EqualTo(0), mix.Output + mix.Error);
        Assert.That(mix.Output, Does.Contain("rows: A | B | G(E(A)) | G(E(B)) | layers 0–1 from A, rest from B | layers 2–5 from A, rest from B"));

        foreach (var name in new[] { "rec", "gen", "int-w", "int-z", "mix" })
            Assert.That(File.ReadAllBytes(Png(name)).Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }), name);

        var beyond = AlaeProcess.Run("mix", "--checkpoint", Run, "--layers", "4-9", "--out", Png("bad"));
        Assert.That(beyond.ExitCode, Is.EqualTo(2));
        Assert.That(beyond.Error, Does.Contain("--layers 4-9: the generator at 16² has style layers 0–5"));
        var malformed = AlaeProcess.Run("mix", "--checkpoint", Run, "--layers", "3-1", "--out", Png("bad"));
        Assert.That(malformed.Error, Does.Contain("--layers: '3-1' is not a range of style layers"));
        var eval = AlaeProcess.Run("eval", "mnist", "--checkpoint", Run);
        Assert.That(eval.ExitCode, Is.EqualTo(2));
        Assert.That(eval.Error, Does.Contain("eval mnist needs a one-channel 32² AE-StyleGAN model (aegan-mnist)").And.Contain("is 3-channel 16²"));
        Assert.That(File.Exists(Png("bad")), Is.False);
    }

    [TestCase(new[] { "--latent", "z" }, "--latent z: expected w, wplus")]
    [TestCase(new[] { "--mode", "both" }, "--mode both: expected joint, decoupled")]
    [TestCase(new[] { "--pix-loss", "l3" }, "--pix-loss l3: expected l2, l1")]
    [TestCase(new[] { "--perceptual", "lpips" }, "--perceptual lpips: expected none, vgg, d-features")]
    [TestCase(new[] { "--mode", "decoupled" }, "uses the adaptive weight, which needs the joint mode")]
    [TestCase(new[] { "--perceptual", "vgg" }, "the VGG16 perceptual term needs a weights file (--vgg-weights FILE")]
    [TestCase(new[] { "--vgg-weights", "vgg16.safetensors" }, "--vgg-weights vgg16.safetensors: the run's perceptual term is None, not VGG16 (add --perceptual vgg)")]
    [TestCase(new[] { "--batch", "6" }, "batch 6 does not split into minibatch-stddev groups of 4")]
    [TestCase(new[] { "--e-steps", "0" }, "encoder steps must be ≥ 1")]
    [TestCase(new[] { "--r1-gamma", "-1" }, "R1 γ must be ≥ 0")]
    [TestCase(new[] { "--preset", "aegan-huge" }, "unknown AE-StyleGAN preset 'aegan-huge'")]
    public void AFlagThatDoesNotFitIsAClearErrorAndNothingIsWritten(string[] flags, string expected)
    {
        var alae = Train(flags);
        Assert.That(alae.ExitCode, Is.EqualTo(2), alae.Output + alae.Error);
        Assert.That(alae.Error, Does.Contain(expected));
        Assert.That(Directory.Exists(Run) && Directory.EnumerateFileSystemEntries(Run).Any(), Is.False, "nothing written");
    }

    [Test]
    public void TheDiscriminatorFeatureTermTrainsUnderItsOwnNameAndTheWAndL1ChoicesApply()
    {
        var alae = Train("--iterations", "1", "--perceptual", "d-features", "--latent", "w", "--pix-loss", "l1", "--adaptive-start", "-1", "--mode", "decoupled", "--e-steps", "2");
        Assert.That(alae.ExitCode, Is.EqualTo(0), alae.Output + alae.Error);
        Assert.That(alae.Output, Does.Contain("16² W, decoupled, 2 E steps, R1 γ 0.01 every 2, no adaptive weight, pixel L1, DFeatures × 0.1"));
        Assert.That(alae.Output, Does.Not.Contain("VGG").IgnoreCase);
        var options = AeStyleGanTrainer.OptionsFrom(Checkpoint.Latest(Run)!).Preset;
        Assert.That((options.Perceptual, options.PerceptualWeight, options.Model.Latent, options.PixelLoss, options.EncoderSteps),
            Is.EqualTo((Losses.PerceptualKind.DFeatures, 0.1, Models.AeStyleGanLatent.W, Losses.PixelLossKind.L1, 2)));
    }

    [Test]
    public void AOneChannelPresetReadsMnistAndRefusesImageFolderFlags()
    {
        var alae = AlaeProcess.Run("train", "aegan", "--preset", "aegan-mnist32-cpu", "--out", Run, "--recursive");
        Assert.That(alae.ExitCode, Is.EqualTo(2));
        Assert.That(alae.Error, Does.Contain("--recursive applies to image folders; a one-channel preset trains on MNIST IDX files"));
        var config = Path.Combine(_dir, "mnist.json");
        var dump = AlaeProcess.Run("train", "aegan", "--preset", "aegan-mnist32-cpu", "--out", Run, "--dump-config", config);
        Assert.That(dump.ExitCode, Is.EqualTo(0), dump.Output + dump.Error);
        Assert.That(File.ReadAllText(config), Does.Match("\"DataDir\": \"[^\"]*data/mnist\""));
    }
}

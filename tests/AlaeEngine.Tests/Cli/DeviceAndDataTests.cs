using AlaeEngine.Cli.Commands;
using AlaeEngine.Cuda;
using AlaeEngine.Models;
using AlaeEngine.Tests.Data;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cli;

/// <summary>
/// Every command that computes takes --device cpu|cuda|cuda:N (the inference commands included), checked when the
/// command line is parsed; the default data sets are found from any working directory; bench refuses --res for MLP-ALAE.
/// The GPU side (cuda:0 works, cuda:1 on a one-GPU machine is refused) is in Cuda/DeviceChoiceTests.
/// </summary>
public class DeviceAndDataTests
{
    private string _dir = "";
    private string _checkpoint = "";

    [OneTimeSetUp]
    public void TrainATinyModel()
    {
        _dir = Directory.CreateTempSubdirectory("alae-device-").FullName;
        _checkpoint = TinyCheckpoints.Mlp(Path.Combine(_dir, "run"));
    }

    [OneTimeTearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] CommandsWithDevice =
    [
        "train mlp", "train style", "bench train --batch 2", "selftest",
        "reconstruct --checkpoint x", "generate --checkpoint x", "interpolate --checkpoint x", "mix --checkpoint x", "eval mnist --checkpoint x",
    ];

    [Test]
    public void EveryCommandRefusesAnUnknownDeviceWhenParsing([Values("gpu", "cuda:", "cuda:-1", "cuda:x", "cuda1")] string device)
    {
        foreach (var command in CommandsWithDevice)
        {
            var r = AlaeCli.Run([.. command.Split(' '), "--device", device]);
            Assert.That(r.ExitCode, Is.EqualTo(2), command);
            Assert.That(r.Error, Does.StartWith($"alae: error: --device {device}: expected cpu, cuda or cuda:N"), command);
        }
    }

    [Test]
    public void InferenceCommandsRunOnTheDeviceAsked()
    {
        foreach (var command in new[] { "generate", "reconstruct", "interpolate" })
        {
            var png = Path.Combine(_dir, command + ".png");
            var r = AlaeCli.Run(command, "--checkpoint", _checkpoint, "--device", "cpu", "--out", png);
            Assert.That(r.ExitCode, Is.Zero, r.Error);
            Assert.That(File.Exists(png), command);
        }
    }

    [Test]
    public void AGpuThatIsNotThereIsOneLineNamingItAndTheVisibleDevices()
    {
        if (CudaBackend.IsAvailable(out _)) Assert.Ignore("needs a machine without a GPU (Cuda/DeviceChoiceTests covers one with)");
        string? saved = Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES");
        Environment.SetEnvironmentVariable("CUDA_VISIBLE_DEVICES", "2,3");
        try
        {
            var r = AlaeCli.Run("generate", "--checkpoint", _checkpoint, "--device", "cuda:1", "--out", Path.Combine(_dir, "never.png"));
            Assert.That(r.ExitCode, Is.EqualTo(2));
            Assert.That(r.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(r.Error, Does.StartWith("alae: error: --device cuda:1: no CUDA device: ")
                .And.Contain("CUDA_VISIBLE_DEVICES=2,3, so cuda:0 is the first GPU of that list").And.Contain("(use --device cpu)"));
        }
        finally { Environment.SetEnvironmentVariable("CUDA_VISIBLE_DEVICES", saved); }
    }

    [Test]
    public void DefaultDataIsFoundFromAnyWorkingDirectory()
    {
        string saved = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _dir; // no data/ here
        try
        {
            Assert.That(Path.GetFullPath(DataPaths.Default("data/mnist")), Is.EqualTo(Path.Combine(DataIoPaths.RepoRoot, "data", "mnist")));
            Assert.That(Path.GetFullPath(DataPaths.Default("data/faces128-sample")), Is.EqualTo(Path.Combine(DataIoPaths.RepoRoot, "data", "faces128-sample")));
            Assert.That(DataPaths.Default("data/no-such-set"), Is.EqualTo("data/no-such-set"), "not found anywhere: named as given");

            // before: "data/mnist/t10k-images-idx3-ubyte: file not found" unless run from the repository root
            var r = AlaeCli.Run("reconstruct", "--checkpoint", _checkpoint, "--out", "rec.png");
            Assert.That(r.ExitCode, Is.Zero, r.Error);
            r = AlaeCli.Run("eval", "mnist", "--checkpoint", _checkpoint);
            Assert.That(r.ExitCode, Is.Zero, r.Error);
            Assert.That(r.Out, Does.Contain("codes               8004 train / 1996 test"));
        }
        finally { Environment.CurrentDirectory = saved; }
    }

    [Test]
    public void BenchRefusesAResolutionForMlpAlae()
    {
        // before: --res was ignored and the MLP benchmark ran
        var r = AlaeCli.Run("bench", "train", "--preset", "mlp", "--res", "16", "--batch", "4", "--device", "cpu");
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Error.Trim(), Is.EqualTo("alae: error: --res 16: MLP-ALAE has no resolution (it trains on 784-D MNIST vectors); --res applies to the StyleALAE presets"));
    }

    [Test]
    public void TheDocsSayHowManyIterationsImagesPerLevel64Takes()
    {
        // faces-sample with --images-per-level 64: the total scaled alike (7 680 · 64 / 1 280 = 384 images), batches 16, 16, 16, 8
        var preset = StyleAlaePreset.FacesSample with { ImagesPerLevel = 64, TotalImages = 384 };
        int iterations = 0;
        for (long images = 0; images < preset.TotalImages; iterations++) images += preset.Batch(StyleSchedule.At(preset, images).Level);
        Assert.That(iterations, Is.EqualTo(4 + 4 + 4 + 24));
        // the repository's docs (the bundle has none)
        var doc = Path.Combine(DataIoPaths.RepoRoot, "docs", "style-presets.md");
        if (File.Exists(doc))
            Assert.That(File.ReadAllText(doc), Does.Contain($"`--images-per-level 64` runs `faces-sample` through all four levels in {iterations} iterations"));
    }
}

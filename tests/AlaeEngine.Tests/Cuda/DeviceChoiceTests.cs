using AlaeEngine.Cli.Commands;
using AlaeEngine.Models;
using AlaeEngine.Tests.Cli;
using AlaeEngine.Tests.Data;
using AlaeEngine.Tests.Style;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// --device cuda:N on a machine with a GPU (or the host emulation, which shows one): cuda:0 is the GPU and the inference
/// commands run on it, a number past the driver's count is refused naming how many there are.
/// </summary>
[GpuFixture]
public class DeviceChoiceTests
{
    [Test]
    public void ANumberPastTheDriversCountIsRefusedSayingHowManyThereAre()
    {
        var e = Assert.Throws<ArgumentException>(() => ComputeDevice.Open("cuda:7"))!;
        Assert.That(e.Message, Does.StartWith("--device cuda:7: no CUDA device: cuda:7 asked for, the driver shows "));
    }

    [Test]
    public void GenerateOnTheGpuDrawsWhatTheCpuDraws()
    {
        var dir = Directory.CreateTempSubdirectory("alae-gpu-generate-").FullName;
        try
        {
            var checkpoint = TinyCheckpoints.Mlp(Path.Combine(dir, "run"));
            var cpu = AlaeCli.Run("generate", "--checkpoint", checkpoint, "--device", "cpu", "--out", Path.Combine(dir, "cpu.png"));
            var gpu = AlaeCli.Run("generate", "--checkpoint", checkpoint, "--device", "cuda:0", "--out", Path.Combine(dir, "gpu.png"));
            Assert.That((cpu.ExitCode, gpu.ExitCode), Is.EqualTo((0, 0)), cpu.Error + gpu.Error);
            Assert.That(gpu.Out, Does.StartWith("CUDA: cuda:0 is "));
            // float32 on both sides: the 8-bit pixels agree up to a rounding step
            var a = ImageFolderTests.DecodedBytes(Path.Combine(dir, "cpu.png"));
            var b = ImageFolderTests.DecodedBytes(Path.Combine(dir, "gpu.png"));
            Assert.That(a.Zip(b, (x, y) => Math.Abs(x - y)).Max(), Is.LessThanOrEqualTo(1));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Test]
    public void StyleReconstructionsOnTheGpuMatchTheCpu()
    {
        var dir = Directory.CreateTempSubdirectory("alae-gpu-reconstruct-").FullName;
        try
        {
            var options = new StyleTrainingOptions { OutDir = Path.Combine(dir, "run"), MaxIterations = 1, SampleCount = 2, Preset = StyleAlaePreset.Tiny };
            string checkpoint;
            using (var trainer = new StyleTrainer(options, new SmoothImageSource(8, 3, 16, seed: 3)))
            {
                _ = trainer.Run(() => false).ToList();
                checkpoint = trainer.SaveCheckpoint();
            }
            string[] Args(string device) => ["reconstruct", "--checkpoint", checkpoint, "--data", ImageFolderTests.SampleDir, "--cache", Path.Combine(dir, "cache"),
                "--count", "4", "--device", device, "--out", Path.Combine(dir, device.Replace(':', '-') + ".png")];
            var cpu = AlaeCli.Run(Args("cpu"));
            var gpu = AlaeCli.Run(Args("cuda:0"));
            Assert.That((cpu.ExitCode, gpu.ExitCode), Is.EqualTo((0, 0)), cpu.Error + gpu.Error);
            var a = ImageFolderTests.DecodedBytes(Path.Combine(dir, "cpu.png"));
            var b = ImageFolderTests.DecodedBytes(Path.Combine(dir, "cuda-0.png"));
            Assert.That(a.Zip(b, (x, y) => Math.Abs(x - y)).Max(), Is.LessThanOrEqualTo(1));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

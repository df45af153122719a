using AlaeEngine.Cuda;
using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// Whole MLP-ALAE iterations (R1 double backward, three Adam updates) on CUDA against the CPU, same seed and data:
/// every kernel launch of a real training step, in the order the trainer makes them. Ignored without a GPU.
/// </summary>
public class GpuTrainingParityTests
{
    [Test]
    public void MlpTrainingOnCudaFollowsTheCpuRun()
    {
        if (!CudaBackend.IsAvailable(out string why)) Assert.Ignore($"no CUDA device: {why}");
        CudaBackend.Start();
        var digits = MnistDataset.LoadFolder(Path.Combine(Data.DataIoPaths.RepoRoot, "data", "mnist"), train: true).Subset(128);
        var dir = Directory.CreateTempSubdirectory("alae-gpu-train-").FullName;
        try
        {
            MlpTrainingOptions Options(string sub) => new()
            {
                OutDir = Path.Combine(dir, sub), Epochs = 1, BatchSize = 32, MaxIterations = 4, Seed = 7,
                Model = new MlpAlaeConfig { HiddenSize = 64, LatentSize = 8, MappingLayers = 2 },
            };
            using var cpu = new MlpTrainer(Options("cpu"), digits);
            using var gpu = new MlpTrainer(Options("gpu"), digits, Device.Cuda(0));
            var lc = cpu.Run(() => false).Select(l => l.Losses).ToList();
            var lg = gpu.Run(() => false).Select(l => l.Losses).ToList();
            Assert.That(lg, Has.Count.EqualTo(lc.Count));
            // float32 on both sides with different summation orders: close, not identical, and drifting slowly
            for (int i = 0; i < lc.Count; i++)
            {
                Assert.That(lg[i].Discriminator, Is.EqualTo(lc[i].Discriminator).Within(1e-3).Percent, $"iteration {i + 1} D loss");
                Assert.That(lg[i].R1, Is.EqualTo(lc[i].R1).Within(1e-3).Percent, $"iteration {i + 1} R1");
                Assert.That(lg[i].Generator, Is.EqualTo(lc[i].Generator).Within(1e-3).Percent, $"iteration {i + 1} G loss");
                Assert.That(lg[i].Latent, Is.EqualTo(lc[i].Latent).Within(1e-3).Percent, $"iteration {i + 1} latent");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

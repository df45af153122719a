using AlaeEngine.Cuda;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Tests.Aegan;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// AE-StyleGAN on CUDA against the CPU: the five losses of one joint iteration (<see cref="JointStepLosses"/>: D with
/// fake and reconstruction terms, lazy R1 by double backward, E+G with the adaptive weight and the d-features term, G,
/// path length by double backward) and their gradients in every parameter of F, G, E and D, from the same weights,
/// images and random stream on both devices, at 8² and 16² (W+, the tiny preset's widths). One skipped entry without a GPU.
/// </summary>
[GpuFixture]
public class GpuAeStyleGanParityTests
{
    [TestCase(8)]
    [TestCase(16)]
    public void JointStepLossesAndGradientsOnCudaMatchTheCpu(int resolution)
    {
        CudaBackend.Start();
        var (lc, gc) = LossesAndGradients(Device.Cpu, resolution);
        var (lg, gg) = LossesAndGradients(Device.Cuda(0), resolution);
        foreach (var (name, cpu) in lc)
        {
            Assert.That(lg[name], Is.EqualTo(cpu).Within(1e-2).Percent, $"{resolution}²: {name} loss");
            foreach (var (path, c) in gc[name])
            {
                var g = gg[name][path];
                double scale = c.Max(Math.Abs), worst = c.Zip(g, (a, b) => Math.Abs(a - b)).Max();
                Assert.That(worst, Is.LessThanOrEqualTo(1e-3 * scale + 1e-7), $"{resolution}², {name}: gradient of {path} (largest {scale:G3})");
            }
        }
    }

    // every parameter N(0, 1) (not the init's zeros and ones, so that no gradient is zero up to rounding), float32
    private static (Dictionary<string, double> losses, Dictionary<string, Dictionary<string, double[]>> grads) LossesAndGradients(Device device, int resolution)
    {
        using var scope = TensorScope.Begin();
        using var model = new AeStyleGan(AeStyleGanPreset.Tiny.Model with { Resolution = resolution }, new Init(11, DType.Float32, device));
        var named = model.NamedParameters();
        for (int i = 0; i < named.Count; i++)
        {
            var p = named[i].p.Value;
            p.Kernels.Copy(new RandomStream(100 + (ulong)i).Normal(p.Shape, p.DType, device), p);
        }
        var x = Op.AddScalar(Op.Scale(new RandomStream(12).Uniform(new Shape(4, 3, resolution, resolution), DType.Float32, device), 2), -1);
        var losses = JointStepLosses.Compute(model, x, new RandomStream(13));
        var grads = losses.ToDictionary(l => l.Name, l =>
        {
            var g = AlaeEngine.Autograd.Autograd.Grad([l.Loss], named.Select(n => n.p.Value).ToArray(), allowUnused: true);
            return named.Select((n, i) => (n.path, g[i].ToDoubleArray())).ToDictionary(t => t.path, t => t.Item2);
        });
        return (losses.ToDictionary(l => l.Name, l => l.Loss.Item()), grads);
    }
}

using AlaeEngine.Cuda;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// Balanced PIONEER's encoder and generator losses and their gradients in every parameter, and the spectral-norm
/// vectors they leave, on CUDA against the CPU: same weights, images, latents and pool on both devices, at 8² fading in
/// (the pool not yet used) and at 16² with the image pool and the margin hinge. One skipped entry without a GPU
/// (<see cref="GpuFixtureAttribute"/>).
/// </summary>
[GpuFixture]
public class GpuPioneerParityTests
{
    [TestCase(1, 0.5, false, 0.0)]
    [TestCase(2, 1.0, true, 0.02)]
    public void PioneerLossesAndGradientsOnCudaMatchTheCpu(int level, double blend, bool pool, double margin)
    {
        CudaBackend.Start();
        var cpu = Run(Device.Cpu, level, blend, pool, margin);
        var gpu = Run(Device.Cuda(0), level, blend, pool, margin);
        string at = $"level {level}, blend {blend}";
        foreach (var (name, value) in cpu.Losses)
            Assert.That(gpu.Losses[name], Is.EqualTo(value).Within(1e-4 * Math.Max(1, Math.Abs(value))), $"{at}: {name}");
        foreach (var (name, c) in cpu.Tensors)
        {
            var g = gpu.Tensors[name];
            double scale = c.Max(Math.Abs), worst = c.Zip(g, (a, b) => Math.Abs(a - b)).Max();
            Assert.That(worst, Is.LessThanOrEqualTo(1e-3 * Math.Max(scale, 1e-6)), $"{at}: {name} (largest {scale:G3})");
        }
    }

    private sealed record Result(Dictionary<string, double> Losses, Dictionary<string, double[]> Tensors);

    // the tiny preset at one level; the encoder step's and a generator step's losses, gradients and the vectors after both
    private static Result Run(Device device, int level, double blend, bool withPool, double margin)
    {
        using var scope = TensorScope.Begin();
        using var model = new BalancedPioneer(PioneerPreset.Tiny.Model, new Init(21, DType.Float32, device));
        model.SetLevel(level, blend);
        var named = model.NamedParameters();
        int b = 4, res = model.CurrentResolution;
        var real = Signed(new RandomStream(22).Uniform(new Shape(b, 3, res, res), DType.Float32, device));
        var latents = new RandomStream(23);
        using var pool = new ImagePool(3);
        var poolRandom = new RandomStream(24);
        if (withPool) pool.Query(new RandomStream(25).Normal(new Shape(5, 3, res, res), DType.Float32, device), poolRandom);

        var e = PioneerLosses.Encoder(model, real, model.SampleLatents(b, latents, DType.Float32, device), 1.5, margin, withPool ? pool : null, poolRandom);
        var g = PioneerLosses.Generator(model, model.SampleLatents(b, latents, DType.Float32, device));
        var losses = new Dictionary<string, double>
        {
            ["E total"] = e.Total.Item(), ["E L1"] = e.Reconstruction.Item(), ["E KL real"] = e.KlReal.Item(),
            ["E KL fake"] = e.KlFake.Item(), ["E KL term"] = e.KlTerm.Item(), ["G total"] = g.Total.Item(), ["G KL"] = g.Kl.Item(),
        };
        var tensors = new Dictionary<string, double[]>();
        foreach (var (which, loss) in new[] { ("E", e.Total), ("G", g.Total) })
        {
            var grads = AG.Grad([loss], named.Select(n => n.p.Value).ToArray(), allowUnused: true);
            for (int i = 0; i < named.Count; i++) tensors[$"d{which}/d {named[i].path}"] = grads[i].ToDoubleArray();
        }
        foreach (var (path, u) in model.NamedBuffers()) tensors[path] = u.ToDoubleArray();
        tensors["fakes"] = e.Fakes.ToDoubleArray();
        return new Result(losses, tensors);

        // images in [-1, 1]
        static Tensor Signed(Tensor u) => AlaeEngine.Ops.Op.AddScalar(AlaeEngine.Ops.Op.Scale(u, 2), -1);
    }
}

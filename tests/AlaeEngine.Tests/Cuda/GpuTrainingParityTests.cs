using AlaeEngine.Cuda;
using AlaeEngine.Data;
using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// Whole training iterations (R1 double backward, three Adam updates; for StyleALAE also style mixing, noise, fade-in
/// and the EMA) on CUDA against the CPU, same seed and data: every kernel launch of a real training step, in the order
/// the trainer makes them. One skipped entry without a GPU (<see cref="GpuFixtureAttribute"/>).
/// </summary>
[GpuFixture]
public class GpuTrainingParityTests
{
    /// <summary>
    /// Four MLP-ALAE iterations on CUDA against the CPU, float32 on both. The two differ in summation order (cuBLAS's
    /// blocking against the CPU GEMM's), and Adam with β1 = 0 turns a gradient that is zero up to rounding into a ±lr
    /// step, so the runs drift apart by what float32 rounding alone makes of four iterations. That amount is measured
    /// here rather than guessed: the CPU run is repeated from weights nudged by one ulp each (three random nudges), and the
    /// largest relative change of any loss at any iteration is the rounding sensitivity S of this run. The GPU run must
    /// stay within 10·S of the CPU run: rounding-level differences pass, a wrong kernel (an error of 1e-4 relative in one
    /// GEMM moves the losses by far more than S) does not. Under the host emulation (fake cuBLAS accumulating in float32
    /// with FMA, as SGEMM does) S was 1.5e-6 and the GPU run 3.5e-6 (2.3·S) from the CPU run.
    /// </summary>
    [Test]
    public void MlpTrainingOnCudaFollowsTheCpuRun()
    {
        CudaBackend.Start();
        var digits = MnistDataset.LoadFolder(Path.Combine(Data.DataIoPaths.RepoRoot, "data", "mnist"), train: true).Subset(128);
        var dir = Directory.CreateTempSubdirectory("alae-gpu-train-").FullName;
        try
        {
            double[][] Run(string sub, Device device, int nudgeSeed = 0)
            {
                var options = new MlpTrainingOptions
                {
                    OutDir = Path.Combine(dir, sub), Epochs = 1, BatchSize = 32, MaxIterations = 4, Seed = 7,
                    Model = new MlpAlaeConfig { HiddenSize = 64, LatentSize = 8, MappingLayers = 2 },
                };
                using var trainer = new MlpTrainer(options, digits, device);
                if (nudgeSeed != 0) NudgeByOneUlp(trainer.Model.NamedParameters().Select(n => n.p.Value), nudgeSeed);
                return trainer.Run(() => false).Select(l => new[] { l.Losses.Discriminator, l.Losses.R1, l.Losses.Generator, l.Losses.Latent }).ToArray();
            }
            var cpu = Run("cpu", Device.Cpu);
            double sensitivity = Enumerable.Range(1, 3).Max(seed => MaxRelativeDifference(Run($"nudged-{seed}", Device.Cpu, seed), cpu));
            var gpu = Run("gpu", Device.Cuda(0));
            double observed = MaxRelativeDifference(gpu, cpu);
            TestContext.Out.WriteLine($"float32 rounding sensitivity of the CPU run {sensitivity:G3}, GPU against CPU {observed:G3}");
            Assert.That(sensitivity, Is.GreaterThan(0), "a one-ulp nudge of every weight changed no loss: the measurement is broken");
            Assert.That(gpu, Has.Length.EqualTo(cpu.Length));
            string[] names = ["D loss", "R1", "G loss", "latent"];
            for (int i = 0; i < cpu.Length; i++)
                for (int k = 0; k < names.Length; k++)
                    Assert.That(Math.Abs(gpu[i][k] - cpu[i][k]), Is.LessThanOrEqualTo(10 * sensitivity * Math.Abs(cpu[i][k])),
                        $"iteration {i + 1} {names[k]}: GPU {gpu[i][k]:R}, CPU {cpu[i][k]:R} (rounding sensitivity {sensitivity:G3})");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    // every float32 weight moved one ulp up or down at random
    private static void NudgeByOneUlp(IEnumerable<Tensor> weights, int seed)
    {
        var random = new Random(seed);
        foreach (var w in weights)
        {
            var v = w.Span<float>();
            for (int i = 0; i < v.Length; i++) v[i] = random.Next(2) == 0 ? MathF.BitIncrement(v[i]) : MathF.BitDecrement(v[i]);
        }
    }

    private static double MaxRelativeDifference(double[][] a, double[][] reference)
        => a.Zip(reference).Max(p => p.First.Zip(p.Second).Max(q => Math.Abs(q.First - q.Second) / Math.Abs(q.Second)));

    /// <summary>
    /// The three losses of Algorithm 1 for StyleALAE (D loss with R1 by double backward, G loss, latent loss, with style
    /// mixing, noise and fade-in) and their gradients in every parameter, from the same weights, images and random
    /// stream on both devices: the 4² level, 8² fading in (nearest-upsample convs, avg-pool) and 16² fading in (fused
    /// transposed / strided convs). Gradients rather than an optimizer step: Adam's first step moves a weight by ±lr
    /// whatever its gradient's size, so a gradient that is zero up to rounding would get its sign from the rounding.
    /// Every parameter starts random (not the init's ones and zeros): with the constant input and zero noise weights a
    /// 4×4 plane is constant, and the instance norm of a constant plane is rounding noise times 1/√eps on any device.
    /// </summary>
    [TestCase(0, 1.0)]
    [TestCase(1, 0.5)]
    [TestCase(2, 0.5)]
    public void StyleLossesAndGradientsOnCudaMatchTheCpu(int level, double blend)
    {
        CudaBackend.Start();
        int res = StyleAlaeConfig.ResolutionAt(level);
        var (lc, gc) = StyleLossesAndGradients(Device.Cpu, level, blend);
        var (lg, gg) = StyleLossesAndGradients(Device.Cuda(0), level, blend);
        string at = $"level {level} ({res}²), blend {blend}";
        for (int i = 0; i < 3; i++)
        {
            // 1e-4: in softplus's tail (D ≈ 8 here) the loss's relative error is |D| times D's
            Assert.That(lg[i], Is.EqualTo(lc[i]).Within(1e-2).Percent, $"{at}: loss of step {i + 1}");
            foreach (var (name, cpu) in gc[i])
            {
                var gpu = gg[i][name];
                Assert.That(gpu == null, Is.EqualTo(cpu == null), $"{at}, step {i + 1}: {name} has a gradient on one device only");
                if (cpu == null) continue;
                double scale = cpu.Max(Math.Abs), worst = cpu.Zip(gpu!, (c, g) => Math.Abs(c - g)).Max();
                Assert.That(worst, Is.LessThanOrEqualTo(1e-3 * scale), $"{at}, step {i + 1}: gradient of {name} (largest {scale:G3})");
            }
        }
    }

    // the tiny preset at one level and blend, every parameter N(0, 1): the losses of steps I, II, III and their gradients
    private static (double[] losses, Dictionary<string, double[]?>[] grads) StyleLossesAndGradients(Device device, int level, double blend)
    {
        using var scope = TensorScope.Begin();
        using var model = new StyleAlae(StyleAlaePreset.Tiny.Model, new Init(11, DType.Float32, device));
        model.SetLevel(level, blend);
        var named = model.NamedParameters();
        for (int i = 0; i < named.Count; i++)
        {
            var p = named[i].p.Value;
            p.Kernels.Copy(new RandomStream(100 + (ulong)i).Normal(p.Shape, p.DType, device), p);
        }
        int b = 2, l = model.LatentSize, res = StyleAlaeConfig.ResolutionAt(level);
        var random = new RandomStream(13);
        var x = Op.AddScalar(Op.Scale(new RandomStream(12).Uniform(new Shape(b, 3, res, res), DType.Float32, device), 2), -1);
        Tensor Z() => random.Normal(new Shape(b, l), DType.Float32, device);

        // I: softplus(D(E(G(F(z))))) + softplus(−D(E(x))) + (γ/2)·‖∇ₓ D(E(x))‖², γ = 10
        Tensor xFake;
        using (GradMode.NoGrad()) xFake = model.GenerateForTraining(model.Map(Z()), random, mix: true);
        var xr = x.Detach();
        xr.RequiresGrad = true;
        var dReal = model.Discriminate(model.Encode(xr));
        var gx = AlaeEngine.Autograd.Autograd.Grad(new[] { Op.Sum(dReal) }, new[] { xr }, createGraph: true)[0];
        var lossD = Op.Add(Op.Add(Op.Mean(Op.Softplus(model.Discriminate(model.Encode(xFake)))), Op.Mean(Op.Softplus(Op.Neg(dReal)))),
            Op.Scale(Op.Sum(Op.Square(gx)), 5.0 / b));
        // II: softplus(−D(E(G(F(z)))))
        var lossG = Op.Mean(Op.Softplus(Op.Neg(model.Discriminate(model.Encode(model.GenerateForTraining(model.Map(Z()), random, mix: true))))));
        // III: ‖F(z) − E(G(F(z)))‖², F(z) the target
        Tensor w;
        using (GradMode.NoGrad()) w = model.Map(Z());
        var lossL = Op.Mean(Op.Square(Op.Sub(model.Encode(model.GenerateForTraining(w, random, mix: false)), w)));

        var losses = new[] { lossD, lossG, lossL };
        var grads = losses.Select(loss =>
        {
            var g = AlaeEngine.Autograd.Autograd.Grad(new[] { loss }, named.Select(n => n.p.Value).ToArray(), allowUnused: true);
            return named.Select((n, i) => (n.path, g[i]?.ToDoubleArray())).ToDictionary(t => t.path, t => t.Item2);
        }).ToArray();
        return (losses.Select(t => t.Item()).ToArray(), grads);
    }
}

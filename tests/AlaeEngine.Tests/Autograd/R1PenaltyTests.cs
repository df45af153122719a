using AlaeEngine.Autograd;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Autograd;

/// <summary>
/// The composite check of the R1 penalty by double backprop (reference-implementations §1.10, §7) on a miniature
/// ALAE discriminator path in float64: an encoder block with instance-norm statistic taps (mean, std) feeding a
/// linear layer to w, then a linear D. R1 = (γ/2)·mean_b ‖∂(Σ_b d_b)/∂x_b‖² is built with Grad(createGraph: true) and
/// back-propagated with Backward; every parameter gradient (and x's) is compared with central differences of the R1
/// value itself, where each perturbed R1 is recomputed with an ordinary first-order Grad. The op table checks each
/// op's second order in isolation; this checks that they compose — the taps' second derivatives, the LeakyReLU mask
/// op, the conv adjoint family, blur and pooling — as the training step uses them.
/// </summary>
public class R1PenaltyTests
{
    private const double Gamma = 10;
    private const double Step = 1e-6;
    private const double Tolerance = 1e-6;
    // the reference's InstanceNorm2d epsilon for the normalised output; the taps keep the engine's epsTap = 1e-8
    private const double NormEps = 1e-5;
    private const int Batch = 2, InChannels = 2, Size = 4, Channels = 3, Latent = 4, Hidden = 3;

    /// <summary>E: x → w (B, Latent) and D: w → d (B, 1), with every weight a float64 leaf.</summary>
    internal sealed class TinyEncoderAndD
    {
        private readonly bool _pooled;
        private readonly Tensor _blur = Op.BlurFilter(DType.Float64);
        public readonly Tensor ConvW, ConvB, LinW, LinB, D1W, D1B, D2W, D2B;
        public readonly Tensor? Conv2W, Conv2B;
        public readonly List<(string Name, Tensor Value)> Parameters = new();

        public TinyEncoderAndD(bool pooled, ulong seed)
        {
            _pooled = pooled;
            ulong k = 0;
            Tensor P(string name, double scale, params int[] shape)
            {
                var s = new Shape(shape);
                var t = Tensor.FromArray(Enumerable.Range(0, s.Length).Select(i => scale * Philox.Normal(seed + k, (ulong)i)).ToArray(), s);
                k++;
                t.RequiresGrad = true; t.Name = name;
                Parameters.Add((name, t));
                return t;
            }
            ConvW = P("conv.weight", 0.4, Channels, InChannels, 3, 3);
            ConvB = P("conv.bias", 0.2, 1, Channels, 1, 1);
            if (pooled)
            {
                Conv2W = P("conv2.weight", 0.4, Channels, Channels, 3, 3);
                Conv2B = P("conv2.bias", 0.2, 1, Channels, 1, 1);
            }
            int taps = (pooled ? 4 : 2) * Channels;
            LinW = P("style.weight", 0.5, taps, Latent);
            LinB = P("style.bias", 0.2, Latent);
            D1W = P("d1.weight", 0.5, Latent, Hidden);
            D1B = P("d1.bias", 0.2, Hidden);
            D2W = P("d2.weight", 0.5, Hidden, 1);
            D2B = P("d2.bias", 0.2, 1);
        }

        /// <summary>
        /// conv3×3 + bias → LeakyReLU(0.2) → taps (mean, std); the pooled variant continues like EncodeBlock:
        /// normalised → blur → 2×2 average pool → conv3×3 + bias → LeakyReLU → taps on the 2×2 map.
        /// w = [taps] · A + b, as the style_i linear layers.
        /// </summary>
        public Tensor Encode(Tensor x)
        {
            var h = Op.LeakyRelu(Op.Add(Op.Conv2d(x, ConvW, 1, 1), ConvB), 0.2);
            var (y, m, s) = Op.InstanceNorm(h, eps: NormEps);
            var taps = new List<Tensor> { m, s };
            if (_pooled)
            {
                var h2 = Op.AvgPool2x2(Op.Blur(y, _blur));
                h2 = Op.LeakyRelu(Op.Add(Op.Conv2d(h2, Conv2W!, 1, 1), Conv2B!), 0.2);
                var (_, m2, s2) = Op.InstanceNorm(h2, eps: NormEps);
                taps.Add(m2); taps.Add(s2);
            }
            var feat = Op.Reshape(Op.Concat(1, taps.ToArray()), x.Shape[0], taps.Count * Channels);
            return Op.Add(Op.MatMul(feat, LinW), LinB);
        }

        /// <summary>Linear D, like MappingD: two affine layers without activation.</summary>
        public Tensor Discriminate(Tensor w) => Op.Add(Op.MatMul(Op.Add(Op.MatMul(w, D1W), D1B), D2W), D2B);

        /// <summary>R1 = (γ/2)·(1/B)·Σ_b ‖∂(Σ d)/∂x_b‖²; with createGraph the result is differentiable in the weights.</summary>
        public Tensor R1(Tensor x, bool createGraph)
        {
            var d = Discriminate(Encode(x));
            var g = AG.Grad(new[] { Op.Sum(d) }, new[] { x }, createGraph: createGraph)[0];
            return Op.Scale(Op.Sum(Op.Square(g)), Gamma / 2 / x.Shape[0]);
        }

        public double R1Value(Tensor x)
        {
            using var scope = TensorScope.Begin();
            return R1(x, createGraph: false).Item();
        }
    }

    private static Tensor Images(ulong seed)
    {
        var s = new Shape(Batch, InChannels, Size, Size);
        var x = Tensor.FromArray(Enumerable.Range(0, s.Length).Select(i => Philox.Normal(seed, (ulong)i)).ToArray(), s);
        x.RequiresGrad = true;
        return x;
    }

    /// <summary>‖analytic − numeric‖∞ / max(‖numeric‖∞, 1e-3) with central differences of f in each element of p.</summary>
    private static (double rel, double maxErr, double scale) Compare(Tensor p, double[] analytic, Func<double> f)
    {
        double maxErr = 0, scale = 0;
        for (int j = 0; j < p.Length; j++)
        {
            double keep = p.Span<double>()[j];
            p.Span<double>()[j] = keep + Step; double fp = f();
            p.Span<double>()[j] = keep - Step; double fm = f();
            p.Span<double>()[j] = keep;
            double numeric = (fp - fm) / (2 * Step);
            maxErr = Math.Max(maxErr, Math.Abs(numeric - analytic[j]));
            scale = Math.Max(scale, Math.Abs(numeric));
        }
        return (maxErr / Math.Max(scale, 1e-3), maxErr, scale);
    }

    private static double[] GradOrZeros(Tensor t) => t.Grad?.ToDoubleArray() ?? new double[t.Length];

    [TestCase(false, TestName = "R1ParameterGradientsMatchFiniteDifferences conv+lrelu+taps")]
    [TestCase(true, TestName = "R1ParameterGradientsMatchFiniteDifferences with blur, avgpool and a second block")]
    public void R1ParameterGradientsMatchFiniteDifferences(bool pooled)
    {
        var model = new TinyEncoderAndD(pooled, seed: pooled ? 500UL : 100UL);
        CheckAgainstFiniteDifferences(model, Images(pooled ? 77UL : 7UL), checkImages: true);
    }

    [TestCase(false, TestName = "R1AtABlackImageStaysFiniteAndCorrect conv+lrelu+taps")]
    [TestCase(true, TestName = "R1AtABlackImageStaysFiniteAndCorrect with blur, avgpool and a second block")]
    public void R1AtABlackImageStaysFiniteAndCorrect(bool pooled)
    {
        // A black sample makes every channel constant (conv of zeros + bias), so the std taps sit at var = 0 where
        // only epsTap keeps ∂²std/∂x² ∝ 1/std finite (Op.InstanceNorm's remark on MNIST borders). The penalty and its
        // gradients must stay finite and correct there.
        // Finite differences of the whole-batch R1 are only usable for the weights: in the black sample x − mean is
        // rounding noise, amplified by 1/√eps, and a bias step moves that noise, which swamps (fp − fm)/2h. The biases
        // are checked through what exact arithmetic says instead: a bias shifts a constant channel and keeps it
        // constant, so the black sample's penalty does not depend on any bias; with the samples independent, the batch
        // gradient of a bias is then half the gradient for the random sample alone (B = 1), which is well conditioned.
        // In floating point the black sample's part is not zero but the rounding of terms that cancel: they reach about
        // 1/s² ≈ 1/eps = 10⁵ times its penalty, so a few units of 2⁻⁵² in them are ~1e-11 of that penalty, whatever the
        // order of the arithmetic; the comparison allows 1e-10 of the black sample's penalty on top of its tolerance.
        var model = new TinyEncoderAndD(pooled, seed: pooled ? 600UL : 200UL);
        var x = Images(pooled ? 78UL : 8UL);
        x.Span<double>()[..(InChannels * Size * Size)].Clear(); // sample 0 black, sample 1 random
        CheckAgainstFiniteDifferences(model, x, checkImages: false, only: name => name.EndsWith(".weight"));
        Assert.That(x.Grad!.ToDoubleArray().All(double.IsFinite), Is.True, "∂R1/∂x is not finite at a black image");

        var biases = model.Parameters.Where(p => p.Name.EndsWith(".bias")).Select(p => p.Value).ToList();
        var batchGrads = biases.Select(GradOrZeros).ToList();
        ResetGrads(model, x);
        var random = Tensor.FromArray(x.ToDoubleArray()[(InChannels * Size * Size)..], new Shape(1, InChannels, Size, Size));
        random.RequiresGrad = true;
        CheckAgainstFiniteDifferences(model, random, checkImages: true);
        var black = Tensor.Zeros(random.Shape, DType.Float64);
        black.RequiresGrad = true;
        double roundingOfBlack = 1e-10 * model.R1Value(black);
        for (int i = 0; i < biases.Count; i++)
            AssertClose(batchGrads[i], GradOrZeros(biases[i]).Select(v => v / 2).ToArray(), biases[i].Name + " (black + random vs random alone)", roundingOfBlack);
    }

    private static void ResetGrads(TinyEncoderAndD model, Tensor x)
    {
        foreach (var (_, p) in model.Parameters) { p.Grad?.Dispose(); p.Grad = null; }
        x.Grad?.Dispose(); x.Grad = null;
    }

    private static void CheckAgainstFiniteDifferences(TinyEncoderAndD model, Tensor x, bool checkImages, Func<string, bool>? only = null)
    {
        double r1;
        using (TensorScope.Begin())
        {
            var penalty = model.R1(x, createGraph: true);
            r1 = penalty.Item();
            Assert.That(penalty.TracksGrad, Is.True, "R1 built with createGraph must be on the tape");
            AG.Backward(penalty);
        }
        Assert.That(r1, Is.EqualTo(model.R1Value(x)).Within(1e-12 * Math.Abs(r1)), "createGraph must not change the value");
        Assert.That(r1, Is.GreaterThan(1e-3), "a vanishing penalty would make the comparison meaningless");

        var report = new List<string>();
        bool ok = true;
        var checkedTensors = checkImages ? model.Parameters.Append(("x", x)) : model.Parameters;
        foreach (var (name, p) in checkedTensors.Where(t => only == null || only(t.Item1)))
        {
            var analytic = GradOrZeros(p);
            Assert.That(analytic.All(double.IsFinite), Is.True, $"{name}: non-finite R1 gradient");
            var (rel, maxErr, scale) = Compare(p, analytic, () => model.R1Value(x));
            report.Add($"{name} {p.Shape}: rel {rel:E2} (max abs err {maxErr:E2}, |numeric|∞ {scale:E2}, grad {(p.Grad == null ? "null" : "set")})");
            ok &= rel <= Tolerance;
        }
        TestContext.Out.WriteLine($"R1 = {r1}\n" + string.Join("\n", report));
        Assert.That(ok, Is.True, "R1 gradients differ from finite differences:\n" + string.Join("\n", report));

        // the weights that can change ∂d/∂x must receive a non-zero R1 gradient; D's biases and the style bias only shift
        // d by a constant, so R1 does not depend on them at all (the finite differences above confirm the zeros)
        foreach (var p in new[] { model.ConvW, model.ConvB, model.LinW, model.D1W, model.D2W })
            Assert.That(GradOrZeros(p).Max(Math.Abs), Is.GreaterThan(1e-6), p.Name);
    }

    [Test]
    public void R1GradientOfLinearDWeightsEqualsTheForwardModeIdentity()
    {
        // §7: D is linear, d_b = cᵀ w_b + const with c = W1·W2, so g_b = J_E(x_b)ᵀ c and
        // ∂R1/∂c = (γ/B) Σ_b J_E(x_b) g_b = (γ/B) Σ_b t_b, t_b the forward-mode tangent of E at x_b along g_b.
        // Then ∂R1/∂W1 = (∂R1/∂c) W2ᵀ and ∂R1/∂W2 = W1ᵀ (∂R1/∂c). t is taken here by central differences of E along g,
        // which is independent of the reverse-over-reverse path under test.
        var model = new TinyEncoderAndD(pooled: true, seed: 900);
        var x = Images(31);
        double[] g;
        using (TensorScope.Begin())
        {
            g = AG.Grad(new[] { Op.Sum(model.Discriminate(model.Encode(x))) }, new[] { x })[0].ToDoubleArray();
            AG.Backward(model.R1(x, createGraph: true));
        }

        const double h = 1e-5;
        double[] EncodeAt(double sign)
        {
            using var scope = TensorScope.Begin();
            using var noGrad = GradMode.NoGrad();
            var xs = x.ToDoubleArray().Select((v, i) => v + sign * h * g[i]).ToArray();
            return model.Encode(Tensor.FromArray(xs, x.Shape)).ToDoubleArray();
        }
        var ep = EncodeAt(+1); var em = EncodeAt(-1);
        var t = new double[Batch, Latent]; // samples are independent through E, so row b is J_E(x_b) g_b
        for (int b = 0; b < Batch; b++)
            for (int l = 0; l < Latent; l++)
                t[b, l] = (ep[b * Latent + l] - em[b * Latent + l]) / (2 * h);

        var w1 = model.D1W.ToDoubleArray(); var w2 = model.D2W.ToDoubleArray();
        var c = new double[Latent];
        for (int l = 0; l < Latent; l++)
            for (int j = 0; j < Hidden; j++) c[l] += w1[l * Hidden + j] * w2[j];

        // consistency of the tangent itself: cᵀ t_b = ⟨J_Eᵀ c, g_b⟩ = ‖g_b‖²
        int per = InChannels * Size * Size;
        for (int b = 0; b < Batch; b++)
        {
            double ct = 0, gg = 0;
            for (int l = 0; l < Latent; l++) ct += c[l] * t[b, l];
            for (int i = 0; i < per; i++) gg += g[b * per + i] * g[b * per + i];
            Assert.That(ct, Is.EqualTo(gg).Within(1e-7 * gg), $"cᵀt_{b} vs ‖g_{b}‖²");
        }

        var dc = new double[Latent];
        for (int l = 0; l < Latent; l++)
            for (int b = 0; b < Batch; b++) dc[l] += Gamma / Batch * t[b, l];
        var want1 = new double[Latent * Hidden];
        var want2 = new double[Hidden];
        for (int l = 0; l < Latent; l++)
            for (int j = 0; j < Hidden; j++) { want1[l * Hidden + j] = dc[l] * w2[j]; want2[j] += w1[l * Hidden + j] * dc[l]; }

        AssertClose(model.D1W.Grad!.ToDoubleArray(), want1, "d1.weight");
        AssertClose(model.D2W.Grad!.ToDoubleArray(), want2, "d2.weight");
    }

    [Test]
    public void R1ThroughTapsIsAddedToAnExistingParameterGradient()
    {
        // the training step back-propagates the logistic loss and R1 into the same .Grad: check additivity
        var model = new TinyEncoderAndD(pooled: false, seed: 300);
        var x = Images(3);
        double[] r1Only, logisticOnly;
        using (TensorScope.Begin()) AG.Backward(model.R1(x, createGraph: true));
        r1Only = model.ConvW.Grad!.ToDoubleArray();
        ResetGrads(model, x);
        using (TensorScope.Begin()) AG.Backward(Op.Mean(Op.Softplus(Op.Neg(model.Discriminate(model.Encode(x))))));
        logisticOnly = model.ConvW.Grad!.ToDoubleArray();
        using (TensorScope.Begin()) AG.Backward(model.R1(x, createGraph: true));
        var both = model.ConvW.Grad!.ToDoubleArray();
        AssertClose(both, r1Only.Zip(logisticOnly, (a, b) => a + b).ToArray(), "conv.weight");
    }

    /// <summary>‖got − want‖∞ ≤ Tolerance·max(‖want‖∞, 1e-3) + rounding (an absolute allowance for known rounding noise).</summary>
    private static void AssertClose(double[] got, double[] want, string what, double rounding = 0)
    {
        double maxErr = 0, scale = 0;
        for (int i = 0; i < want.Length; i++) { maxErr = Math.Max(maxErr, Math.Abs(got[i] - want[i])); scale = Math.Max(scale, Math.Abs(want[i])); }
        double rel = Math.Max(maxErr - rounding, 0) / Math.Max(scale, 1e-3);
        Assert.That(rel, Is.LessThanOrEqualTo(Tolerance), $"{what}: relative error {rel:E2} (max abs err {maxErr:E2}, scale {scale:E2})");
    }
}

using AlaeEngine.Autograd;
using AlaeEngine.Losses;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Aegan;

/// <summary>
/// AE-StyleGAN's losses: the GAN and pixel losses against their definitions; the lazy R1 penalty's parameter gradient
/// (second order), the adaptive weight and the path-length penalty's parameter gradient (second order) against finite
/// differences on the tiny model in float64.
/// </summary>
public class AeStyleGanLossTests
{
    private static Tensor T(params double[] v) => Tensor.FromArray(v, new Shape(v.Length, 1));
    private static double Sp(double t) => Math.Log(1 + Math.Exp(t));

    private static AeStyleGan TinyModel() => new(AeStyleGanPreset.Tiny.Model, new Init(21, DType.Float64));

    private static Tensor Images(ulong seed, int n = 4)
        => Op.AddScalar(Op.Scale(new RandomStream(seed).Uniform(new Shape(n, 3, 16, 16), DType.Float64), 2), -1);

    [Test]
    public void GanLossesFollowTheirDefinitions()
    {
        using var scope = TensorScope.Begin();
        double[] real = [0.3, -1.2], fake = [2.0, -0.5], rec = [0.1, 0.7];
        double d = Sp(-0.3) / 2 + Sp(1.2) / 2 + 0.9 * (Sp(2.0) + Sp(-0.5)) / 2 + 0.1 * (Sp(0.1) + Sp(0.7)) / 2;
        Assert.That(GanLoss.Discriminator(T(real), T(fake), 0.9, T(rec), 0.1).Item(), Is.EqualTo(d).Within(1e-14));
        Assert.That(GanLoss.Discriminator(T(real), T(fake), 1).Item(), Is.EqualTo(Sp(-0.3) / 2 + Sp(1.2) / 2 + (Sp(2.0) + Sp(-0.5)) / 2).Within(1e-14));
        Assert.That(GanLoss.Discriminator(T(real), null, 0, T(rec), 1).Item(), Is.EqualTo(Sp(-0.3) / 2 + Sp(1.2) / 2 + (Sp(0.1) + Sp(0.7)) / 2).Within(1e-14));
        Assert.That(GanLoss.Generator(T(fake)).Item(), Is.EqualTo((Sp(-2.0) + Sp(0.5)) / 2).Within(1e-14));
    }

    [Test]
    public void PixelLossesAreMeansOfSquaresAndAbsoluteValues()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([0.5, -1.0, 2.0, 0.0], new Shape(1, 1, 2, 2));
        var b = Tensor.FromArray([1.0, -3.0, 2.5, 1.0], new Shape(1, 1, 2, 2));
        Assert.That(PixelLoss.Compute(a, b, PixelLossKind.L2).Item(), Is.EqualTo((0.25 + 4 + 0.25 + 1) / 4).Within(1e-15));
        Assert.That(PixelLoss.Compute(a, b, PixelLossKind.L1).Item(), Is.EqualTo((0.5 + 2 + 0.5 + 1) / 4).Within(1e-15));
        a.RequiresGrad = true;
        var g = AG.Grad([PixelLoss.Compute(a, b, PixelLossKind.L1)], [a])[0].ToDoubleArray();
        Assert.That(g, Is.EqualTo(new[] { -0.25, 0.25, -0.25, -0.25 }), "sign of the difference over the element count");
        Assert.That(() => PixelLoss.Compute(a, Tensor.Zeros(new Shape(1, 1, 2, 3), DType.Float64), PixelLossKind.L2), Throws.ArgumentException);
    }

    /// <summary>
    /// The lazy R1 loss (γ/2)·16·mean_b Σ (∂ΣD/∂x)² differentiated in D's parameters — through the recorded backward of
    /// D (minibatch stddev, √2-gain bias-act, FIR down convs, 1×1 skips) — against finite differences.
    /// </summary>
    [Test]
    public void LazyR1ParameterGradientMatchesFiniteDifferences()
    {
        using var model = TinyModel();
        using var scope = TensorScope.Begin();
        var x = Images(3);
        var parameters = model.D.NamedParameters();
        Tensor Loss() => R1Penalty.LazyLoss(R1Penalty.Compute(model.Discriminate, x).penalty, 0.5, 16);
        var analytic = AG.Grad([Loss()], parameters.Select(t => t.p.Value).ToArray(), allowUnused: true); // D's last bias does not reach ∂D/∂x
        double scale = analytic.Max(g => g.ToDoubleArray().Max(Math.Abs));
        double Value() { using var s = TensorScope.Begin(); return Loss().Item(); }
        foreach (var (path, p, i) in FiniteDifference.Sample(parameters, 30, 1))
        {
            double numeric = FiniteDifference.Derivative(Value, p.Value, i);
            double a = analytic[parameters.Select(t => t.p).ToList().IndexOf(p)].ToDoubleArray()[i];
            Assert.That(a, Is.EqualTo(numeric).Within(1e-6 * scale), $"∂R1/∂{path}[{i}]");
        }
    }

    /// <summary>
    /// β = clamp(‖∇_ℓ L_rec‖ / (‖∇_ℓ λ_adv·L_adv‖ + 1e-4), 0, 1e4) with both gradients in G's last layer taken by finite
    /// differences over every one of its elements, for the tiny model's E step (L_rec = pixel L2, L_adv = D's
    /// non-saturating loss on G(E(x))).
    /// </summary>
    [Test]
    public void AdaptiveWeightMatchesFiniteDifferences()
    {
        // 2 feature maps at 16²: G's last layer has 42 weights, each differentiated twice
        using var model = new AeStyleGan(AeStyleGanPreset.Tiny.Model with { ChannelBase = 32 }, new Init(21, DType.Float64));
        using var scope = TensorScope.Begin();
        var x = Images(4, n: 2);
        (Tensor rec, Tensor adv) Losses()
        {
            var xr = model.Reconstruct(x, null);
            return (PixelLoss.Compute(xr, x, PixelLossKind.L2), Op.Scale(GanLoss.Generator(model.Discriminate(xr)), 0.1));
        }
        var (rec, adv) = Losses();
        var lastLayer = model.G.LastLayerWeights.Select(p => p.Value).ToArray();
        var beta = AdaptiveWeight.Compute(rec, adv, lastLayer);
        Assert.That(beta.TracksGrad, Is.False, "β is detached");

        double recSq = 0, advSq = 0;
        (double rec, double adv) Values()
        {
            using var s = TensorScope.Begin();
            var (r, a) = Losses();
            return (r.Item(), a.Item());
        }
        const double h = FiniteDifference.Step;
        foreach (var w in lastLayer)
        {
            var span = w.Span<double>();
            for (int i = 0; i < w.Length; i++)
            {
                double keep = span[i];
                span[i] = keep + h; var plus = Values();
                span[i] = keep - h; var minus = Values();
                span[i] = keep;
                double dr = (plus.rec - minus.rec) / (2 * h), da = (plus.adv - minus.adv) / (2 * h);
                recSq += dr * dr; advSq += da * da;
            }
        }
        double expected = Math.Min(Math.Sqrt(recSq) / (Math.Sqrt(advSq) + AdaptiveWeight.Epsilon), AdaptiveWeight.Max);
        Assert.That(beta.Item(), Is.EqualTo(expected).Within(1e-6 * expected), "β");
        Assert.That(expected, Is.GreaterThan(0).And.LessThan(AdaptiveWeight.Max), "the case is not clamped");

        // a reconstruction loss 1e12 times larger pushes the ratio past the cap
        Assert.That(AdaptiveWeight.Compute(Op.Scale(rec, 1e12), adv, lastLayer).Item(), Is.EqualTo(AdaptiveWeight.Max));
    }

    /// <summary>
    /// StyleGAN2's path-length penalty differentiated in G's and F's parameters — through the recorded Jacobian-vector
    /// product of G (up-sampling modulated convs, scalar noise, √2-gain bias-act, FIR skips) — against finite differences;
    /// and the running mean's update.
    /// </summary>
    [Test]
    public void PathLengthPenaltyGradientMatchesFiniteDifferences()
    {
        using var model = TinyModel();
        using var scope = TensorScope.Begin();
        foreach (var (_, p) in model.G.NamedParameters().Where(t => t.path.EndsWith("noise.weight")))
            p.Value.Kernels.Fill(p.Value, 0.3);
        var z = new RandomStream(8).Normal(new Shape(2, 8), DType.Float64);
        var mean = Tensor.Scalar(0.7, DType.Float64);
        (Tensor penalty, Tensor newMean, Tensor lengths) Penalty()
        {
            var styles = model.Mix(model.Map(z), model.Map(Op.Neg(z)), 2);
            return PathLengthPenalty.Compute(model.Generate(styles, new RandomStream(5)), styles, mean, new RandomStream(6));
        }
        var (penalty, newMean, lengths) = Penalty();
        var l = lengths.ToDoubleArray();
        Assert.That(newMean.Item(), Is.EqualTo(0.7 + 0.01 * (l.Average() - 0.7)).Within(1e-14), "running mean update");
        Assert.That(newMean.TracksGrad, Is.False, "the stored mean is detached");

        var parameters = model.G.NamedParameters().Concat(model.F.NamedParameters()).ToList();
        var analytic = AG.Grad([PathLengthPenalty.LazyLoss(penalty, 2, 4)], parameters.Select(t => t.p.Value).ToArray(), allowUnused: true);
        double scale = analytic.Max(g => g.ToDoubleArray().Max(Math.Abs));
        double Value() { using var s = TensorScope.Begin(); return PathLengthPenalty.LazyLoss(Penalty().penalty, 2, 4).Item(); }
        foreach (var (path, p, i) in FiniteDifference.Sample(parameters, 30, 2))
        {
            double numeric = FiniteDifference.Derivative(Value, p.Value, i);
            double a = analytic[parameters.FindIndex(t => ReferenceEquals(t.p, p))].ToDoubleArray()[i];
            Assert.That(a, Is.EqualTo(numeric).Within(1e-6 * scale), $"∂PL/∂{path}[{i}]");
        }
    }

    [Test]
    public void LazyWeightsScaleThePenalties()
    {
        using var scope = TensorScope.Begin();
        var p = Tensor.Scalar(3.0, DType.Float64);
        Assert.That(R1Penalty.LazyLoss(p, 0.2048, 16).Item(), Is.EqualTo(0.2048 / 2 * 16 * 3).Within(1e-15));
        Assert.That(PathLengthPenalty.LazyLoss(p, 2, 4).Item(), Is.EqualTo(24).Within(1e-15));
        Assert.That(() => R1Penalty.LazyLoss(p, 1, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void DiscriminatorFeatureLossIsZeroForIdenticalImagesAndReachesOnlyTheReconstruction()
    {
        using var model = TinyModel();
        using var scope = TensorScope.Begin();
        var loss = new DiscriminatorFeatureLoss(model.D);
        var x = Images(5);
        Assert.That(loss.Loss(x, x).Item(), Is.Zero);
        var y = Images(6);
        y.RequiresGrad = true;
        var real = Images(7);
        real.RequiresGrad = true;
        var l = loss.Loss(real, y);
        Assert.That(l.Item(), Is.GreaterThan(0));
        var g = AG.Grad([l], [y, real], allowUnused: true);
        Assert.That(g[0].ToDoubleArray().Any(v => v != 0), Is.True, "gradient reaches the reconstruction");
        Assert.That(g[1].ToDoubleArray(), Is.All.Zero, "no gradient into the real images");
        Assert.That(loss.Name, Does.Not.Contain("vgg"));
    }
}

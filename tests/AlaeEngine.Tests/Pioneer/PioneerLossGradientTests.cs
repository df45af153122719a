using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Pioneer;

/// <summary>
/// The encoder and generator losses' gradients in every parameter tensor of a small float64 model against central
/// finite differences of the loss (a few elements per tensor). Each evaluation starts from the same spectral-norm
/// vectors, pool contents and random streams, so the loss is a function of the parameters alone; the gradient flows
/// through the power iteration, both encoder passes, the decoder (reconstruction) and the hinge.
/// </summary>
public class PioneerLossGradientTests
{
    // A whole-model loss of ~10⁴ rounded operations is reproducible to ~1e-15·10 of itself; over a 2e-6 step that is
    // ~1e-9 absolute (1e-6 relative, at the 1e-3 floor) in the numeric gradient. The errors this check exists for are
    // ~1e-2 (detaching the power iteration moves the weight gradients by ~3e-2), so 1e-5 separates them cleanly.
    // Wider steps or the 4-point stencil do worse: a step of 1e-4 moves a bias past a leaky ReLU or L1 kink somewhere.
    private const double Step = 1e-6, Tolerance = 1e-5;
    private const int Batch = 4;
    private static readonly PioneerConfig Small = new() { Resolution = 8, ImageChannels = 3, LatentSize = 6, StartChannels = 3, MaxChannels = 4 };

    public enum Hinge { Off, Passes, Clamps }

    /// <summary>
    /// The encoder runs twice per step and its second pass starts from the vector the first left; like the reference,
    /// the gradient treats each pass's u as a constant. The finite differences therefore evaluate the same loss with the
    /// fakes and the second pass's u held at their unperturbed values (the decoder's fakes are made without gradient),
    /// written out here in ops; at the unperturbed parameters it equals <see cref="PioneerLosses.Encoder"/> exactly.
    /// </summary>
    [TestCase(1, 0.5, Hinge.Off, false, TestName = "PioneerEncoderLossGradients 8² fading in, no margin")]
    [TestCase(1, 1.0, Hinge.Passes, true, TestName = "PioneerEncoderLossGradients 8² with pool, margin not reached")]
    [TestCase(1, 1.0, Hinge.Clamps, true, TestName = "PioneerEncoderLossGradients 8² with pool, margin clamps")]
    [TestCase(0, 1.0, Hinge.Off, false, TestName = "PioneerEncoderLossGradients 4²")]
    public void EncoderLossGradientsMatchFiniteDifferences(int level, double blend, Hinge hinge, bool withPool)
    {
        const double lambdaX = 1.5;
        using var model = new BalancedPioneer(Small, new Init(31, DType.Float64));
        using var scope = TensorScope.Begin();
        model.SetLevel(level, blend);
        int r = model.CurrentResolution;
        var real = new RandomStream(32).Normal(new Shape(Batch, 3, r, r), DType.Float64);
        var fakeLatents = model.SampleLatents(Batch, new RandomStream(33), DType.Float64, Device.Cpu);
        using var pool = new ImagePool(3);
        if (withPool) pool.Query(new RandomStream(34).Normal(new Shape(5, 3, r, r), DType.Float64), new RandomStream(35));
        var poolState = pool.Snapshot();
        var restoreBuffers = PioneerModelTests.SaveBuffers(model);

        PioneerEncoderLoss Step(double m)
        {
            restoreBuffers();
            pool.Restore(poolState, Device.Cpu);
            return PioneerLosses.Encoder(model, real, fakeLatents, lambdaX, m, withPool ? pool : null, new RandomStream(36));
        }

        double margin = 0;
        if (hinge != Hinge.Off)
        {
            var l = Step(0);
            double gap = l.KlReal.Item() - l.KlFake.Item();
            Assert.That(gap, Is.LessThan(-1e-4), "the KL gap is negative here, as the paper describes");
            margin = hinge == Hinge.Passes ? -2 * gap : -gap / 2;
        }
        var step = Step(margin);
        if (hinge == Hinge.Clamps) Assert.That(step.KlTerm.Item(), Is.EqualTo(-margin), "the hinge holds the KL term at −m");
        var fakes = step.Fakes;
        restoreBuffers();
        using (AlaeEngine.Autograd.GradMode.NoGrad()) model.Encode(real);
        var encoderAfterFirstPass = PioneerModelTests.SaveBuffers(model.Encoder);

        Tensor Replica()
        {
            restoreBuffers();
            var zReal = model.Encode(real);
            var klReal = Op.Scale(Op.BatchKl(zReal), 0.1);
            var reconstruction = Op.MeanAbsError(model.Decode(zReal), real);
            encoderAfterFirstPass();
            var gap = Op.Sub(klReal, Op.Scale(Op.BatchKl(model.Encode(fakes)), 0.1));
            return Op.Add(Op.Scale(reconstruction, lambdaX), margin > 0 ? Op.ClampMin(gap, -margin) : gap);
        }

        Assert.That(Replica().Item(), Is.EqualTo(step.Total.Item()), "the finite differences' loss is the step's loss");
        CheckAll(model, () => Step(margin).Total, () =>
        {
            using var inner = TensorScope.Begin();
            return Replica().Item();
        });
    }

    [TestCase(1, 0.5, TestName = "PioneerGeneratorLossGradients 8² fading in")]
    [TestCase(1, 1.0, TestName = "PioneerGeneratorLossGradients 8²")]
    public void GeneratorLossGradientsMatchFiniteDifferences(int level, double blend)
    {
        using var model = new BalancedPioneer(Small with { EncoderLastActivation = true }, new Init(41, DType.Float64));
        model.SetLevel(level, blend);
        var z = TensorScope.Unscoped(() => model.SampleLatents(Batch, new RandomStream(42), DType.Float64, Device.Cpu));
        var restoreBuffers = PioneerModelTests.SaveBuffers(model);
        CheckAll(model, () => { restoreBuffers(); return PioneerLosses.Generator(model, z).Total; }, () =>
        {
            using var scope = TensorScope.Begin();
            restoreBuffers();
            return PioneerLosses.Generator(model, z).Total.Item();
        });
        z.Dispose();
    }

    // analytic gradients of the loss in every parameter against central differences at four spread elements of each
    private static void CheckAll(BalancedPioneer model, Func<Tensor> loss, Func<double> value)
    {
        var named = model.NamedParameters();
        double[][] analytic;
        using (TensorScope.Begin())
        {
            var l = loss();
            analytic = AG.Grad([l], named.Select(n => n.p.Value).ToArray(), allowUnused: true).Select(g => g.ToDoubleArray()).ToArray();
        }
        var report = new List<string>();
        bool ok = true;
        int nonZero = 0;
        for (int k = 0; k < named.Count; k++)
        {
            var p = named[k].p.Value;
            double maxErr = 0, scale = 0;
            foreach (int j in Enumerable.Range(0, 4).Select(i => (int)((long)i * p.Length / 4 + i) % p.Length).Distinct())
            {
                double keep = p.Span<double>()[j];
                double At(double h) { p.Span<double>()[j] = keep + h; return value(); }
                double numeric = (At(Step) - At(-Step)) / (2 * Step);
                p.Span<double>()[j] = keep;
                maxErr = Math.Max(maxErr, Math.Abs(numeric - analytic[k][j]));
                scale = Math.Max(scale, Math.Abs(numeric));
            }
            if (scale > 0) nonZero++;
            double rel = maxErr / Math.Max(scale, 1e-3);
            report.Add($"{named[k].path} {p.Shape}: rel {rel:E2} (|numeric|∞ {scale:E2})");
            ok &= rel <= Tolerance && analytic[k].All(double.IsFinite);
        }
        TestContext.Out.WriteLine(string.Join("\n", report));
        Assert.That(ok, Is.True, "gradients differ from finite differences:\n" + string.Join("\n", report));
        Assert.That(nonZero, Is.GreaterThan(named.Count / 3), "most parameters must carry a gradient, or the check says little");
    }
}

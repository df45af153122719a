using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Style;

/// <summary>
/// The R1 penalty of the whole tiny StyleALAE E + D in float64, during a fade-in at 16² (so the fused stride-2
/// convolution, both FromRGB branches, blur, pooling, every block's statistic taps and the linear D are on the path):
/// R1 = (γ/2)·(1/B)·Σ ‖∂(Σ_b D(E(x))_b)/∂x‖² built with Grad(createGraph) and back-propagated, against 4-point central
/// differences of the R1 value in a handful of elements of a handful of parameters.
/// </summary>
public class StyleAlaeR1Tests
{
    // A 2-point central difference at h = 1e-6 leaves ~4e-8 of rounding in R1 ≈ 30 (ε·|R1|/h), which is 1e-6 of a
    // gradient element of 1e-2; the 4-point central stencil at h = 1e-4 has truncation O(h⁴) and 100× less rounding.
    private const double Gamma = 10, Step = 1e-4, Tolerance = 1e-6;

    private static Tensor R1(StyleAlae model, Tensor x, bool createGraph)
    {
        var d = model.Discriminate(model.Encode(x));
        var g = AG.Grad(new[] { Op.Sum(d) }, new[] { x }, createGraph: createGraph)[0];
        return Op.Scale(Op.Sum(Op.Square(g)), Gamma / 2 / x.Shape[0]);
    }

    [TestCase(2, 0.5, TestName = "StyleR1ParameterGradientsMatchFiniteDifferences level 2 fading in")]
    [TestCase(1, 1.0, TestName = "StyleR1ParameterGradientsMatchFiniteDifferences level 1 stable")]
    public void StyleR1ParameterGradientsMatchFiniteDifferences(int level, double blend)
    {
        using var model = new StyleAlae(StyleAlaePreset.Tiny.Model, new Init(21, DType.Float64));
        model.SetLevel(level, blend);
        int r = model.CurrentResolution;
        var x = new RandomStream(22).Normal(new Shape(2, model.Config.ImageChannels, r, r), DType.Float64);
        x.RequiresGrad = true;

        var named = model.NamedParameters().ToDictionary(t => t.path, t => t.p);
        var checkedNames = new[]
        {
            $"encoder.from_rgb_{level}.conv.weight", $"encoder.from_rgb_{level - 1}.conv.weight",
            $"encoder.block_{level}.conv_2.weight", $"encoder.block_{level}.conv_1.bias", "encoder.block_0.conv_1.weight",
            "encoder.block_0.style_2.weight", $"encoder.block_{level}.style_1.weight", "mapping_d.fc1.weight", "mapping_d.fc3.weight",
        };
        foreach (var p in model.Parameters()) { p.Value.Grad?.Dispose(); p.Value.Grad = null; }
        double r1;
        using (TensorScope.Begin())
        {
            var penalty = R1(model, x, createGraph: true);
            r1 = penalty.Item();
            AG.Backward(penalty, checkedNames.Select(n => named[n].Value).ToList());
        }
        Assert.That(r1, Is.GreaterThan(1e-6), "a vanishing penalty would make the comparison meaningless");

        double R1Value() { using var s = TensorScope.Begin(); return R1(model, x, createGraph: false).Item(); }
        var report = new List<string>();
        bool ok = true;
        foreach (var name in checkedNames)
        {
            var p = named[name].Value;
            var analytic = p.Grad?.ToDoubleArray() ?? new double[p.Length];
            double maxErr = 0, scale = 0;
            // a handful of elements spread over the tensor
            foreach (int j in Enumerable.Range(0, 4).Select(k => (int)((long)k * p.Length / 4 + k) % p.Length).Distinct())
            {
                double keep = p.Span<double>()[j];
                double At(double h) { p.Span<double>()[j] = keep + h; return R1Value(); }
                double numeric = (8 * (At(Step) - At(-Step)) - (At(2 * Step) - At(-2 * Step))) / (12 * Step);
                p.Span<double>()[j] = keep;
                maxErr = Math.Max(maxErr, Math.Abs(numeric - analytic[j]));
                scale = Math.Max(scale, Math.Abs(numeric));
            }
            double rel = maxErr / Math.Max(scale, 1e-3);
            report.Add($"{name} {p.Shape}: rel {rel:E2} (max abs err {maxErr:E2}, |numeric|∞ {scale:E2})");
            ok &= rel <= Tolerance && analytic.All(double.IsFinite);
        }
        TestContext.Out.WriteLine($"R1 = {r1}\n" + string.Join("\n", report));
        Assert.That(ok, Is.True, "R1 gradients differ from finite differences:\n" + string.Join("\n", report));
    }
}

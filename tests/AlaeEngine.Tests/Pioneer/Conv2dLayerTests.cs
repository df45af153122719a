using AlaeEngine.Autograd;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Pioneer;

/// <summary>The three weightings of <see cref="Conv2dLayer"/>: initialisation statistics, and spectral norm's estimate converging to the largest singular value.</summary>
public class Conv2dLayerTests
{
    private static double Rms(float[] v) => Math.Sqrt(v.Average(x => (double)x * x));

    [Test]
    public void InitialisationsAreTorchs()
    {
        using var scope = TensorScope.Begin();
        int cin = 32, k = 3, fanIn = cin * k * k;
        using var spectral = new Conv2dLayer(cin, 64, k, 1, ConvWeighting.Spectral, new Init(1));
        using var plain = new Conv2dLayer(cin, 64, k, 1, ConvWeighting.Default, new Init(2));
        using var equalized = new Conv2dLayer(cin, 64, k, 1, ConvWeighting.Equalized, new Init(3));
        // kaiming_normal (fan_in, leaky_relu a = 0): std √2/√fan_in
        Assert.That(Rms(spectral.Weight.Value.ToFloatArray()), Is.EqualTo(Math.Sqrt(2.0 / fanIn)).Within(3).Percent);
        Assert.That(spectral.Bias.Value.ToFloatArray(), Is.All.EqualTo(0));
        Assert.That(Rms(spectral.U!.ToFloatArray()), Is.EqualTo(0.1).Within(25).Percent, "u ~ 0.1·N(0, 1)");
        // torch's Conv2d default: U(±1/√fan_in), rms bound/√3
        double bound = 1 / Math.Sqrt(fanIn);
        Assert.That(plain.Weight.Value.ToFloatArray().Max(Math.Abs), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.95 * bound));
        Assert.That(Rms(plain.Weight.Value.ToFloatArray()), Is.EqualTo(bound / Math.Sqrt(3)).Within(3).Percent);
        Assert.That(plain.Bias.Value.ToFloatArray().Max(Math.Abs), Is.LessThanOrEqualTo(bound).And.GreaterThan(0));
        Assert.That(plain.U, Is.Null);
        Assert.That(Rms(equalized.Weight.Value.ToFloatArray()), Is.EqualTo(1).Within(3).Percent);

        // equalized LR multiplies by √2/√fan_in at run time
        var x = new RandomStream(4).Normal(new Shape(2, cin, 5, 5));
        using var noGrad = GradMode.NoGrad();
        var expected = Op.Conv2d(x, Op.Scale(equalized.Weight.Value, Math.Sqrt(2.0 / fanIn)), 1, 1).ToFloatArray();
        Assert.That(equalized.Forward(x).ToFloatArray(), Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void SpectralNormEstimateConvergesToTheLargestSingularValue()
    {
        using var scope = TensorScope.Begin();
        using var conv = new Conv2dLayer(6, 5, 3, 1, ConvWeighting.Spectral, new Init(5, DType.Float64));
        var x = new RandomStream(6).Normal(new Shape(1, 6, 4, 4), DType.Float64);
        using (GradMode.NoGrad())
            for (int i = 0; i < 60; i++) conv.Forward(x);
        var (normalised, _) = Op.SpectralNorm(conv.Weight.Value, conv.U!.Detach());
        Assert.That(LargestSingularValue(normalised.ToDoubleArray(), 5, 54), Is.EqualTo(1).Within(1e-6),
            "after many passes W/σ has spectral norm 1");
        Assert.That(LargestSingularValue(conv.Weight.Value.ToDoubleArray(), 5, 54), Is.Not.EqualTo(1).Within(1e-2), "the raw weight does not");
        Assert.That(conv.Forward(x).ToDoubleArray().All(double.IsFinite), Is.True);
    }

    // σ_max of a row-major (rows, cols) matrix by 2000 power iterations on AᵀA, independent of the engine
    private static double LargestSingularValue(double[] a, int rows, int cols)
    {
        var v = Enumerable.Range(0, cols).Select(i => 1.0 + 0.01 * i).ToArray();
        double sigma = 0;
        for (int it = 0; it < 2000; it++)
        {
            var u = new double[rows];
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) u[r] += a[r * cols + c] * v[c];
            var w = new double[cols];
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) w[c] += a[r * cols + c] * u[r];
            double n = Math.Sqrt(w.Sum(t => t * t));
            for (int c = 0; c < cols; c++) v[c] = w[c] / n;
            sigma = Math.Sqrt(n);
        }
        return sigma;
    }
}

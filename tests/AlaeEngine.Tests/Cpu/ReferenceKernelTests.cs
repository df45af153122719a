using AlaeEngine.Cpu;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cpu;

/// <summary>The optimised CPU kernels against the plainest possible loops.</summary>
public class ReferenceKernelTests
{
    private static double[] Rand(int n, ulong seed) => Enumerable.Range(0, n).Select(i => Philox.Normal(seed, (ulong)i)).ToArray();

    [TestCase(1, 1, 1, false, false)]
    [TestCase(7, 33, 5, false, false)]
    [TestCase(13, 17, 29, true, false)]
    [TestCase(64, 50, 130, false, true)]
    [TestCase(9, 70, 11, true, true)]
    [TestCase(128, 1024, 784, false, true)]
    public void GemmMatchesTripleLoop(int m, int n, int k, bool ta, bool tb)
    {
        var a = Rand(m * k, 1); var b = Rand(k * n, 2); var c0 = Rand(m * n, 3);
        double A(int i, int p) => ta ? a[p * m + i] : a[i * k + p];
        double B(int p, int j) => tb ? b[j * k + p] : b[p * n + j];
        foreach (var threads in new[] { 1, 2 })
        {
            CpuKernels.Threads = threads;
            var c = (double[])c0.Clone();
            Gemm.Run(m, n, k, 0.75, a, ta, b, tb, 0.5, c.AsSpan());
            var cf = c0.Select(v => (float)v).ToArray();
            Gemm.Run(m, n, k, 0.75f, a.Select(v => (float)v).ToArray(), ta, b.Select(v => (float)v).ToArray(), tb, 0.5f, cf.AsSpan());
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double r = 0;
                    for (int p = 0; p < k; p++) r += A(i, p) * B(p, j);
                    r = 0.75 * r + 0.5 * c0[i * n + j];
                    Assert.That(c[i * n + j], Is.EqualTo(r).Within(1e-12 * (1 + k)), $"f64 C[{i},{j}] threads {threads}");
                    Assert.That(cf[i * n + j], Is.EqualTo(r).Within(1e-5 * Math.Sqrt(k) * 2), $"f32 C[{i},{j}] threads {threads}");
                }
        }
        CpuKernels.Threads = Environment.ProcessorCount;
    }

    [TestCase(2, 3, 7, 6, 4, 3, 1, 1)]
    [TestCase(1, 2, 8, 8, 3, 4, 2, 1)]
    [TestCase(3, 4, 5, 5, 2, 1, 1, 0)]
    [TestCase(1, 1, 9, 4, 1, 3, 2, 0)]
    public void Conv2dMatchesDirectLoop(int n, int cin, int h, int w, int cout, int k, int stride, int pad)
    {
        var x = Tensor.FromArray(Rand(n * cin * h * w, 4), new Shape(n, cin, h, w));
        var wt = Tensor.FromArray(Rand(cout * cin * k * k, 5), new Shape(cout, cin, k, k));
        var y = Op.Conv2d(x, wt, stride, pad).ToDoubleArray();
        var X = x.ToDoubleArray(); var Wt = wt.ToDoubleArray();
        int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
        for (int b = 0; b < n; b++)
            for (int o = 0; o < cout; o++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++)
                    {
                        double r = 0;
                        for (int c = 0; c < cin; c++)
                            for (int i = 0; i < k; i++)
                                for (int j = 0; j < k; j++)
                                {
                                    int iy = oy * stride - pad + i, ix = ox * stride - pad + j;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    r += X[((b * cin + c) * h + iy) * w + ix] * Wt[((o * cin + c) * k + i) * k + j];
                                }
                        Assert.That(y[((b * cout + o) * ho + oy) * wo + ox], Is.EqualTo(r).Within(1e-12));
                    }
    }

    [Test]
    public void BlurMatchesDirectStencil()
    {
        int h = 5, w = 6;
        var x = Tensor.FromArray(Rand(2 * h * w, 6), new Shape(1, 2, h, w));
        var y = Op.Blur(x, Op.BlurFilter(DType.Float64)).ToDoubleArray();
        var X = x.ToDoubleArray();
        double[] k1 = { 1, 2, 1 };
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    double r = 0;
                    for (int a = -1; a <= 1; a++)
                        for (int b = -1; b <= 1; b++)
                            if (i + a >= 0 && i + a < h && j + b >= 0 && j + b < w)
                                r += k1[a + 1] * k1[b + 1] / 16 * X[(c * h + i + a) * w + j + b];
                    Assert.That(y[(c * h + i) * w + j], Is.EqualTo(r).Within(1e-14));
                }
    }

    [Test]
    public void UpfirdnWithBoxFilterIsNearestUpsampleAndAveragePool()
    {
        var x = Tensor.FromArray(Rand(2 * 3 * 4 * 6, 7), new Shape(2, 3, 4, 6));
        var ones = Tensor.FromArray(new double[] { 1, 1, 1, 1 }, new Shape(2, 2));
        var quarter = Tensor.FromArray(new double[] { .25, .25, .25, .25 }, new Shape(2, 2));
        // zero insertion then a 2×2 box, padded so the box covers each sample and its inserted zero: nearest upsampling
        Assert.That(Op.Upfirdn2d(x, ones, up: 2, padX0: 1, padX1: 0, padY0: 1, padY1: 0).ToDoubleArray(),
            Is.EqualTo(Op.Upsample2x(x).ToDoubleArray()).Within(1e-15));
        Assert.That(Op.Upfirdn2d(x, quarter, down: 2, padX0: 0, padX1: 0, padY0: 0, padY1: 0).ToDoubleArray(),
            Is.EqualTo(Op.AvgPool2x2(x).ToDoubleArray()).Within(1e-15));
    }

    [Test]
    public void InstanceNormMatchesDefinition()
    {
        var x = Tensor.FromArray(Rand(2 * 3 * 4 * 5, 8), new Shape(2, 3, 4, 5));
        var (y, mean, std) = Op.InstanceNorm(x, 1e-5, 1e-8);
        var X = x.ToDoubleArray(); var Y = y.ToDoubleArray();
        for (int p = 0; p < 6; p++)
        {
            var plane = X.Skip(p * 20).Take(20).ToArray();
            double m = plane.Average(), v = plane.Select(t => (t - m) * (t - m)).Average();
            Assert.That(mean.ToDoubleArray()[p], Is.EqualTo(m).Within(1e-14));
            Assert.That(std.ToDoubleArray()[p], Is.EqualTo(Math.Sqrt(v + 1e-8)).Within(1e-14));
            for (int i = 0; i < 20; i++) Assert.That(Y[p * 20 + i], Is.EqualTo((plane[i] - m) / Math.Sqrt(v + 1e-5)).Within(1e-13));
        }
    }

    /// <summary>The fused backward kernel rounds exactly as the composition of ops it replaced, so CPU training is unchanged.</summary>
    [Test]
    public void InstanceNormBackwardIsTheComposedGradientBitForBit([Values] DType dtype, [Values(0, 1, 2, 3)] int which,
        [Values(1e-8, 1e-5)] double eps)
    {
        using var scope = TensorScope.Begin();
        Tensor T(int n, ulong seed, params int[] dims) => Tensor.FromArray(Rand(n, seed), new Shape(dims)).Cast(dtype);
        var y = T(2 * 3 * 4 * 5, 9, 2, 3, 4, 5);
        var std = Op.AddScalar(Op.Square(T(6, 10, 2, 3, 1, 1)), 0.5);
        var gy = which == 3 ? null : T(120, 11, 2, 3, 4, 5);
        var gm = which is 0 or 3 ? T(6, 12, 2, 3, 1, 1) : null;
        var gs = which is 0 or 2 or 3 ? T(6, 13, 2, 3, 1, 1) : null;
        const double epsTap = 1e-8;
        var gx = Tensor.Empty(y.Shape, dtype);
        CpuKernels.Instance.InstanceNormBackward(gy, y, std, gm, gs, gx, eps, epsTap);

        // the backward of Op.InstanceNorm as it was written in ops before the fused kernel
        double n = 20;
        var s = eps == epsTap ? std : Op.Sqrt(Op.AddScalar(Op.Square(std), eps - epsTap));
        Tensor? expected = null;
        if (gy != null) expected = Op.Div(Op.Sub(Op.Sub(gy, Op.Mean(gy, 2, 3)), Op.Mul(y, Op.Mean(Op.Mul(gy, y), 2, 3))), s);
        if (gm != null) { var t = Op.BroadcastTo(Op.Scale(gm, 1 / n), y.Shape); expected = expected == null ? t : Op.Add(expected, t); }
        if (gs != null) { var t = Op.Mul(y, Op.Scale(Op.Div(Op.Mul(gs, s), std), 1 / n)); expected = expected == null ? t : Op.Add(expected, t); }
        Assert.That(gx.ToDoubleArray(), Is.EqualTo(expected!.ToDoubleArray()));
    }

    [Test]
    public void SoftplusIsStableForLargeArguments()
    {
        var x = Tensor.FromArray(new[] { -800.0, -30, 0, 30, 800 }, new Shape(5));
        var y = Op.Softplus(x).ToDoubleArray();
        Assert.That(y[0], Is.EqualTo(0).Within(1e-300));
        Assert.That(y[1], Is.EqualTo(Math.Log(1 + Math.Exp(-30))).Within(1e-25));
        Assert.That(y[2], Is.EqualTo(Math.Log(2)).Within(1e-15));
        Assert.That(y[3], Is.EqualTo(30 + Math.Log(1 + Math.Exp(-30))).Within(1e-13));
        Assert.That(y[4], Is.EqualTo(800));
    }
}

using AlaeEngine.Cpu;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cpu;

/// <summary>
/// The three convolution kernels (forward, data gradient, weight gradient), each one batch-wide GEMM, against direct
/// loops over the definition: the strides, paddings and kernel sizes the models use (3×3 pad 1, 1×1, 4×4 stride 2
/// pad 1) and others that take each code path (pad above K−1, stride 2 without padding, taps past one K-block), in
/// float64 and float32, on 1 and 2 threads.
/// </summary>
[NonParallelizable]
public class ConvolutionTests
{
    private static double[] Rand(int n, ulong seed) => Enumerable.Range(0, n).Select(i => Philox.Normal(seed, (ulong)i)).ToArray();

    [TearDown]
    public void Restore() => CpuKernels.Threads = Environment.ProcessorCount;

    [TestCase(2, 3, 7, 6, 4, 3, 1, 1)]
    [TestCase(3, 40, 5, 5, 7, 3, 1, 1)]     // 360 taps: two K-blocks; 25-pixel planes split across micro-tiles
    [TestCase(2, 5, 8, 8, 3, 1, 1, 0)]      // toRGB / fromRGB
    [TestCase(2, 4, 8, 8, 3, 4, 2, 1)]      // fused down (and, as its adjoint, fused up)
    [TestCase(1, 2, 8, 8, 3, 4, 1, 3)]      // stride 1 with pad above K−1: the general data gradient
    [TestCase(3, 4, 5, 5, 2, 1, 1, 1)]
    [TestCase(1, 1, 9, 4, 1, 3, 2, 0)]
    [TestCase(2, 3, 9, 7, 5, 3, 3, 2)]
    [TestCase(4, 16, 12, 12, 24, 3, 1, 1)]  // large enough for two workers
    [TestCase(4, 16, 16, 16, 16, 4, 2, 1)]  // and a parallel col2im
    [TestCase(5, 3, 32, 32, 4, 3, 1, 1)]    // N·H·W ≥ 4096: the weight gradient sums the batch's halves apart (odd N)
    public void MatchDirectLoops(int n, int cin, int h, int w, int cout, int k, int stride, int pad)
    {
        int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
        var x = Rand(n * cin * h * w, 4); var wt = Rand(cout * cin * k * k, 5); var gy = Rand(n * cout * ho * wo, 6);
        var (y, gx, gw) = Direct(x, wt, gy, n, cin, h, w, cout, k, ho, wo, stride, pad);
        var xs = new Shape(n, cin, h, w); var ws = new Shape(cout, cin, k, k); var ys = new Shape(n, cout, ho, wo);
        foreach (int threads in new[] { 1, 2 })
        {
            CpuKernels.Threads = threads;
            foreach (var dtype in new[] { DType.Float64, DType.Float32 })
            {
                double tol = dtype == DType.Float64 ? 1e-12 : 2e-5;
                var tx = Make(x, xs, dtype); var tw = Make(wt, ws, dtype); var tgy = Make(gy, ys, dtype);
                var ty = Tensor.Empty(ys, dtype); var tgx = Tensor.Empty(xs, dtype); var tgw = Tensor.Empty(ws, dtype);
                CpuKernels.Instance.Conv2d(tx, tw, ty, stride, pad);
                CpuKernels.Instance.Conv2dBackwardData(tgy, tw, tgx, stride, pad);
                CpuKernels.Instance.Conv2dBackwardWeight(tx, tgy, tgw, stride, pad);
                string where = $"{dtype.Name()}, {threads} threads";
                Assert.That(ty.ToDoubleArray(), Is.EqualTo(y).Within(tol * Math.Sqrt(cin * k * k)), $"forward, {where}");
                Assert.That(tgx.ToDoubleArray(), Is.EqualTo(gx).Within(tol * Math.Sqrt(cout * k * k)), $"data gradient, {where}");
                Assert.That(tgw.ToDoubleArray(), Is.EqualTo(gw).Within(tol * Math.Sqrt(n * ho * wo)), $"weight gradient, {where}");
            }
        }
    }

    // Stride-1 windows read in place by the micro-kernel (Im2ColB.ReadsInPlace) against the packed path, bit for bit, at
    // every SIMD width, 1 and 2 threads, forward and data gradient; expected: whether float32 reads in place at 512, 256
    // and 128 bits (output rows of whole vectors of 16, 8, 4 floats, and a KC-deep slice's windows within 64 KiB)
    [TestCase(2, 24, 16, 16, 20, 3, "yyy")]   // 20 output channels: edge tiles
    [TestCase(1, 8, 3, 16, 12, 3, "yyy")]     // 48 pixels: the last micro-panel (16 columns) packed
    [TestCase(3, 40, 8, 8, 8, 3, "nyy")]      // 360 taps: two K-blocks; 8-pixel rows hold no 16-float vector
    [TestCase(2, 6, 8, 16, 6, 5, "yyy")]      // 5×5
    [TestCase(1, 16, 32, 32, 8, 3, "nnn")]    // 16 channels of 34² floats: 74 KiB, packed
    public void ReadingWindowsInPlaceGivesThePackedPathsBits(int n, int cin, int h, int w, int cout, int k, string expected)
    {
        int pad = k / 2;
        var x = Rand(n * cin * h * w, 7); var wt = Rand(cout * cin * k * k, 8); var gy = Rand(n * cout * h * w, 9);
        var xs = new Shape(n, cin, h, w); var ws = new Shape(cout, cin, k, k); var ys = new Shape(n, cout, h, w);
        var geometry = new ConvGeometry(n, cin, h, w, cout, k, h, w, 1, pad);
        try
        {
            foreach (var (width, i) in new[] { SimdWidth.Bits512, SimdWidth.Bits256, SimdWidth.Bits128 }.Select((v, i) => (v, i)))
            {
                if (width > Simd.Widest) continue;
                Gemm.Width = width;
                Assert.That(ReadsInPlace(geometry, width), Is.EqualTo(expected[i] == 'y'), $"float32 windows read in place at {width}");
                foreach (int threads in new[] { 1, 2 })
                    foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    {
                        CpuKernels.Threads = threads;
                        var tx = Make(x, xs, dtype); var tw = Make(wt, ws, dtype); var tgy = Make(gy, ys, dtype);
                        double[] Run(bool inPlace, bool data)
                        {
                            Gemm.AllowBInPlace = inPlace;
                            var out_ = Tensor.Empty(data ? xs : ys, dtype);
                            if (data) CpuKernels.Instance.Conv2dBackwardData(tgy, tw, out_, 1, pad);
                            else CpuKernels.Instance.Conv2d(tx, tw, out_, 1, pad);
                            return out_.ToDoubleArray();
                        }
                        string where = $"{width}, {dtype.Name()}, {threads} threads";
                        Assert.That(Run(true, false), Is.EqualTo(Run(false, false)), $"forward, {where}");
                        Assert.That(Run(true, true), Is.EqualTo(Run(false, true)), $"data gradient, {where}");
                    }
            }
        }
        finally { Gemm.AllowBInPlace = true; Gemm.Width = Simd.Widest; }
    }

    // The weight gradient as gwᵀ = X_col · gyᵀ with X_col gathered by the micro-kernel (CpuKernels.GathersWeightGradient)
    // against gw = gy · X_colᵀ with X_colᵀ packed, bit for bit, at every SIMD width, 1 and 2 threads, float32 and float64
    [TestCase(2, 24, 16, 16, 20, 3, 1, 1, true)]
    [TestCase(3, 3, 12, 12, 8, 3, 1, 1, true)]    // 27 taps: a last strip of taps packed, not gathered
    [TestCase(2, 4, 16, 16, 6, 4, 2, 1, true)]    // fused down: stride 2
    [TestCase(5, 3, 32, 32, 4, 3, 1, 1, true)]    // N·H·W ≥ 4096: the batch's halves summed apart (odd N)
    [TestCase(2, 5, 8, 8, 3, 1, 1, 0, true)]      // 1×1: 5 taps, all in the packed strip
    [TestCase(1, 16, 4, 4, 64, 3, 1, 1, false)]   // 16 pixels for 64 output channels: X_colᵀ packed
    public void GatheredWeightGradientGivesThePackedPathsBits(int n, int cin, int h, int w, int cout, int k, int stride, int pad, bool gathered)
    {
        int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
        var x = Rand(n * cin * h * w, 10); var gy = Rand(n * cout * ho * wo, 11);
        var xs = new Shape(n, cin, h, w); var ws = new Shape(cout, cin, k, k); var ys = new Shape(n, cout, ho, wo);
        Assert.That(CpuKernels.GathersWeightGradient(new ConvGeometry(n, cin, h, w, cout, k, ho, wo, stride, pad)), Is.EqualTo(gathered));
        try
        {
            foreach (var width in new[] { SimdWidth.Bits512, SimdWidth.Bits256, SimdWidth.Bits128 }.Where(v => v <= Simd.Widest))
                foreach (int threads in new[] { 1, 2 })
                    foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    {
                        Gemm.Width = width; CpuKernels.Threads = threads;
                        var tx = Make(x, xs, dtype); var tgy = Make(gy, ys, dtype);
                        double[] Run(bool allow)
                        {
                            CpuKernels.AllowGatheredWeightGradient = allow;
                            var gw = Tensor.Empty(ws, dtype);
                            CpuKernels.Instance.Conv2dBackwardWeight(tx, tgy, gw, stride, pad);
                            return gw.ToDoubleArray();
                        }
                        Assert.That(Run(true), Is.EqualTo(Run(false)), $"{width}, {dtype.Name()}, {threads} threads");
                    }
        }
        finally { CpuKernels.AllowGatheredWeightGradient = true; Gemm.Width = Simd.Widest; }
    }

    private static unsafe bool ReadsInPlace(ConvGeometry g, SimdWidth width)
    {
        long* rows = stackalloc long[256];
        int lanes = GemmMicroKernel<float>.For(width).NR / 2;
        return new Im2ColB<float>(null, g).ReadsInPlace(0, Math.Min(256, g.Taps), lanes, rows);
    }

    private static Tensor Make(double[] v, Shape s, DType dtype)
    {
        var t = Tensor.FromArray(v, s);
        return dtype == DType.Float64 ? t : t.Cast(DType.Float32);
    }

    // y = x ⊛ w; gx, gw: the adjoints applied to gy, straight from y[n,o,oy,ox] = Σ x[n,c,oy·s−p+i,ox·s−p+j]·w[o,c,i,j]
    private static (double[] y, double[] gx, double[] gw) Direct(double[] x, double[] w, double[] gy,
        int n, int cin, int h, int wd, int cout, int k, int ho, int wo, int s, int p)
    {
        var y = new double[n * cout * ho * wo]; var gx = new double[x.Length]; var gw = new double[w.Length];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < cout; o++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++)
                    {
                        int yi = ((b * cout + o) * ho + oy) * wo + ox;
                        for (int c = 0; c < cin; c++)
                            for (int i = 0; i < k; i++)
                                for (int j = 0; j < k; j++)
                                {
                                    int iy = oy * s - p + i, ix = ox * s - p + j;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    int xi = ((b * cin + c) * h + iy) * wd + ix, wi = ((o * cin + c) * k + i) * k + j;
                                    y[yi] += x[xi] * w[wi];
                                    gx[xi] += gy[yi] * w[wi];
                                    gw[wi] += gy[yi] * x[xi];
                                }
                    }
        return (y, gx, gw);
    }
}

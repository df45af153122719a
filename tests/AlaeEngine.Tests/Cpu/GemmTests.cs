using AlaeEngine.Cpu;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cpu;

/// <summary>
/// The blocked GEMM against the naive triple loop: every transpose case, sizes that leave partial micro-tiles and
/// K-blocks (MR = 8 or 6, NR up to 32, KC = 256), float and double, every SIMD width this CPU runs, 1 and 2 threads.
/// </summary>
[NonParallelizable]
public class GemmTests
{
    private static double[] Rand(int n, ulong seed) => Enumerable.Range(0, n).Select(i => Philox.Normal(seed, (ulong)i)).ToArray();

    private static IEnumerable<SimdWidth> Widths() => Enum.GetValues<SimdWidth>().Where(w => w <= Simd.Widest);

    [TearDown]
    public void Restore()
    {
        Gemm.Width = Simd.Widest;
        CpuKernels.Threads = Environment.ProcessorCount;
    }

    [TestCase(1, 1, 1, false, false)]
    [TestCase(7, 33, 5, false, false)]
    [TestCase(13, 17, 29, true, false)]
    [TestCase(64, 50, 130, false, true)]
    [TestCase(9, 70, 11, true, true)]
    [TestCase(25, 97, 300, false, false)]
    [TestCase(31, 65, 530, true, true)]
    [TestCase(150, 40, 257, false, true)]
    [TestCase(6, 32, 256, true, false)]
    [TestCase(260, 300, 40, false, false)] // more row tiles than column tiles, yet split by columns (A is the smaller to pack twice)
    [TestCase(300, 1100, 20, false, true)] // M above MC: B blocks of NCReread columns (1024 float, 512 double), each reread by 3 A blocks
    public void MatchesTripleLoop(int m, int n, int k, bool ta, bool tb)
    {
        var a = Rand(m * k, 1); var b = Rand(k * n, 2); var c0 = Rand(m * n, 3);
        var expected = TripleLoop(m, n, k, 0.75, a, ta, b, tb, 0.5, c0);
        foreach (var width in Widths())
            foreach (var threads in new[] { 1, 2 })
            {
                Gemm.Width = width; CpuKernels.Threads = threads;
                var c = (double[])c0.Clone();
                Gemm.Run(m, n, k, 0.75, a, ta, b, tb, 0.5, c.AsSpan());
                var cf = c0.Select(v => (float)v).ToArray();
                Gemm.Run(m, n, k, 0.75f, a.Select(v => (float)v).ToArray(), ta, b.Select(v => (float)v).ToArray(), tb, 0.5f, cf.AsSpan());
                for (int i = 0; i < m * n; i++)
                {
                    Assert.That(c[i], Is.EqualTo(expected[i]).Within(1e-12 * (1 + k)), $"f64 C[{i / n},{i % n}] {width} threads {threads}");
                    Assert.That(cf[i], Is.EqualTo(expected[i]).Within(1e-5 * Math.Sqrt(k) * 2), $"f32 C[{i / n},{i % n}] {width} threads {threads}");
                }
            }
    }

    [Test]
    public void TrainingSizedProductMatchesTripleLoop()
    {
        // x·Wᵀ of the MLP's first layer at batch 128
        int m = 128, n = 1024, k = 784;
        var a = Rand(m * k, 4); var b = Rand(n * k, 5);
        var expected = TripleLoop(m, n, k, 1, a, false, b, true, 0, new double[m * n]);
        CpuKernels.Threads = 2;
        var cf = new float[m * n];
        Gemm.Run(m, n, k, 1f, a.Select(v => (float)v).ToArray(), false, b.Select(v => (float)v).ToArray(), true, 0f, cf.AsSpan());
        for (int i = 0; i < m * n; i++) Assert.That(cf[i], Is.EqualTo(expected[i]).Within(1e-5 * Math.Sqrt(k) * 2), $"C[{i / n},{i % n}]");
    }

    [TestCase(37, 83, 700)]
    [TestCase(260, 300, 40)]
    public void SameBitsAtEveryWidthAndThreadCount(int m, int n, int k)
    {
        if (!Simd.FusedMultiplyAdd) Assert.Ignore("the 128-bit kernel rounds multiply and add separately without FMA hardware");
        var a = Rand(m * k, 6).Select(v => (float)v).ToArray(); var b = Rand(n * k, 7).Select(v => (float)v).ToArray();
        float[]? first = null;
        foreach (var width in Widths())
            foreach (var threads in new[] { 1, 2 })
            {
                Gemm.Width = width; CpuKernels.Threads = threads;
                var c = new float[m * n];
                Gemm.Run(m, n, k, 1f, a, true, b, true, 0f, c.AsSpan());
                if (first == null) first = c;
                else Assert.That(c, Is.EqualTo(first), $"{width}, {threads} threads");
            }
    }

    // Aᵀ read in place by the micro-kernel (narrow C, or up to 256 columns with a row stride off 4 KiB multiples) must give
    // the bits of the packed path: same products, same order. Partial last strips (M % 6), two K slices, beta ≠ 0.
    [TestCase(31, 64, 530, true)]
    [TestCase(4608, 40, 300, true)]
    [TestCase(100, 200, 300, true)]
    [TestCase(1024, 256, 20, false)] // a 4 KiB row stride (float): packed
    [TestCase(100, 300, 30, false)]  // wider than 256 columns: packed
    public void ReadingAInPlaceGivesThePackedPathsBits(int m, int n, int k, bool inPlace)
    {
        var a = Rand(k * m, 10).Select(v => (float)v).ToArray(); var b = Rand(k * n, 11).Select(v => (float)v).ToArray();
        var c0 = Rand(m * n, 12).Select(v => (float)v).ToArray();
        unsafe
        {
            fixed (float* pa = a)
                Assert.That(Gemm.ReadsAInPlace<float, DenseA<float>>(new DenseA<float>(pa, m, true), 0, n), Is.EqualTo(inPlace));
        }
        try
        {
            foreach (var width in Widths())
                foreach (var threads in new[] { 1, 2 })
                {
                    Gemm.Width = width; CpuKernels.Threads = threads;
                    var packed = (float[])c0.Clone(); var read = (float[])c0.Clone();
                    Gemm.AllowAInPlace = false;
                    Gemm.Run(m, n, k, 0.75f, a, true, b, false, 0.5f, packed.AsSpan());
                    Gemm.AllowAInPlace = true;
                    Gemm.Run(m, n, k, 0.75f, a, true, b, false, 0.5f, read.AsSpan());
                    Assert.That(read, Is.EqualTo(packed), $"{width}, {threads} threads");
                }
        }
        finally { Gemm.AllowAInPlace = true; }
    }

    // x·Wᵀ with few rows of x runs as (W·xᵀ)ᵀ, W's rows read where they lie (Gemm.GathersWeightRows): the triple loop's
    // values, and the bits of the packed path (same products, same order), at every width and 1 and 2 threads. 1021 rows
    // of W leave a strip of fewer than MR rows (packed), K = 777 three whole slices and a short one; op(A) = Aᵀ too.
    [TestCase(64, 530, 600, false)]
    [TestCase(64, 530, 600, true)]
    [TestCase(96, 1021, 777, false)]
    [TestCase(256, 600, 512, true)]
    public void GatheringWeightRowsMatchesTripleLoopAndThePackedPathsBits(int m, int n, int k, bool ta)
    {
        var a = Rand(m * k, 13); var w = Rand(n * k, 14);
        var expected = TripleLoop(m, n, k, 0.75, a, ta, w, true, 0, new double[m * n]);
        var af = a.Select(v => (float)v).ToArray(); var wf = w.Select(v => (float)v).ToArray();
        try
        {
            foreach (var width in Widths())
                foreach (var threads in new[] { 1, 2 })
                {
                    Gemm.Width = width; CpuKernels.Threads = threads;
                    Assert.That(Gemm.GathersWeightRows(GemmMicroKernel<float>.For(width), m, n, k), $"{m}×{n}×{k} at {width} takes the gathered path");
                    var c = new double[m * n]; var cf = new float[m * n];
                    Gemm.Run(m, n, k, 0.75, a, ta, w, true, 0.0, c.AsSpan());
                    Gemm.Run(m, n, k, 0.75f, af, ta, wf, true, 0f, cf.AsSpan());
                    for (int i = 0; i < m * n; i++)
                    {
                        Assert.That(c[i], Is.EqualTo(expected[i]).Within(1e-12 * (1 + k)), $"f64 C[{i / n},{i % n}] {width} threads {threads}");
                        Assert.That(cf[i], Is.EqualTo(expected[i]).Within(1e-5 * Math.Sqrt(k) * 2), $"f32 C[{i / n},{i % n}] {width} threads {threads}");
                    }
                    Gemm.AllowWeightRowsGathered = false;
                    var packed = new double[m * n]; var packedF = new float[m * n];
                    Gemm.Run(m, n, k, 0.75, a, ta, w, true, 0.0, packed.AsSpan());
                    Gemm.Run(m, n, k, 0.75f, af, ta, wf, true, 0f, packedF.AsSpan());
                    Gemm.AllowWeightRowsGathered = true;
                    Assert.That(c, Is.EqualTo(packed), $"f64 {width}, {threads} threads");
                    Assert.That(cf, Is.EqualTo(packedF), $"f32 {width}, {threads} threads");
                }
        }
        finally { Gemm.AllowWeightRowsGathered = true; }
    }

    [Test]
    public void GatheringWeightRowsLeavesNoRowOfCUnwritten()
    {
        // float64 at 128 bits: NR = 4, so 36 rows of x qualify and C's last strip of the final transpose is 4 rows, not 8
        int m = 36, n = 530, k = 600;
        Gemm.Width = SimdWidth.Bits128;
        Assert.That(Gemm.GathersWeightRows(GemmMicroKernel<double>.For(SimdWidth.Bits128), m, n, k));
        var a = Rand(m * k, 15); var w = Rand(n * k, 16);
        var expected = TripleLoop(m, n, k, 1, a, false, w, true, 0, new double[m * n]);
        var c = Enumerable.Repeat(double.NaN, m * n).ToArray();
        Gemm.Run(m, n, k, 1.0, a, false, w, true, 0.0, c.AsSpan());
        for (int i = 0; i < m * n; i++) Assert.That(c[i], Is.EqualTo(expected[i]).Within(1e-12 * (1 + k)), $"C[{i / n},{i % n}]");
    }

    [TestCase(40, 1024, 1024)]  // rows of x not whole micro-panels at 512 bits
    [TestCase(512, 1024, 1024)] // many rows: W packed once is cheap against them
    [TestCase(128, 256, 256)]   // small W
    [TestCase(128, 2048, 256)]  // K within one slice
    public void PacksSmallOrOftenReusedWeights(int m, int n, int k)
    {
        Assert.That(Gemm.GathersWeightRows(GemmMicroKernel<float>.For(SimdWidth.Bits512), m, n, k), Is.False);
    }

    [Test]
    public void BetaZeroDoesNotReadCAndEmptyKScalesC()
    {
        var a = Rand(8 * 3, 8); var b = Rand(3 * 40, 9);
        var c = Enumerable.Repeat(double.NaN, 8 * 40).ToArray();
        Gemm.Run(8, 40, 3, 1.0, a, false, b, false, 0.0, c.AsSpan());
        Assert.That(c.All(double.IsFinite), "C held NaN before a beta = 0 product");
        var c0 = Rand(5 * 7, 10);
        var scaled = (double[])c0.Clone();
        Gemm.Run(5, 7, 0, 1.0, Array.Empty<double>(), false, Array.Empty<double>(), false, 0.5, scaled.AsSpan());
        Assert.That(scaled, Is.EqualTo(c0.Select(v => 0.5 * v).ToArray()));
    }

    [Test]
    public void ShortOperandsAreRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Run(4, 4, 4, 1.0, new double[15], false, new double[16], false, 0.0, new double[16]));
        Assert.That(ex!.Message, Does.Contain("4×4 · 4×4"));
    }

    private static double[] TripleLoop(int m, int n, int k, double alpha, double[] a, bool ta, double[] b, bool tb, double beta, double[] c0)
    {
        var r = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                r[i * n + j] = alpha * s + beta * c0[i * n + j];
            }
        return r;
    }
}

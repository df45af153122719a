using AlaeEngine.Cuda;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>GPU against CPU: cuBLAS GEMM in every transpose combination, and im2col convolution with its two adjoints.</summary>
[GpuFixture]
public class GpuLinearAlgebraParityTests : GpuParity
{
    [Test]
    public void MatMul([Values] DType dtype, [Values] bool transA, [Values] bool transB,
        [Values(new[] { 1, 1, 1 }, new[] { 37, 19, 23 }, new[] { 64, 128, 33 })] int[] mkn,
        [Values(new[] { 1.0, 0.0 }, new[] { 0.5, 1.5 })] double[] alphaBeta)
    {
        int m = mkn[0], k = mkn[1], n = mkn[2];
        int[] sa = transA ? [k, m] : [m, k], sb = transB ? [n, k] : [k, n];
        Parity($"MatMul {m}×{k}×{n} tA={transA} tB={transB} α={alphaBeta[0]} β={alphaBeta[1]}",
            [Rand(sa, dtype, 20), Rand(sb, dtype, 21), Rand([m, n], dtype, 22)], [2],
            (kr, t) => kr.MatMul(t[0], transA, t[1], transB, t[2], alphaBeta[0], alphaBeta[1]), Tolerance.Reduction);
    }

    [Test]
    public void MatMulWithTf32IsCloseAtTf32Precision()
    {
        CudaKernels.AllowTf32 = true;
        try
        {
            Parity("MatMul TF32", [Rand([96, 160], DType.Float32, 23), Rand([160, 48], DType.Float32, 24), Rand([96, 48], DType.Float32, 25)], [2],
                (k, t) => k.MatMul(t[0], false, t[1], false, t[2], 1, 0), new Tolerance(1e-2, 2e-2, 0, 0));
        }
        finally { CudaKernels.AllowTf32 = false; }
    }

    // N, Cin, H, W, Cout, k, stride, pad
    private static readonly int[][] ConvCases =
    [
        [2, 3, 8, 8, 4, 3, 1, 1],
        [3, 5, 9, 7, 6, 3, 2, 1],
        [2, 4, 6, 6, 3, 1, 1, 0],      // pointwise: no column buffer
        [1, 2, 11, 11, 3, 4, 2, 0],
        [5, 3, 5, 5, 2, 3, 1, 2],      // padding wider than the kernel's reach
        [4, 16, 16, 16, 8, 3, 1, 1],
    ];

    private static (Shape X, Shape W, Shape Y, int Stride, int Pad) Geometry(int c)
    {
        var g = ConvCases[c];
        int ho = (g[2] + 2 * g[7] - g[5]) / g[6] + 1, wo = (g[3] + 2 * g[7] - g[5]) / g[6] + 1;
        return (new Shape(g[0], g[1], g[2], g[3]), new Shape(g[4], g[1], g[5], g[5]), new Shape(g[0], g[4], ho, wo), g[6], g[7]);
    }

    private static IDisposable Budget(bool oneSampleChunks)
    {
        long saved = CudaKernels.ColumnBudgetBytes;
        if (oneSampleChunks) CudaKernels.ColumnBudgetBytes = 1;
        return new Restore(() => CudaKernels.ColumnBudgetBytes = saved);
    }

    private sealed class Restore(Action undo) : IDisposable { public void Dispose() => undo(); }

    [Test]
    public void Conv2d([Values] DType dtype, [Range(0, 5)] int c, [Values] bool oneSampleChunks)
    {
        var (sx, sw, sy, s, p) = Geometry(c);
        using var _ = Budget(oneSampleChunks);
        Parity($"Conv2d {sx} * {sw} s={s} p={p}", [Rand(sx, dtype, 30), Rand(sw, dtype, 31), Rand(sy, dtype, 32)], [2],
            (k, t) => k.Conv2d(t[0], t[1], t[2], s, p), Tolerance.Reduction);
    }

    [Test]
    public void Conv2dBackwardData([Values] DType dtype, [Range(0, 5)] int c, [Values] bool oneSampleChunks)
    {
        var (sx, sw, sy, s, p) = Geometry(c);
        using var _ = Budget(oneSampleChunks);
        Parity($"Conv2dBackwardData {sx} * {sw} s={s} p={p}", [Rand(sy, dtype, 33), Rand(sw, dtype, 34), Rand(sx, dtype, 35)], [2],
            (k, t) => k.Conv2dBackwardData(t[0], t[1], t[2], s, p), Tolerance.Reduction);
    }

    [Test]
    public void Conv2dBackwardWeight([Values] DType dtype, [Range(0, 5)] int c, [Values] bool oneSampleChunks)
    {
        var (sx, sw, sy, s, p) = Geometry(c);
        using var _ = Budget(oneSampleChunks);
        Parity($"Conv2dBackwardWeight {sx} * {sw} s={s} p={p}", [Rand(sx, dtype, 36), Rand(sy, dtype, 37), Rand(sw, dtype, 38)], [2],
            (k, t) => k.Conv2dBackwardWeight(t[0], t[1], t[2], s, p), Tolerance.Reduction);
    }
}

using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace AlaeEngine.Cpu;

/// <summary>
/// C ← alpha·op(A)·op(B) + beta·C, row-major, on the CPU. op(B) is packed into K×NR column panels (NR = two SIMD
/// vectors) and a 4×NR register tile of C is accumulated with fused multiply-adds over the whole K, so every output
/// element is computed by one thread in one fixed order: results do not depend on the thread count.
/// </summary>
internal static class Gemm
{
    private const int MR = 4;

    public static void Run<T>(int m, int n, int k, T alpha, ReadOnlySpan<T> a, bool transA, ReadOnlySpan<T> b, bool transB, T beta, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        int w = Vector<T>.Count, nr = 2 * w;
        int panels = (n + nr - 1) / nr;
        var bp = ArrayPool<T>.Shared.Rent(Math.Max(1, panels * k * nr));
        T[]? ap = transA ? ArrayPool<T>.Shared.Rent(Math.Max(1, m * k)) : null;
        try
        {
            PackB(b, transB, k, n, nr, bp);
            if (ap != null)
                for (int p = 0; p < k; p++)
                    for (int i = 0; i < m; i++) ap[i * k + p] = a[p * m + i];
            int rowBlocks = (m + MR - 1) / MR;
            // below ~64k multiply-adds a thread hand-off costs more than it saves
            int workers = (long)m * n * k < 1 << 16 ? 1 : Math.Min(CpuKernels.Threads, rowBlocks);
            unsafe
            {
                fixed (T* aPin = ap != null ? (ReadOnlySpan<T>)ap : a)
                fixed (T* cPin = c)
                {
                    nint aPtr = (nint)aPin, cPtr = (nint)cPin;
                    int aLen = m * k, cLen = c.Length;
                    if (workers == 1)
                        RowBlocks(0, rowBlocks, m, n, k, alpha, new ReadOnlySpan<T>((void*)aPtr, aLen), bp, beta, c, nr);
                    else
                        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, wi =>
                        {
                            // each worker owns a contiguous range of row blocks of C
                            int lo = (int)((long)rowBlocks * wi / workers), hi = (int)((long)rowBlocks * (wi + 1) / workers);
                            RowBlocks(lo, hi, m, n, k, alpha, new ReadOnlySpan<T>((void*)aPtr, aLen), bp, beta, new Span<T>((void*)cPtr, cLen), nr);
                        });
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(bp);
            if (ap != null) ArrayPool<T>.Shared.Return(ap);
        }
    }

    private static void PackB<T>(ReadOnlySpan<T> b, bool transB, int k, int n, int nr, T[] bp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int panels = (n + nr - 1) / nr;
        for (int pj = 0; pj < panels; pj++)
        {
            int j0 = pj * nr, jw = Math.Min(nr, n - j0);
            var panel = bp.AsSpan(pj * k * nr, k * nr);
            for (int p = 0; p < k; p++)
            {
                var row = panel.Slice(p * nr, nr);
                if (!transB) b.Slice(p * n + j0, jw).CopyTo(row);
                else for (int jj = 0; jj < jw; jj++) row[jj] = b[(j0 + jj) * k + p];
                if (jw < nr) row[jw..].Clear();
            }
        }
    }

    private static void RowBlocks<T>(int lo, int hi, int m, int n, int k, T alpha, ReadOnlySpan<T> a, T[] bp, T beta, Span<T> c, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, panels = (n + nr - 1) / nr;
        Span<T> tile = stackalloc T[MR * 64];
        for (int rb = lo; rb < hi; rb++)
        {
            int i0 = rb * MR, rows = Math.Min(MR, m - i0);
            for (int pj = 0; pj < panels; pj++)
            {
                var panel = bp.AsSpan(pj * k * nr, k * nr);
                var c00 = Vector<T>.Zero; var c01 = Vector<T>.Zero; var c10 = Vector<T>.Zero; var c11 = Vector<T>.Zero;
                var c20 = Vector<T>.Zero; var c21 = Vector<T>.Zero; var c30 = Vector<T>.Zero; var c31 = Vector<T>.Zero;
                var a0 = a.Slice(i0 * k);
                var a1 = rows > 1 ? a.Slice((i0 + 1) * k) : a0;
                var a2 = rows > 2 ? a.Slice((i0 + 2) * k) : a0;
                var a3 = rows > 3 ? a.Slice((i0 + 3) * k) : a0;
                for (int p = 0; p < k; p++)
                {
                    var b0 = new Vector<T>(panel.Slice(p * nr));
                    var b1 = new Vector<T>(panel.Slice(p * nr + w));
                    var x0 = new Vector<T>(a0[p]); c00 = Fma(x0, b0, c00); c01 = Fma(x0, b1, c01);
                    var x1 = new Vector<T>(a1[p]); c10 = Fma(x1, b0, c10); c11 = Fma(x1, b1, c11);
                    var x2 = new Vector<T>(a2[p]); c20 = Fma(x2, b0, c20); c21 = Fma(x2, b1, c21);
                    var x3 = new Vector<T>(a3[p]); c30 = Fma(x3, b0, c30); c31 = Fma(x3, b1, c31);
                }
                c00.CopyTo(tile.Slice(0)); c01.CopyTo(tile.Slice(w));
                c10.CopyTo(tile.Slice(nr)); c11.CopyTo(tile.Slice(nr + w));
                c20.CopyTo(tile.Slice(2 * nr)); c21.CopyTo(tile.Slice(2 * nr + w));
                c30.CopyTo(tile.Slice(3 * nr)); c31.CopyTo(tile.Slice(3 * nr + w));
                int j0 = pj * nr, jw = Math.Min(nr, n - j0);
                for (int r = 0; r < rows; r++)
                {
                    var crow = c.Slice((i0 + r) * n + j0, jw);
                    var trow = tile.Slice(r * nr, jw);
                    if (beta == T.Zero) for (int j = 0; j < jw; j++) crow[j] = alpha * trow[j];
                    else for (int j = 0; j < jw; j++) crow[j] = alpha * trow[j] + beta * crow[j];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> x, Vector<T> y, Vector<T> acc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var r = Vector.FusedMultiplyAdd(Unsafe.As<Vector<T>, Vector<float>>(ref x), Unsafe.As<Vector<T>, Vector<float>>(ref y), Unsafe.As<Vector<T>, Vector<float>>(ref acc));
            return Unsafe.As<Vector<float>, Vector<T>>(ref r);
        }
        if (typeof(T) == typeof(double))
        {
            var r = Vector.FusedMultiplyAdd(Unsafe.As<Vector<T>, Vector<double>>(ref x), Unsafe.As<Vector<T>, Vector<double>>(ref y), Unsafe.As<Vector<T>, Vector<double>>(ref acc));
            return Unsafe.As<Vector<double>, Vector<T>>(ref r);
        }
        return x * y + acc;
    }
}

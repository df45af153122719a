using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlaeEngine.Cpu;

/// <summary>
/// The left operand of <see cref="Gemm"/>: anything that can copy a block of op(A) (M × K) into the micro-kernel's
/// packed layout. A transpose, an im2col or a batch-strided layout is read here, while packing, never materialised.
/// </summary>
internal unsafe interface IGemmA<T> where T : unmanaged
{
    /// <summary>
    /// Rows i0..i0+mc, columns p0..p0+kc of op(A) as ⌈mc/mr⌉ micro-panels of kc × mr, p-major: op(A)[i0 + q·mr + r, p0 + p]
    /// → dst[q·mr·kc + p·mr + r]; the rows past mc in the last panel are zero.
    /// </summary>
    void Pack(int i0, int mc, int p0, int kc, T* dst, int mr);

    /// <summary>
    /// The address of op(A)[i0, p0] when op(A)[i0 + r, p0 + p] lies at address[p·step + r] for every r &lt; mr (an Aᵀ stored
    /// K × M, whose rows are already laid out as a micro-panel's): the micro-kernel can then read A where it is; else null.
    /// </summary>
    T* InPlace(int i0, int p0, out int step);

    /// <summary>
    /// Whether columns p0..p0+kc of op(A) can be gathered where they lie: then steps[p] is set for every p &lt; kc so that
    /// op(A)[i, p0 + p] = <see cref="Row"/>(i)[steps[p]] for every row i (the im2col rows of a convolution's weight
    /// gradient); else false, and op(A) is packed or read in place.
    /// </summary>
    bool Gathers(int p0, int kc, long* steps);

    /// <summary>The base address of row i of op(A), for an operand that <see cref="Gathers"/>.</summary>
    T* Row(int i);
}

/// <summary>The right operand of <see cref="Gemm"/> (K × N), packed the same way by columns.</summary>
internal unsafe interface IGemmB<T> where T : unmanaged
{
    /// <summary>
    /// Rows p0..p0+kc, columns j0..j0+nc of op(B) as ⌈nc/nr⌉ micro-panels of kc × nr: op(B)[p0 + p, j0 + q·nr + j]
    /// → dst[q·nr·kc + p·nr + j]; the columns past nc in the last panel are zero.
    /// </summary>
    void Pack(int p0, int kc, int j0, int nc, T* dst, int nr);

    /// <summary>
    /// Whether rows p0..p0+kc of op(B) can be read where they lie, lanes columns at a time: then rows[p] is set for every
    /// p &lt; kc so that op(B)[p0 + p, j + t] = <see cref="Columns"/>(j)[rows[p] + t] for t &lt; lanes and every j that is a
    /// multiple of lanes (a convolution's windows over its padded input); else false, and op(B) is packed.
    /// </summary>
    bool ReadsInPlace(int p0, int kc, int lanes, long* rows);

    /// <summary>The base address of columns j..j+lanes of op(B), for an operand that <see cref="ReadsInPlace"/>.</summary>
    T* Columns(int j);
}

/// <summary>Where <see cref="Gemm"/> writes C (M × N).</summary>
internal unsafe interface IGemmC<T> where T : unmanaged
{
    /// <summary>The address of C[i0, j0] when the columns j0..j0+cols of every row lie contiguous, rows ldc apart; else null.</summary>
    T* Tile(int i0, int j0, int cols, out int ldc);

    /// <summary>C[i0 + r, j0 + j] ← alpha·tile[r·ldt + j] + beta·C[..] for r &lt; rows, j &lt; cols (beta = 0: C is not read).</summary>
    void Merge(int i0, int j0, int rows, int cols, T* tile, int ldt, T alpha, T beta);
}

internal static class GemmOperands
{
    /// <summary>One element of C as the micro-kernel stores it: alpha·acc + beta·c, two products and one sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Combine<T>(T alpha, T acc, T beta, T c) where T : IFloatingPointIeee754<T>
        => beta == T.Zero ? alpha * acc : alpha * acc + beta * c;

    /// <summary>
    /// Packs a block whose packed rows run along memory rows (op(A) or op(B) stored with K contiguous): memory row
    /// lo + q·w + t, elements p0..p0+kc, becomes column t of micro-panel q. Panels past count are zero-filled to w.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void PackAlongK<T>(T* first, long ld, int count, int kc, T* dst, int w) where T : unmanaged
    {
        for (int q0 = 0; q0 < count; q0 += w)
        {
            int n = Math.Min(w, count - q0);
            T* panel = dst + (long)q0 * kc;
            PackTranspose.Copy(first + q0 * ld, ld, n, kc, panel, w);
            for (int p = 0; p < kc; p++)
                for (int t = n; t < w; t++) panel[p * w + t] = default;
        }
    }

    /// <summary>
    /// Packs a block whose packed rows run across memory rows (K strided): memory row p0 + p holds the block's columns
    /// contiguously from first; each row's run is split over the micro-panels of width w.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void PackAcrossK<T>(T* first, long ld, int count, int kc, T* dst, int w) where T : unmanaged
    {
        for (int p = 0; p < kc; p++)
        {
            T* src = first + p * ld;
            // each memory row is its own short stream (count elements, then a jump of ld), too many for the hardware
            // prefetcher: fetch the row 8 ahead (Aᵀ of a 4608 × 64 × 512 GEMM: 100 → 110–116 GFLOP/s, bench/NOTES.md)
            if (Sse.IsSupported && p + 8 < kc)
                for (long off = 0; off < count; off += 64 / sizeof(T)) Sse.Prefetch0(first + (p + 8) * ld + off);
            for (int q0 = 0; q0 < count; q0 += w)
            {
                int n = Math.Min(w, count - q0);
                T* d = dst + (long)q0 * kc + p * w, s = src + q0;
                int t = 0;
                for (; t + Vector256<T>.Count <= n; t += Vector256<T>.Count) Vector256.Load(s + t).Store(d + t);
                for (; t < n; t++) d[t] = s[t];
                for (; t < w; t++) d[t] = default;
            }
        }
    }

    /// <summary>Merges a row segment of a tile into a contiguous row of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MergeRow<T>(T* c, T* tile, int cols, T alpha, T beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = 0; j < cols; j++) c[j] = Combine(alpha, tile[j], beta, c[j]);
    }
}

/// <summary>A row-major matrix with leading dimension ld, read as A (M × K) or, with trans, as the transpose of a K × M one.</summary>
internal readonly unsafe struct DenseA<T>(T* data, int ld, bool trans) : IGemmA<T> where T : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int i0, int mc, int p0, int kc, T* dst, int mr)
    {
        // A[i, p] = data[i·ld + p] (K along rows), or data[p·ld + i] (trans: K across rows)
        if (trans) GemmOperands.PackAcrossK(data + (long)p0 * ld + i0, ld, mc, kc, dst, mr);
        else GemmOperands.PackAlongK(data + (long)i0 * ld + p0, ld, mc, kc, dst, mr);
    }

    public T* InPlace(int i0, int p0, out int step)
    {
        step = ld;
        return trans ? data + (long)p0 * ld + i0 : null;
    }

    public bool Gathers(int p0, int kc, long* steps) => false;

    public T* Row(int i) => throw new InvalidOperationException("a dense A is packed or read in place, not gathered");
}

/// <summary>
/// A row-major M × K matrix with leading dimension ld whose rows the micro-kernel reads where they lie, MR at a time
/// (each row a stream along K): the weight W of an x·Wᵀ computed as (W·xᵀ)ᵀ, so that W is never packed
/// (<see cref="Gemm.GathersWeightRows{T}"/>). A last strip of fewer than MR rows is packed.
/// </summary>
internal readonly unsafe struct RowsA<T>(T* data, int ld) : IGemmA<T> where T : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int i0, int mc, int p0, int kc, T* dst, int mr) => GemmOperands.PackAlongK(data + (long)i0 * ld + p0, ld, mc, kc, dst, mr);

    public T* InPlace(int i0, int p0, out int step)
    {
        step = 0;
        return null;
    }

    public bool Gathers(int p0, int kc, long* steps)
    {
        for (int p = 0; p < kc; p++) steps[p] = p0 + p;
        return true;
    }

    public T* Row(int i) => data + (long)i * ld;
}

/// <summary>A row-major matrix with leading dimension ld, read as B (K × N) or, with trans, as the transpose of an N × K one.</summary>
internal readonly unsafe struct DenseB<T>(T* data, int ld, bool trans) : IGemmB<T> where T : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int p0, int kc, int j0, int nc, T* dst, int nr)
    {
        // B[p, j] = data[p·ld + j] (K across rows), or data[j·ld + p] (trans: K along rows)
        if (trans) GemmOperands.PackAlongK(data + (long)j0 * ld + p0, ld, nc, kc, dst, nr);
        else GemmOperands.PackAcrossK(data + (long)p0 * ld + j0, ld, nc, kc, dst, nr);
    }

    // a dense B is always packed: read in place, one micro-panel's kc rows would lie ld apart, and at the power-of-two
    // strides of most layers they fall into the same few L1 sets
    public bool ReadsInPlace(int p0, int kc, int lanes, long* rows) => false;

    public T* Columns(int j) => throw new InvalidOperationException("a dense B is packed, not read in place");
}

/// <summary>A row-major C with leading dimension ldc.</summary>
internal readonly unsafe struct DenseC<T>(T* data, int ldc) : IGemmC<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T* Tile(int i0, int j0, int cols, out int ld)
    {
        ld = ldc;
        return data + (long)i0 * ldc + j0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Merge(int i0, int j0, int rows, int cols, T* tile, int ldt, T alpha, T beta)
    {
        for (int r = 0; r < rows; r++) GemmOperands.MergeRow(data + (long)(i0 + r) * ldc + j0, tile + r * ldt, cols, alpha, beta);
    }
}

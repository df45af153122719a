using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlaeEngine.Cpu;

/// <summary>
/// One convolution's sizes: x (N, Cin, H, W) ⊛ w (Cout, Cin, K, K) → y (N, Cout, Ho, Wo), cross-correlation with
/// stride and zero padding. Its im2col matrix X_col has a row per tap q = (c·K + i)·K + j and a column per output
/// pixel of the whole batch, J = (n·Ho + oy)·Wo + ox: X_col[q, J] = x[n, c, oy·s − p + i, ox·s − p + j] (0 outside).
/// The gathers read a zero-padded copy xp (N, Cin, Hp, Wp) = (N, Cin, H + 2p, W + 2p) (x itself when p = 0), where
/// that element sits at offset TapOffset(q) + the pixel's offset, with no bounds to test.
/// </summary>
internal readonly record struct ConvGeometry(int N, int Cin, int H, int W, int Cout, int K, int Ho, int Wo, int Stride, int Pad)
{
    public int Taps => Cin * K * K;
    public int OutPlane => Ho * Wo;
    public int InPlane => H * W;
    public int Pixels => N * Ho * Wo;
    public int Hp => H + 2 * Pad;
    public int Wp => W + 2 * Pad;

    /// <summary>
    /// Splits the output pixels J0 .. J0+count (across samples) into runs along output rows, at most one per row,
    /// each with the offset in xp of its first pixel's window corner: what every tap's gather walks, computed once per
    /// packed panel rather than once per tap.
    /// </summary>
    public int PixelRuns(int j0, int count, Span<PixelRun> runs)
    {
        int n = j0 / OutPlane, pix = j0 % OutPlane, oy = pix / Wo, ox = pix % Wo, used = 0;
        for (int offset = 0; offset < count;)
        {
            int len = Math.Min(Wo - ox, count - offset);
            runs[used++] = new PixelRun(Corner(n, oy, ox), len, offset);
            offset += len; ox += len;
            if (ox == Wo) { ox = 0; if (++oy == Ho) { oy = 0; n++; } }
        }
        return used;
    }

    /// <summary>The offset in xp of output pixel J's window corner (tap 0).</summary>
    public long Corner(int j)
    {
        int pix = j % OutPlane;
        return Corner(j / OutPlane, pix / Wo, pix % Wo);
    }

    private long Corner(int n, int oy, int ox) => ((long)n * Cin * Hp + oy * Stride) * Wp + ox * Stride;

    /// <summary>The number of runs <see cref="PixelRuns"/> can return for count pixels.</summary>
    public int MaxRuns(int count) => Math.Min(count, count / Wo + 2);

    /// <summary>The offset in xp of im2col row q's window element: channel c, kernel row i, column j.</summary>
    public long TapOffset(int q) => ((long)(q / (K * K)) * Hp + q / K % K) * Wp + q % K;

    /// <summary>dst[run.Offset + t] = X_col[tap, pixel t of the run] for every run: one copy per run (stride 1) or a strided gather.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void GatherTap<T>(T* tap, ReadOnlySpan<PixelRun> runs, T* dst) where T : unmanaged
    {
        if (Stride == 1)
            foreach (var r in runs) CopyRun(tap + r.Source, dst + r.Offset, r.Length);
        else
            foreach (var r in runs)
            {
                T* src = tap + r.Source, d = dst + r.Offset;
                for (int t = 0; t < r.Length; t++) d[t] = src[t * Stride];
            }
    }

    /// <summary>xp: x with Pad zeros around every plane (x itself when Pad = 0); dispose it after the GEMM.</summary>
    public unsafe PaddedInput<T> Padded<T>(T* x) where T : unmanaged
    {
        if (Pad == 0) return new PaddedInput<T>(x, null);
        var xp = HostMemoryPool.Rent<T>(N * Cin * Hp * Wp);
        var pin = new Memory<T>(xp).Pin();
        nint src = (nint)x, dst = (nint)pin.Pointer;
        var g = this;
        CpuParallel.For(N * Cin, (long)Hp * Wp, (lo, hi) =>
        {
            for (int plane = lo; plane < hi; plane++)
            {
                T* s = (T*)src + (long)plane * g.InPlane, d = (T*)dst + (long)plane * g.Hp * g.Wp;
                new Span<T>(d, g.Pad * g.Wp).Clear();
                new Span<T>(d + (long)(g.Pad + g.H) * g.Wp, g.Pad * g.Wp).Clear();
                for (int y = 0; y < g.H; y++)
                {
                    T* row = d + (long)(g.Pad + y) * g.Wp;
                    for (int t = 0; t < g.Pad; t++) row[t] = row[g.Pad + g.W + t] = default;
                    new ReadOnlySpan<T>(s + (long)y * g.W, g.W).CopyTo(new Span<T>(row + g.Pad, g.W));
                }
            }
        });
        return new PaddedInput<T>((T*)dst, xp, pin);
    }

    // a short copy without a scalar tail: the last vector overlaps the one before it
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRun<T>(T* src, T* dst, int count) where T : unmanaged
    {
        if (count >= Vector256<T>.Count)
        {
            int t = 0;
            for (; t + Vector256<T>.Count <= count; t += Vector256<T>.Count) Vector256.Load(src + t).Store(dst + t);
            if (t < count) Vector256.Load(src + count - Vector256<T>.Count).Store(dst + count - Vector256<T>.Count);
        }
        else if (count >= Vector128<T>.Count)
        {
            Vector128.Load(src).Store(dst);
            Vector128.Load(src + count - Vector128<T>.Count).Store(dst + count - Vector128<T>.Count);
        }
        else
            for (int t = 0; t < count; t++) dst[t] = src[t];
    }
}

/// <summary>The zero-padded input of a convolution's gathers: a pinned pooled array, or the input itself when there is no padding.</summary>
internal readonly unsafe struct PaddedInput<T>(T* pointer, T[]? pooled, MemoryHandle pin = default) : IDisposable where T : unmanaged
{
    public T* Pointer => pointer;

    public void Dispose()
    {
        if (pooled == null) return;
        pin.Dispose();
        HostMemoryPool.Return(pooled);
    }
}

/// <summary>A run of output pixels along one output row: its window corner's offset in xp, its length, its offset in a packed row.</summary>
internal readonly record struct PixelRun(long Source, int Length, int Offset);

/// <summary>
/// X_col (Taps × Pixels) as the GEMM's B, read from xp while packing: the forward convolution W · X_col, and with a 1×1
/// geometry any (N, C, P) tensor viewed as C × (N·P).
/// </summary>
internal readonly unsafe struct Im2ColB<T>(T* xp, ConvGeometry g) : IGemmB<T> where T : unmanaged
{
    // With stride 1, X_col[tap, J .. J + lanes] is a run of xp (pixels of one output row, when rows hold whole vectors) at
    // pixel J's window corner + the tap's offset: the micro-kernel reads it there and the packing pass goes. Only while a
    // KC-deep slice's windows lie within 64 KiB of xp: each micro-panel's windows are then re-read from L1 by every tile of
    // a column; spread wider (32² planes: 28 channels 4.6 KiB apart) they fell out of L1 between tiles and 128-channel
    // 32² convolutions got 5–10 % slower, where 16² ones got 8–20 % faster (bench/NOTES.md, "Convolution windows read in
    // place"). A 1×1 convolution's taps are whole planes apart, so it stays packed by the same rule.
    public bool ReadsInPlace(int p0, int kc, int lanes, long* rows)
    {
        int window = g.K * g.K;
        long span = (long)((p0 + kc - 1) / window - p0 / window + 1) * g.Hp * g.Wp * sizeof(T);
        if (g.Stride != 1 || g.Wo % lanes != 0 || span > 64 << 10) return false;
        for (int p = 0; p < kc; p++) rows[p] = g.TapOffset(p0 + p);
        return true;
    }

    public T* Columns(int j) => xp + g.Corner(j);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int p0, int kc, int j0, int nc, T* dst, int nr)
    {
        Span<PixelRun> runs = stackalloc PixelRun[g.MaxRuns(nr)];
        Span<long> taps = stackalloc long[kc];
        for (int p = 0; p < kc; p++) taps[p] = g.TapOffset(p0 + p);
        for (int q0 = 0; q0 < nc; q0 += nr)
        {
            int n = Math.Min(nr, nc - q0);
            var panelRuns = runs[..g.PixelRuns(j0 + q0, n, runs)];
            T* panel = dst + (long)q0 * kc;
            for (int p = 0; p < kc; p++)
            {
                T* d = panel + p * nr;
                g.GatherTap(xp + taps[p], panelRuns, d);
                for (int t = n; t < nr; t++) d[t] = default;
            }
        }
    }
}

/// <summary>
/// X_colᵀ (Pixels × Taps) as the GEMM's B, for the weight gradient gy · X_colᵀ: each tap's run of pixels is gathered
/// into a small buffer (one micro-panel, in L1) and transposed into the panel.
/// </summary>
internal readonly unsafe struct Im2ColTransposedB<T>(T* xp, ConvGeometry g) : IGemmB<T> where T : unmanaged
{
    // a row of X_colᵀ runs across taps, which are not evenly spaced in xp: always packed
    public bool ReadsInPlace(int p0, int kc, int lanes, long* rows) => false;

    public T* Columns(int j) => throw new InvalidOperationException("X_colᵀ is packed, not read in place");

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int p0, int kc, int j0, int nc, T* dst, int nr)
    {
        Span<PixelRun> runs = stackalloc PixelRun[g.MaxRuns(kc)];
        var pixelRuns = runs[..g.PixelRuns(p0, kc, runs)];
        T* tmp = stackalloc T[nr * kc];
        for (int q0 = 0; q0 < nc; q0 += nr)
        {
            int n = Math.Min(nr, nc - q0);
            for (int t = 0; t < n; t++) g.GatherTap(xp + g.TapOffset(j0 + q0 + t), pixelRuns, tmp + t * kc);
            T* panel = dst + (long)q0 * kc;
            PackTranspose.Copy(tmp, kc, n, kc, panel, nr);
            for (int p = 0; p < kc; p++)
                for (int t = n; t < nr; t++) panel[p * nr + t] = default;
        }
    }
}

/// <summary>
/// An (N, M, P) tensor as the GEMM's A of M × (N·P) — gy as Cout × Pixels for the weight gradient — packed by
/// transposing each sample's contiguous run.
/// </summary>
internal readonly unsafe struct BatchRowsA<T>(T* data, int rows, int plane) : IGemmA<T> where T : unmanaged
{
    public void Pack(int i0, int mc, int p0, int kc, T* dst, int mr) => BatchRows.Pack(data, rows, plane, i0, mc, p0, kc, dst, mr);

    public T* InPlace(int i0, int p0, out int step)
    {
        step = 0;
        return null;
    }

    public bool Gathers(int p0, int kc, long* steps) => false;

    public T* Row(int i) => throw new InvalidOperationException("gy's rows are packed, not gathered");
}

/// <summary>
/// The weight of a convolution turned into the weight of its adjoint: A[c, (o·K + i)·K + j] = w[o, c, K−1−i, K−1−j]
/// (Cin × Cout·K·K), so that for stride 1 the data gradient is the forward convolution of gy with pad K−1−p.
/// </summary>
internal readonly unsafe struct FlippedWeightA<T>(T* w, int cin, int k) : IGemmA<T> where T : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int i0, int mc, int p0, int kc, T* dst, int mr)
    {
        int kk = k * k;
        for (int p = 0; p < kc; p++)
        {
            int q = p0 + p, o = q / kk, flipped = kk - 1 - q % kk;
            T* src = w + (long)o * cin * kk + flipped;
            for (int r0 = 0; r0 < mc; r0 += mr)
            {
                int n = Math.Min(mr, mc - r0);
                T* d = dst + (long)r0 * kc + p * mr;
                for (int t = 0; t < n; t++) d[t] = src[(long)(i0 + r0 + t) * kk];
                for (int t = n; t < mr; t++) d[t] = default;
            }
        }
    }

    public T* InPlace(int i0, int p0, out int step)
    {
        step = 0;
        return null;
    }

    public bool Gathers(int p0, int kc, long* steps) => false;

    public T* Row(int i) => throw new InvalidOperationException("the flipped weight is packed, not gathered");
}

/// <summary>
/// C of M × (N·P) written into an (N, M, P) tensor — the convolution's output y[n, m, pix] for the GEMM's column
/// J = n·P + pix: contiguous tiles where a tile stays inside one sample's plane, element runs where it crosses two.
/// </summary>
internal readonly unsafe struct BatchPlanesC<T>(T* data, int channels, int plane) : IGemmC<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T* Tile(int i0, int j0, int cols, out int ldc)
    {
        ldc = plane;
        int sample = j0 / plane, pix = j0 % plane;
        return pix + cols <= plane ? data + ((long)sample * channels + i0) * plane + pix : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Merge(int i0, int j0, int rows, int cols, T* tile, int ldt, T alpha, T beta)
    {
        for (int t = 0; t < cols;)
        {
            int sample = (j0 + t) / plane, pix = (j0 + t) % plane, len = Math.Min(plane - pix, cols - t);
            for (int r = 0; r < rows; r++)
                GemmOperands.MergeRow(data + ((long)sample * channels + i0 + r) * plane + pix, tile + r * ldt + t, len, alpha, beta);
            t += len;
        }
    }
}

/// <summary>
/// Rows r0..r0+count of an (N, M, P) tensor viewed as M × (N·P), columns p0..p0+kc, packed into w-wide micro-panels
/// along the columns (each sample's contiguous run transposed): gy as the A (Cout × Pixels) of gw = gy · X_colᵀ, or as
/// the B (Pixels × Cout, the same rows) of gwᵀ = X_col · gyᵀ.
/// </summary>
internal static unsafe class BatchRows
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack<T>(T* data, int rows, int plane, int r0, int count, int p0, int kc, T* dst, int w) where T : unmanaged
    {
        for (int q0 = 0; q0 < count; q0 += w)
        {
            int n = Math.Min(w, count - q0);
            T* panel = dst + (long)q0 * kc;
            for (int p = 0; p < kc;)
            {
                int sample = (p0 + p) / plane, pix = (p0 + p) % plane, len = Math.Min(plane - pix, kc - p);
                PackTranspose.Copy(data + ((long)sample * rows + r0 + q0) * plane + pix, plane, n, len, panel + p * w, w);
                p += len;
            }
            for (int p = 0; p < kc; p++)
                for (int t = n; t < w; t++) panel[p * w + t] = default;
        }
    }
}

/// <summary>gyᵀ (Pixels × Cout) as the B of the weight gradient's gwᵀ = X_col · gyᵀ.</summary>
internal readonly unsafe struct BatchRowsB<T>(T* data, int rows, int plane) : IGemmB<T> where T : unmanaged
{
    public void Pack(int p0, int kc, int j0, int nc, T* dst, int nr) => BatchRows.Pack(data, rows, plane, j0, nc, p0, kc, dst, nr);

    public bool ReadsInPlace(int p0, int kc, int lanes, long* rows) => false;

    public T* Columns(int j) => throw new InvalidOperationException("gyᵀ is packed, not read in place");
}

/// <summary>
/// X_col (Taps × Pixels) as the A of the weight gradient's gwᵀ = X_col · gyᵀ, gathered by the micro-kernel where it lies:
/// row q (a tap) starts at its offset in xp and column J (a pixel) adds its window corner, so X_col[q, J] =
/// Row(q)[Corner(J)] with no packing of the nine-fold im2col matrix (only a last strip of fewer than MR taps is packed).
/// </summary>
internal readonly unsafe struct Im2ColA<T>(T* xp, ConvGeometry g) : IGemmA<T> where T : unmanaged
{
    public bool Gathers(int p0, int kc, long* steps)
    {
        for (int p = 0; p < kc; p++) steps[p] = g.Corner(p0 + p);
        return true;
    }

    public T* Row(int i) => xp + g.TapOffset(i);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int i0, int mc, int p0, int kc, T* dst, int mr)
    {
        long* steps = stackalloc long[kc];
        Gathers(p0, kc, steps);
        for (int r0 = 0; r0 < mc; r0 += mr)
        {
            int n = Math.Min(mr, mc - r0);
            T* panel = dst + (long)r0 * kc;
            for (int t = 0; t < mr; t++)
            {
                // the rows past mc in the last panel are zero
                if (t >= n)
                {
                    for (int p = 0; p < kc; p++) panel[p * mr + t] = default;
                    continue;
                }
                T* row = Row(i0 + r0 + t);
                for (int p = 0; p < kc; p++) panel[p * mr + t] = row[steps[p]];
            }
        }
    }

    public T* InPlace(int i0, int p0, out int step)
    {
        step = 0;
        return null;
    }
}

using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>
/// Convolution as one GEMM over the whole batch, its im2col matrix X_col (<see cref="ConvGeometry"/>) read while the
/// GEMM packs its panels (or, for stride 1, read where it lies), never stored: forward y = W · X_col (Cout × N·Ho·Wo);
/// weight gradient gw = gy · X_colᵀ (one GEMM with K = N·Ho·Wo), or, where Pixels ≥ 8·Cout, gwᵀ = X_col · gyᵀ with
/// X_col gathered by the micro-kernel; data gradient, for stride 1, the forward convolution of gy with the flipped,
/// transposed weight and pad K−1−p (the same kernel as forward, no scatter). Strided data gradients (the fused 2×
/// up/down convs) compute cols = Wᵀ · gy for a chunk of samples and scatter them back (col2im) plane by plane in parallel.
/// A 1×1 convolution is the plain GEMM W · x over all pixels (its gathers are whole-plane copies).
/// </summary>
public sealed partial class CpuKernels
{
    // the strided data gradient's cols buffer holds at most this many elements (chunks of samples)
    private const int ColsBudget = 1 << 22;

    public void Conv2d(Tensor x, Tensor w, Tensor y, int stride, int pad)
    {
        if (IsF32(x)) ConvForward<float>(x, w, y, stride, pad); else ConvForward<double>(x, w, y, stride, pad);
    }

    public void Conv2dBackwardData(Tensor gy, Tensor w, Tensor gx, int stride, int pad)
    {
        if (IsF32(gy)) ConvBackData<float>(gy, w, gx, stride, pad); else ConvBackData<double>(gy, w, gx, stride, pad);
    }

    public void Conv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int stride, int pad)
    {
        if (IsF32(x)) ConvBackWeight<float>(x, gy, gw, stride, pad); else ConvBackWeight<double>(x, gy, gw, stride, pad);
    }

    private static ConvGeometry Geometry(Shape x, Shape w, Shape y, int stride, int pad)
        => new(x[0], x[1], x[2], x[3], w[0], w[2], y[2], y[3], stride, pad);

    private static unsafe void ConvForward<T>(Tensor x, Tensor w, Tensor y, int stride, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry(x.Shape, w.Shape, y.Shape, stride, pad);
        fixed (T* px = x.Span<T>()) fixed (T* pw = w.Span<T>()) fixed (T* py = y.Span<T>())
        {
            using var xp = g.Padded(px);
            Gemm.Run(g.Cout, g.Pixels, g.Taps, T.One, new DenseA<T>(pw, g.Taps, false), new Im2ColB<T>(xp.Pointer, g), T.Zero,
                new BatchPlanesC<T>(py, g.Cout, g.OutPlane));
        }
    }

    private static unsafe void ConvBackData<T>(Tensor gy, Tensor w, Tensor gx, int stride, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry(gx.Shape, w.Shape, gy.Shape, stride, pad);
        fixed (T* pgy = gy.Span<T>()) fixed (T* pw = w.Span<T>()) fixed (T* pgx = gx.Span<T>())
        {
            if (stride == 1 && pad <= g.K - 1)
            {
                // gx = conv(gy, w flipped in space with Cin and Cout exchanged, pad K−1−p): gy is the input here
                var adjoint = new ConvGeometry(g.N, g.Cout, g.Ho, g.Wo, g.Cin, g.K, g.H, g.W, 1, g.K - 1 - pad);
                using var gyp = adjoint.Padded(pgy);
                Gemm.Run(g.Cin, adjoint.Pixels, adjoint.Taps, T.One, new FlippedWeightA<T>(pw, g.Cin, g.K),
                    new Im2ColB<T>(gyp.Pointer, adjoint), T.Zero, new BatchPlanesC<T>(pgx, g.Cin, g.InPlane));
                return;
            }
            int chunk = Math.Clamp(ColsBudget / Math.Max(1, g.Taps * g.OutPlane), 1, g.N);
            var cols = HostMemoryPool.Rent<T>(g.Taps * g.OutPlane * chunk);
            try
            {
                fixed (T* pc = cols)
                    for (int n0 = 0; n0 < g.N; n0 += chunk)
                    {
                        int cn = Math.Min(chunk, g.N - n0);
                        // cols (Taps × cn·P) = Wᵀ · gy[n0 .. n0 + cn] viewed as Cout × (cn·P)
                        var rows = new ConvGeometry(cn, g.Cout, g.Ho, g.Wo, g.Cout, 1, g.Ho, g.Wo, 1, 0);
                        Gemm.Run(g.Taps, cn * g.OutPlane, g.Cout, T.One, new DenseA<T>(pw, g.Taps, true),
                            new Im2ColB<T>(pgy + (long)n0 * g.Cout * g.OutPlane, rows), T.Zero, new DenseC<T>(pc, cn * g.OutPlane));
                        Col2Im(pc, cn, g, pgx + (long)n0 * g.Cin * g.InPlane);
                    }
            }
            finally { HostMemoryPool.Return(cols); }
        }
    }

    private static unsafe void ConvBackWeight<T>(Tensor x, Tensor gy, Tensor gw, int stride, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry(x.Shape, gw.Shape, gy.Shape, stride, pad);
        bool gathered = GathersWeightGradient(g);
        fixed (T* px = x.Span<T>()) fixed (T* pgy = gy.Span<T>()) fixed (T* pgw = gw.Span<T>())
        {
            using var xp = g.Padded(px);
            nint pxp = (nint)xp.Pointer, pg = (nint)pgy;
            // samples n0..n0+count into c: gw = gy · X_colᵀ (Cout × Taps), or gathered, gwᵀ = X_col · gyᵀ (Taps × Cout)
            void Product(int n0, int count, T* c, int workers)
            {
                var part = g with { N = count };
                T* gyPart = (T*)pg + (long)n0 * g.Cout * g.OutPlane, xpPart = (T*)pxp + (long)n0 * g.Cin * g.Hp * g.Wp;
                if (gathered)
                    Gemm.Run(g.Taps, g.Cout, part.Pixels, T.One, new Im2ColA<T>(xpPart, part), new BatchRowsB<T>(gyPart, g.Cout, g.OutPlane), T.Zero,
                        new DenseC<T>(c, g.Cout), workers);
                else
                    Gemm.Run(g.Cout, g.Taps, part.Pixels, T.One, new BatchRowsA<T>(gyPart, g.Cout, g.OutPlane), new Im2ColTransposedB<T>(xpPart, part), T.Zero,
                        new DenseC<T>(c, g.Taps), workers);
            }
            bool halves = g.N >= 2 && g.Pixels >= WeightGradientHalvesDepth;
            int length = g.Cout * g.Taps;
            T[]? first = gathered ? HostMemoryPool.Rent<T>(length) : null, second = halves ? HostMemoryPool.Rent<T>(length) : null;
            try
            {
                fixed (T* pf = first) fixed (T* ps = second)
                {
                    nint into = gathered ? (nint)pf : (nint)pgw, other = (nint)ps;
                    if (!halves) Product(0, g.N, (T*)into, 0);
                    else
                    {
                        // a deep sum over a small gw: the batch's two halves summed separately (each a GEMM on half the
                        // workers), then added. Split by columns instead, both workers would pack all of gy, and the two
                        // halves keep each worker's operands to itself. Decided by the shape alone, so the sums and their
                        // order do not depend on the thread count.
                        int half = g.N / 2, inner = Math.Max(1, Threads / 2);
                        void Half(int h) => Product(h == 0 ? 0 : half, h == 0 ? half : g.N - half, (T*)(h == 0 ? into : other), inner);
                        if (Threads >= 2) WorkerTeam.Run(2, Half);
                        else { Half(0); Half(1); }
                        CpuParallel.ForElements(length, (start, end) =>
                        {
                            var sum = new Span<T>((T*)into + start, end - start);
                            var add = new ReadOnlySpan<T>((T*)other + start, end - start);
                            for (int i = 0; i < sum.Length; i++) sum[i] += add[i];
                        });
                    }
                    // gathered: gw (Cout × Taps) ← gwᵀ
                    if (gathered) PackTranspose.Matrix((T*)into, g.Taps, g.Cout, pgw);
                }
            }
            finally
            {
                if (first != null) HostMemoryPool.Return(first);
                if (second != null) HostMemoryPool.Return(second);
            }
        }
    }

    /// <summary>
    /// Whether the weight gradient is computed as gwᵀ = X_col · gyᵀ, X_col gathered by the micro-kernel where it lies,
    /// rather than gw = gy · X_colᵀ with X_colᵀ packed (Pixels × Taps, the nine-fold im2col matrix of a 3×3). It adds gyᵀ's
    /// packing (Pixels × Cout) and a transpose of the result (Taps × Cout), so it pays while Pixels ≥ 8·Cout: (16,64,32,32)
    /// 9.0–9.6 → 7.4–7.6 ms, (16,128,16,16) 7.7 → 6.9–7.2, but (16,512,8,8) 27.3–27.9 → 29.2–30.2 (bench/NOTES.md).
    /// Same products summed in the same order, so the same bits either way.
    /// </summary>
    internal static bool GathersWeightGradient(ConvGeometry g) => AllowGatheredWeightGradient && g.Pixels >= 8L * g.Cout;

    /// <summary>Whether the gathered weight gradient may be used at all (tests turn it off to compare the two bit for bit).</summary>
    internal static bool AllowGatheredWeightGradient { get; set; } = true;

    // K = N·Ho·Wo at which the weight gradient sums the batch's halves apart (32² and 16² at batch 16; not 8²,
    // whose gw of 512 × 4608 would cost a pass of its own)
    private const int WeightGradientHalvesDepth = 4096;

    // the adjoint of im2col for samples 0..cn of a chunk: every cols entry (q, n·P + pix) added to its input pixel;
    // one (n, c) plane per work item, so no two workers write the same element
    private static unsafe void Col2Im<T>(T* cols, int cn, ConvGeometry g, T* x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint pCols = (nint)cols, pX = (nint)x;
        long ld = (long)cn * g.OutPlane;
        CpuParallel.For(cn * g.Cin, (long)g.K * g.K * g.OutPlane, (lo, hi) =>
        {
            for (int plane = lo; plane < hi; plane++)
            {
                int n = plane / g.Cin, c = plane % g.Cin;
                var dst = new Span<T>((T*)pX + (long)plane * g.InPlane, g.InPlane);
                dst.Clear();
                for (int i = 0; i < g.K; i++)
                    for (int j = 0; j < g.K; j++)
                    {
                        T* row = (T*)pCols + ((c * g.K + i) * g.K + j) * ld + (long)n * g.OutPlane;
                        for (int oy = 0; oy < g.Ho; oy++)
                        {
                            int iy = oy * g.Stride - g.Pad + i;
                            if ((uint)iy >= (uint)g.H) continue;
                            for (int ox = 0; ox < g.Wo; ox++)
                            {
                                int ix = ox * g.Stride - g.Pad + j;
                                if ((uint)ix < (uint)g.W) dst[iy * g.W + ix] += row[oy * g.Wo + ox];
                            }
                        }
                    }
            }
        });
    }
}

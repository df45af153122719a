using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>
/// Convolution as im2col (kernels/conv.cu) + cuBLAS GEMM, a chunk of samples at a time so the column buffer
/// cols: (b, Cin·k·k, Ho·Wo) stays under <see cref="ColumnBudgetBytes"/>. A 1×1, stride-1, unpadded convolution needs no
/// columns: x itself is (Cin, H·W) per sample.
/// </summary>
public sealed unsafe partial class CudaKernels
{
    /// <summary>Upper bound of the temporary column buffer of one convolution call.</summary>
    public static long ColumnBudgetBytes { get; set; } = 256L << 20;

    private readonly record struct ConvGeom(int N, int Cin, int H, int W, int Cout, int K, int Ho, int Wo, int Stride, int Pad)
    {
        public int ColRows => Cin * K * K;
        public int ColCols => Ho * Wo;
        public long ColsPerSample => (long)ColRows * ColCols;
        public bool Pointwise => K == 1 && Stride == 1 && Pad == 0;
        public static ConvGeom Of(Shape x, Shape w, Shape y, int stride, int pad)
            => new(x[0], x[1], x[2], x[3], w[0], w[2], y[2], y[3], stride, pad);
    }

    // x: (N, Cin, H, W), w: (Cout, Cin, k, k), y: (N, Cout, Ho, Wo); y_n = W · cols_n
    public void Conv2d(Tensor x, Tensor w, Tensor y, int stride, int pad)
    {
        RequireSameDType("Conv2d", x, w, y);
        var g = ConvGeom.Of(x.Shape, w.Shape, y.Shape, stride, pad);
        int size = x.DType.SizeOf();
        ulong px = Ptr(x), pw = Ptr(w), py = Ptr(y);
        ForChunks(g, x.DType, (n0, b, cols) =>
        {
            ulong xs = px + (ulong)((long)n0 * g.Cin * g.H * g.W * size);
            if (!g.Pointwise) ColumnKernel("im2col", x.DType, xs, cols, b, g);
            Gemm(x.DType, false, false, g.Cout, g.ColCols, g.ColRows, 1, pw, 0, g.Pointwise ? xs : cols, g.ColsPerSample, 0,
                py + (ulong)((long)n0 * g.Cout * g.ColCols * size), (long)g.Cout * g.ColCols, b);
        });
    }

    // gx_n = col2im(Wᵀ · gy_n), written
    public void Conv2dBackwardData(Tensor gy, Tensor w, Tensor gx, int stride, int pad)
    {
        RequireSameDType("Conv2dBackwardData", gy, w, gx);
        var g = ConvGeom.Of(gx.Shape, w.Shape, gy.Shape, stride, pad);
        int size = gy.DType.SizeOf();
        ulong pgy = Ptr(gy), pw = Ptr(w), pgx = Ptr(gx);
        ForChunks(g, gy.DType, (n0, b, cols) =>
        {
            ulong gxs = pgx + (ulong)((long)n0 * g.Cin * g.H * g.W * size);
            Gemm(gy.DType, true, false, g.ColRows, g.ColCols, g.Cout, 1, pw, 0, pgy + (ulong)((long)n0 * g.Cout * g.ColCols * size),
                (long)g.Cout * g.ColCols, 0, g.Pointwise ? gxs : cols, g.ColsPerSample, b);
            if (!g.Pointwise) ColumnKernel("col2im", gy.DType, cols, gxs, b, g);
        });
    }

    // gw = Σ_n gy_n · cols_nᵀ, written by the first sample's GEMM and accumulated by the others
    public void Conv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int stride, int pad)
    {
        RequireSameDType("Conv2dBackwardWeight", x, gy, gw);
        var g = ConvGeom.Of(x.Shape, gw.Shape, gy.Shape, stride, pad);
        int size = x.DType.SizeOf();
        ulong px = Ptr(x), pgy = Ptr(gy), pgw = Ptr(gw);
        if (g.N == 0) { Fill(gw, 0); return; }
        ForChunks(g, x.DType, (n0, b, cols) =>
        {
            ulong xs = px + (ulong)((long)n0 * g.Cin * g.H * g.W * size);
            if (!g.Pointwise) ColumnKernel("im2col", x.DType, xs, cols, b, g);
            for (int i = 0; i < b; i++)
                Gemm(x.DType, false, true, g.Cout, g.ColRows, g.ColCols, 1,
                    pgy + (ulong)((long)(n0 + i) * g.Cout * g.ColCols * size), 0,
                    (g.Pointwise ? xs : cols) + (ulong)(i * g.ColsPerSample * size), 0,
                    n0 + i == 0 ? 0 : 1, pgw, 0, 1);
        });
    }

    // runs body(firstSample, samples, cols) over chunks of the batch, with a column buffer for the chunk
    private void ForChunks(ConvGeom g, DType dtype, Action<int, int, ulong> body)
    {
        if (g.N == 0) return;
        if (g.Pointwise) { body(0, g.N, 0); return; }
        long perSample = Math.Max(1, g.ColsPerSample * dtype.SizeOf());
        int chunk = (int)Math.Clamp(ColumnBudgetBytes / perSample, 1, g.N);
        long elements = g.ColsPerSample * chunk;
        if (elements > int.MaxValue) throw new ArgumentException($"conv2d: {elements} column elements for one sample exceed a storage");
        var cols = new CudaStorage((int)elements, dtype, Device, _device.Allocator);
        try
        {
            for (int n0 = 0; n0 < g.N; n0 += chunk) body(n0, Math.Min(chunk, g.N - n0), cols.Pointer);
        }
        finally { cols.Release(); }
    }

    // im2col: x → cols, one thread per cols element; col2im: cols → x, one thread per x element
    private void ColumnKernel(string kernel, DType dtype, ulong src, ulong dst, int b, ConvGeom g)
    {
        long cols = g.ColsPerSample * b, image = (long)b * g.Cin * g.H * g.W;
        long n = kernel == "im2col" ? cols : image;
        Launch(KernelCatalog.Conv, kernel, dtype, n, LaunchCost.Elements(cols + image - n, n, dtype), src, dst, b, g.Cin, g.H, g.W, g.K, g.Ho, g.Wo, g.Stride, g.Pad);
    }
}

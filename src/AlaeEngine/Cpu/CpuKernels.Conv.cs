using System.Buffers;
using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>
/// Convolution as im2col + GEMM per sample. cols: (Cin·k·k, Ho·Wo) holds the receptive field of every output pixel, so
/// forward is W(Cout, Cin·k·k) · cols, the data gradient is col2im(Wᵀ · gy), the weight gradient Σₙ gy · colsᵀ.
/// </summary>
public sealed partial class CpuKernels
{
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

    private readonly record struct ConvGeom(int N, int Cin, int H, int W, int Cout, int K, int Ho, int Wo, int Stride, int Pad)
    {
        public int ColRows => Cin * K * K;
        public int ColCols => Ho * Wo;
        public static ConvGeom Of(Shape x, Shape w, Shape y, int stride, int pad)
            => new(x[0], x[1], x[2], x[3], w[0], w[2], y[2], y[3], stride, pad);
    }

    private static void ConvForward<T>(Tensor x, Tensor w, Tensor y, int stride, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = ConvGeom.Of(x.Shape, w.Shape, y.Shape, stride, pad);
        var X = x.Span<T>(); var Wt = w.Span<T>(); var Y = y.Span<T>();
        var cols = ArrayPool<T>.Shared.Rent(g.ColRows * g.ColCols);
        try
        {
            for (int n = 0; n < g.N; n++)
            {
                Im2Col(X.Slice(n * g.Cin * g.H * g.W, g.Cin * g.H * g.W), g, cols);
                Gemm.Run(g.Cout, g.ColCols, g.ColRows, T.One, Wt, false, cols.AsSpan(0, g.ColRows * g.ColCols), false, T.Zero,
                    Y.Slice(n * g.Cout * g.ColCols, g.Cout * g.ColCols));
            }
        }
        finally { ArrayPool<T>.Shared.Return(cols); }
    }

    private static void ConvBackData<T>(Tensor gy, Tensor w, Tensor gx, int stride, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = ConvGeom.Of(gx.Shape, w.Shape, gy.Shape, stride, pad);
        var GY = gy.Span<T>(); var Wt = w.Span<T>(); var GX = gx.Span<T>();
        var cols = ArrayPool<T>.Shared.Rent(g.ColRows * g.ColCols);
        try
        {
            for (int n = 0; n < g.N; n++)
            {
                Gemm.Run(g.ColRows, g.ColCols, g.Cout, T.One, Wt, true, GY.Slice(n * g.Cout * g.ColCols, g.Cout * g.ColCols), false, T.Zero,
                    cols.AsSpan(0, g.ColRows * g.ColCols));
                Col2Im(cols, g, GX.Slice(n * g.Cin * g.H * g.W, g.Cin * g.H * g.W));
            }
        }
        finally { ArrayPool<T>.Shared.Return(cols); }
    }

    private static void ConvBackWeight<T>(Tensor x, Tensor gy, Tensor gw, int stride, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = ConvGeom.Of(x.Shape, gw.Shape, gy.Shape, stride, pad);
        var X = x.Span<T>(); var GY = gy.Span<T>(); var GW = gw.Span<T>();
        var cols = ArrayPool<T>.Shared.Rent(g.ColRows * g.ColCols);
        try
        {
            for (int n = 0; n < g.N; n++)
            {
                Im2Col(X.Slice(n * g.Cin * g.H * g.W, g.Cin * g.H * g.W), g, cols);
                Gemm.Run(g.Cout, g.ColRows, g.ColCols, T.One, GY.Slice(n * g.Cout * g.ColCols, g.Cout * g.ColCols), false,
                    cols.AsSpan(0, g.ColRows * g.ColCols), true, n == 0 ? T.Zero : T.One, GW);
            }
        }
        finally { ArrayPool<T>.Shared.Return(cols); }
    }

    // cols[(c·k + i)·k + j, oy·Wo + ox] = x[c, oy·s − p + i, ox·s − p + j] (0 outside)
    private static void Im2Col<T>(ReadOnlySpan<T> x, ConvGeom g, T[] cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int hw = g.ColCols;
        for (int c = 0; c < g.Cin; c++)
            for (int i = 0; i < g.K; i++)
                for (int j = 0; j < g.K; j++)
                {
                    var row = cols.AsSpan(((c * g.K + i) * g.K + j) * hw, hw);
                    for (int oy = 0; oy < g.Ho; oy++)
                    {
                        int iy = oy * g.Stride - g.Pad + i;
                        var dst = row.Slice(oy * g.Wo, g.Wo);
                        if ((uint)iy >= (uint)g.H) { dst.Clear(); continue; }
                        var src = x.Slice((c * g.H + iy) * g.W, g.W);
                        for (int ox = 0; ox < g.Wo; ox++)
                        {
                            int ix = ox * g.Stride - g.Pad + j;
                            dst[ox] = (uint)ix < (uint)g.W ? src[ix] : T.Zero;
                        }
                    }
                }
    }

    // the adjoint of Im2Col: scatter-add every column entry back to its input pixel
    private static void Col2Im<T>(T[] cols, ConvGeom g, Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        x.Clear();
        int hw = g.ColCols;
        for (int c = 0; c < g.Cin; c++)
            for (int i = 0; i < g.K; i++)
                for (int j = 0; j < g.K; j++)
                {
                    var row = cols.AsSpan(((c * g.K + i) * g.K + j) * hw, hw);
                    for (int oy = 0; oy < g.Ho; oy++)
                    {
                        int iy = oy * g.Stride - g.Pad + i;
                        if ((uint)iy >= (uint)g.H) continue;
                        var dst = x.Slice((c * g.H + iy) * g.W, g.W);
                        var src = row.Slice(oy * g.Wo, g.Wo);
                        for (int ox = 0; ox < g.Wo; ox++)
                        {
                            int ix = ox * g.Stride - g.Pad + j;
                            if ((uint)ix < (uint)g.W) dst[ix] += src[ox];
                        }
                    }
                }
    }
}

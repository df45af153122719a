using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>
/// 2-D convolution and its two adjoints. The three form a closed family — the gradients of each are the other two —
/// which is how the R1 penalty differentiates through convolutions (as StyleGAN2-ADA's conv2d_gradfix does).
/// x: (N, Cin, H, W), w: (Cout, Cin, k, k), y: (N, Cout, Ho, Wo) with Ho = (H + 2·pad − k) / stride + 1.
/// </summary>
public static partial class Op
{
    public static Tensor Conv2d(Tensor x, Tensor w, int stride = 1, int pad = 0)
    {
        var (ho, wo) = ConvCheck("Conv2d", x.Shape, w, stride, pad, x);
        var y = Like(x, new Shape(x.Shape[0], w.Shape[0], ho, wo));
        x.Kernels.Conv2d(x, w, y, stride, pad);
        return Record("Conv2d", y, new[] { x, w }, (g, n) => new[]
        {
            n[0] ? Conv2dBackwardData(g, w, x.Shape, stride, pad) : null,
            n[1] ? Conv2dBackwardWeight(x, g, w.Shape, stride, pad) : null,
        });
    }

    /// <summary>The transposed convolution: the adjoint of <see cref="Conv2d"/> in x, producing a tensor of <paramref name="xShape"/>.</summary>
    public static Tensor Conv2dBackwardData(Tensor gy, Tensor w, Shape xShape, int stride, int pad)
    {
        var (ho, wo) = ConvCheck("Conv2dBackwardData", xShape, w, stride, pad, gy);
        if (gy.Shape != new Shape(xShape[0], w.Shape[0], ho, wo))
            throw new ArgumentException($"Conv2dBackwardData: gradient {gy.Shape} does not match conv of {xShape} with {w.Shape} (stride {stride}, pad {pad})");
        var gx = Like(gy, xShape);
        gy.Kernels.Conv2dBackwardData(gy, w, gx, stride, pad);
        return Record("Conv2dBackwardData", gx, new[] { gy, w }, (g, n) => new[]
        {
            n[0] ? Conv2d(g, w, stride, pad) : null,
            n[1] ? Conv2dBackwardWeight(g, gy, w.Shape, stride, pad) : null,
        });
    }

    /// <summary>The adjoint of <see cref="Conv2d"/> in w: Σ over batch and pixels of gy ⊗ receptive field of x.</summary>
    public static Tensor Conv2dBackwardWeight(Tensor x, Tensor gy, Shape wShape, int stride, int pad)
    {
        SameKind("Conv2dBackwardWeight", x, gy);
        if (wShape.Rank != 4 || wShape[2] != wShape[3] || wShape[1] != x.Shape[1])
            throw new ArgumentException($"Conv2dBackwardWeight: weight shape {wShape} does not fit input {x.Shape}");
        int ho = (x.Shape[2] + 2 * pad - wShape[2]) / stride + 1, wo = (x.Shape[3] + 2 * pad - wShape[3]) / stride + 1;
        if (gy.Shape != new Shape(x.Shape[0], wShape[0], ho, wo))
            throw new ArgumentException($"Conv2dBackwardWeight: gradient {gy.Shape} does not match conv of {x.Shape} with {wShape}");
        var gw = Like(x, wShape);
        x.Kernels.Conv2dBackwardWeight(x, gy, gw, stride, pad);
        return Record("Conv2dBackwardWeight", gw, new[] { x, gy }, (g, n) => new[]
        {
            n[0] ? Conv2dBackwardData(gy, g, x.Shape, stride, pad) : null,
            n[1] ? Conv2d(x, g, stride, pad) : null,
        });
    }

    private static (int ho, int wo) ConvCheck(string op, Shape xShape, Tensor w, int stride, int pad, Tensor data)
    {
        SameKind(op, data, w);
        RequireRank(op, w, 4, "weight");
        if (xShape.Rank != 4) throw new ArgumentException($"{op}: input must be (N, C, H, W), got {xShape}");
        if (w.Shape[2] != w.Shape[3]) throw new ArgumentException($"{op}: kernel must be square, got weight {w.Shape}");
        if (w.Shape[1] != xShape[1]) throw new ArgumentException($"{op}: input {xShape} has {xShape[1]} channels, weight {w.Shape} expects {w.Shape[1]}");
        if (stride < 1 || pad < 0) throw new ArgumentException($"{op}: stride {stride} and pad {pad} must be ≥ 1 and ≥ 0");
        int ho = (xShape[2] + 2 * pad - w.Shape[2]) / stride + 1, wo = (xShape[3] + 2 * pad - w.Shape[3]) / stride + 1;
        if (ho < 1 || wo < 1) throw new ArgumentException($"{op}: input {xShape} is smaller than kernel {w.Shape} with pad {pad}");
        return (ho, wo);
    }
}

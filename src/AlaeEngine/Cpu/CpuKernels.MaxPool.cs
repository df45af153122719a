using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>
/// 2×2 max pooling with stride 2 (VGG16's MaxPool2d(2, 2)) and its gradient; x: (N, C, H, W) → (N, C, ⌊H/2⌋, ⌊W/2⌋),
/// an odd last row or column dropped. Ties go to the first maximum of the block in row-major order, as torch does.
/// </summary>
public sealed partial class CpuKernels
{
    public void MaxPool2x2(Tensor x, Tensor y)
    {
        if (IsF32(x)) MaxPoolAs(x.Span<float>(), y.Span<float>(), x.Span<float>(), x.Shape, backward: false);
        else MaxPoolAs(x.Span<double>(), y.Span<double>(), x.Span<double>(), x.Shape, backward: false);
    }

    public void MaxPool2x2Backward(Tensor x, Tensor gy, Tensor gx)
    {
        if (IsF32(x)) MaxPoolAs(x.Span<float>(), gy.Span<float>(), gx.Span<float>(), x.Shape, backward: true);
        else MaxPoolAs(x.Span<double>(), gy.Span<double>(), gx.Span<double>(), x.Shape, backward: true);
    }

    // forward: pooled[block] ← x at the block's first maximum; backward: gx at that position ← pooled[block] (= gy), 0 elsewhere
    private static void MaxPoolAs<T>(ReadOnlySpan<T> x, Span<T> pooled, Span<T> gx, Shape xs, bool backward)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (backward) gx.Clear();
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], ho = h / 2, wo = w / 2;
        for (int pl = 0; pl < planes; pl++)
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++)
                {
                    int at = pl * h * w + 2 * i * w + 2 * j, best = at;
                    if (x[at + 1] > x[best]) best = at + 1;
                    if (x[at + w] > x[best]) best = at + w;
                    if (x[at + w + 1] > x[best]) best = at + w + 1;
                    int o = pl * ho * wo + i * wo + j;
                    if (backward) gx[best] = pooled[o];
                    else pooled[o] = x[best];
                }
    }
}

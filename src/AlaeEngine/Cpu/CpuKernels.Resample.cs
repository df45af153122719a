using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>FIR filtering with up/down sampling (upfirdn2d), 2×2 pooling and nearest 2× upsampling; x: (N, C, H, W).</summary>
public sealed partial class CpuKernels
{
    public void Upfirdn2d(Tensor x, Tensor f, Tensor y, int up, int down, int padX0, int padX1, int padY0, int padY1)
    {
        if (IsF32(x)) UpfirdnAs<float>(x, f, y, up, down, padX0, padY0, adjoint: false);
        else UpfirdnAs<double>(x, f, y, up, down, padX0, padY0, adjoint: false);
    }

    public void Upfirdn2dAdjoint(Tensor gy, Tensor f, Tensor gx, int up, int down, int padX0, int padX1, int padY0, int padY1)
    {
        if (IsF32(gy)) UpfirdnAs<float>(gx, f, gy, up, down, padX0, padY0, adjoint: true);
        else UpfirdnAs<double>(gx, f, gy, up, down, padX0, padY0, adjoint: true);
    }

    // y[oy, ox] = Σ f[kh−1−ty, kw−1−tx] · u[oy·down + ty − padY0, ox·down + tx − padX0], where u is x with up−1 zeros
    // inserted after every sample. The adjoint scatters the same products back into x.
    private static void UpfirdnAs<T>(Tensor x, Tensor f, Tensor y, int up, int down, int padX0, int padY0, bool adjoint)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var X = x.Span<T>(); var F = f.Span<T>(); var Y = y.Span<T>();
        int planes = x.Shape[0] * x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int ho = y.Shape[2], wo = y.Shape[3], kh = f.Shape[0], kw = f.Shape[1];
        if (adjoint) X.Clear();
        for (int pl = 0; pl < planes; pl++)
        {
            var xp = X.Slice(pl * h * w, h * w);
            var yp = Y.Slice(pl * ho * wo, ho * wo);
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                {
                    T acc = T.Zero;
                    T gyv = adjoint ? yp[oy * wo + ox] : T.Zero;
                    for (int ty = 0; ty < kh; ty++)
                    {
                        int qy = oy * down + ty - padY0;
                        if (qy < 0 || qy % up != 0 || qy / up >= h) continue;
                        int iy = qy / up;
                        for (int tx = 0; tx < kw; tx++)
                        {
                            int qx = ox * down + tx - padX0;
                            if (qx < 0 || qx % up != 0 || qx / up >= w) continue;
                            T fv = F[(kh - 1 - ty) * kw + (kw - 1 - tx)];
                            if (adjoint) xp[iy * w + qx / up] += fv * gyv;
                            else acc += fv * xp[iy * w + qx / up];
                        }
                    }
                    if (!adjoint) yp[oy * wo + ox] = acc;
                }
        }
    }

    public void Pool2x2(Tensor x, Tensor y, double scale)
    {
        if (IsF32(x)) PoolAs(x.Span<float>(), y.Span<float>(), x.Shape, (float)scale);
        else PoolAs(x.Span<double>(), y.Span<double>(), x.Shape, scale);
    }

    private static void PoolAs<T>(ReadOnlySpan<T> x, Span<T> y, Shape xs, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], ho = h / 2, wo = w / 2;
        for (int pl = 0; pl < planes; pl++)
            for (int i = 0; i < ho; i++)
            {
                var r0 = x.Slice(pl * h * w + 2 * i * w, w);
                var r1 = x.Slice(pl * h * w + (2 * i + 1) * w, w);
                var yr = y.Slice(pl * ho * wo + i * wo, wo);
                for (int j = 0; j < wo; j++) yr[j] = scale * (r0[2 * j] + r0[2 * j + 1] + r1[2 * j] + r1[2 * j + 1]);
            }
    }

    public void Upsample2x(Tensor x, Tensor y, double scale)
    {
        if (IsF32(x)) UpsampleAs(x.Span<float>(), y.Span<float>(), x.Shape, (float)scale);
        else UpsampleAs(x.Span<double>(), y.Span<double>(), x.Shape, scale);
    }

    private static void UpsampleAs<T>(ReadOnlySpan<T> x, Span<T> y, Shape xs, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], wo = 2 * w;
        for (int pl = 0; pl < planes; pl++)
            for (int i = 0; i < h; i++)
            {
                var xr = x.Slice(pl * h * w + i * w, w);
                var y0 = y.Slice(pl * 4 * h * w + 2 * i * wo, wo);
                for (int j = 0; j < w; j++) y0[2 * j] = y0[2 * j + 1] = scale * xr[j];
                y0.CopyTo(y.Slice(pl * 4 * h * w + (2 * i + 1) * wo, wo));
            }
    }
}

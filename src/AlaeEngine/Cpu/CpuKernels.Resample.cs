using System.Numerics;
using System.Runtime.CompilerServices;
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
    // inserted after every sample. The adjoint scatters the same products back into x. Without resampling (the blur)
    // both are plane correlations (see Correlate); otherwise each plane is walked tap by tap. Planes run in parallel.
    private static unsafe void UpfirdnAs<T>(Tensor x, Tensor f, Tensor y, int up, int down, int padX0, int padY0, bool adjoint)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = x.Shape[0] * x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int ho = y.Shape[2], wo = y.Shape[3], kh = f.Shape[0], kw = f.Shape[1];
        var F = f.ToDoubleArray().Select(T.CreateTruncating).ToArray();
        if (up == 1 && down == 1)
        {
            // forward: taps g[ty, tx] = f[kh−1−ty, kw−1−tx] read at offset −pad; adjoint: taps f itself, offset −(k−1−pad)
            var taps = adjoint ? F : F.Reverse().ToArray();
            fixed (T* px = x.Span<T>()) fixed (T* py = y.Span<T>())
            {
                if (adjoint) Correlate(py, ho, wo, px, h, w, planes, taps, kh, kw, kh - 1 - padY0, kw - 1 - padX0);
                else Correlate(px, h, w, py, ho, wo, planes, taps, kh, kw, padY0, padX0);
            }
            return;
        }
        fixed (T* pxPin = x.Span<T>()) fixed (T* pyPin = y.Span<T>())
        {
            nint xAddr = (nint)pxPin, yAddr = (nint)pyPin;
            CpuParallel.For(planes, (long)ho * wo * kh * kw, (lo, hi) =>
            {
                for (int pl = lo; pl < hi; pl++)
                {
                    var xp = new Span<T>((T*)xAddr + (long)pl * h * w, h * w);
                    var yp = new Span<T>((T*)yAddr + (long)pl * ho * wo, ho * wo);
                    if (adjoint) xp.Clear();
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
            });
        }
    }

    // dst[oy, ox] = Σ_{ty, tx} taps[ty·kw + tx] · src[oy + ty − offY, ox + tx − offX] (src zero outside) for every plane:
    // each plane is copied into a zero-bordered buffer first, so the taps read whole vectors with no bounds to test
    private static unsafe void Correlate<T>(T* src, int h, int w, T* dst, int ho, int wo, int planes, T[] taps, int kh, int kw, int offY, int offX)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint srcAddr = (nint)src, dstAddr = (nint)dst;
        int hp = ho + kh - 1, wp = wo + kw - 1;
        CpuParallel.For(planes, (long)ho * wo * kh * kw, (lo, hi) =>
        {
            var padded = HostMemoryPool.Rent<T>(hp * wp);
            try
            {
                fixed (T* pad = padded)
                    for (int pl = lo; pl < hi; pl++)
                    {
                        T* s = (T*)srcAddr + (long)pl * h * w, d = (T*)dstAddr + (long)pl * ho * wo;
                        new Span<T>(pad, hp * wp).Clear();
                        // padded[r, c] = src[r − offY, c − offX]
                        int r0 = Math.Max(0, offY), r1 = Math.Min(hp, h + offY), c0 = Math.Max(0, offX), c1 = Math.Min(wp, w + offX);
                        for (int r = r0; r < r1 && c0 < c1; r++)
                            new ReadOnlySpan<T>(s + (long)(r - offY) * w + c0 - offX, c1 - c0).CopyTo(new Span<T>(pad + (long)r * wp + c0, c1 - c0));
                        CorrelatePlane(pad, wp, d, ho, wo, taps, kh, kw);
                    }
            }
            finally { HostMemoryPool.Return(padded); }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CorrelatePlane<T>(T* pad, int wp, T* d, int ho, int wo, T[] taps, int kh, int kw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count;
        for (int oy = 0; oy < ho; oy++)
        {
            T* row = pad + (long)oy * wp, outRow = d + (long)oy * wo;
            int ox = 0;
            for (; ox + lanes <= wo; ox += lanes)
            {
                var acc = Vector<T>.Zero;
                for (int ty = 0; ty < kh; ty++)
                    for (int tx = 0; tx < kw; tx++)
                        acc += new Vector<T>(taps[ty * kw + tx]) * Vector.Load(row + ty * wp + ox + tx);
                acc.Store(outRow + ox);
            }
            for (; ox < wo; ox++)
            {
                T acc = T.Zero;
                for (int ty = 0; ty < kh; ty++)
                    for (int tx = 0; tx < kw; tx++) acc += taps[ty * kw + tx] * row[ty * wp + ox + tx];
                outRow[ox] = acc;
            }
        }
    }

    public void Pool2x2(Tensor x, Tensor y, double scale)
    {
        if (IsF32(x)) PoolAs(x, y, (float)scale); else PoolAs(x, y, scale);
    }

    private static void PoolAs<T>(Tensor xt, Tensor yt, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = xt.Shape;
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], ho = h / 2, wo = w / 2;
        CpuParallel.For(planes, (long)h * w, (lo, hi) =>
        {
            ReadOnlySpan<T> x = xt.Span<T>(); var y = yt.Span<T>();
            for (int pl = lo; pl < hi; pl++)
                for (int i = 0; i < ho; i++)
                {
                    var r0 = x.Slice(pl * h * w + 2 * i * w, w);
                    var r1 = x.Slice(pl * h * w + (2 * i + 1) * w, w);
                    var yr = y.Slice(pl * ho * wo + i * wo, wo);
                    for (int j = 0; j < wo; j++) yr[j] = scale * (r0[2 * j] + r0[2 * j + 1] + r1[2 * j] + r1[2 * j + 1]);
                }
        });
    }

    public void Upsample2x(Tensor x, Tensor y, double scale)
    {
        if (IsF32(x)) UpsampleAs(x, y, (float)scale); else UpsampleAs(x, y, scale);
    }

    private static void UpsampleAs<T>(Tensor xt, Tensor yt, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = xt.Shape;
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], wo = 2 * w;
        CpuParallel.For(planes, 4L * h * w, (lo, hi) =>
        {
            ReadOnlySpan<T> x = xt.Span<T>(); var y = yt.Span<T>();
            for (int pl = lo; pl < hi; pl++)
                for (int i = 0; i < h; i++)
                {
                    var xr = x.Slice(pl * h * w + i * w, w);
                    var y0 = y.Slice(pl * 4 * h * w + 2 * i * wo, wo);
                    for (int j = 0; j < w; j++) y0[2 * j] = y0[2 * j + 1] = scale * xr[j];
                    y0.CopyTo(y.Slice(pl * 4 * h * w + (2 * i + 1) * wo, wo));
                }
        });
    }
}

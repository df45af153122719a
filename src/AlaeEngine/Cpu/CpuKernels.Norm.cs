using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

public sealed partial class CpuKernels
{
    public void InstanceNorm(Tensor x, Tensor y, Tensor mean, Tensor std, double eps, double epsTap)
    {
        if (IsF32(x)) InstanceNormAs<float>(x, y, mean, std, eps, epsTap);
        else InstanceNormAs<double>(x, y, mean, std, eps, epsTap);
    }

    // the operations of the composition Op.InstanceNorm's backward was written as before this kernel, in the same order
    // and in T (SumTo per plane with its lane partial sums, ×(1/n), subtractions, the division by s, then the tap terms
    // added), so it rounds alike; planes in parallel, each vectorised along its pixels
    public void InstanceNormBackward(Tensor? gy, Tensor y, Tensor std, Tensor? gMean, Tensor? gStd, Tensor gx, double eps, double epsTap)
    {
        if (IsF32(y)) InstanceNormBackwardAs<float>(gy, y, std, gMean, gStd, gx, eps, epsTap);
        else InstanceNormBackwardAs<double>(gy, y, std, gMean, gStd, gx, eps, epsTap);
    }

    private static void InstanceNormBackwardAs<T>(Tensor? gy, Tensor y, Tensor std, Tensor? gMean, Tensor? gStd, Tensor gx, double eps, double epsTap)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = y.Shape[0] * y.Shape[1], hw = y.Shape.Prod(2, y.Shape.Rank);
        T inv = T.CreateTruncating(1.0 / hw), delta = T.CreateTruncating(eps - epsTap);
        CpuParallel.For(planes, 3L * hw, (lo, hi) =>
        {
            ReadOnlySpan<T> G = gy == null ? default : gy.Span<T>(), GM = gMean == null ? default : gMean.Span<T>(), GS = gStd == null ? default : gStd.Span<T>();
            ReadOnlySpan<T> Y = y.Span<T>(), S = std.Span<T>();
            var GX = gx.Span<T>();
            for (int p = lo; p < hi; p++)
            {
                var yp = Y.Slice(p * hw, hw); var gxp = GX.Slice(p * hw, hw);
                var gp = gy == null ? default : G.Slice(p * hw, hw);
                T sigma = S[p], s = eps == epsTap ? sigma : T.Sqrt(sigma * sigma + delta);
                T meanG = gy != null ? Sum<T>(gp) * inv : T.Zero, meanGy = gy != null ? SumOfProducts<T>(gp, yp) * inv : T.Zero;
                T tm = gMean != null ? GM[p] * inv : T.Zero;
                T q = gStd != null ? GS[p] * s / sigma * inv : T.Zero;
                var vMeanG = new Vector<T>(meanG); var vMeanGy = new Vector<T>(meanGy); var vs = new Vector<T>(s);
                var vtm = new Vector<T>(tm); var vq = new Vector<T>(q);
                int i = 0, w = Vector<T>.Count;
                for (; i <= hw - w; i += w)
                {
                    var vy = new Vector<T>(yp[i..]);
                    var v = gy != null ? (new Vector<T>(gp[i..]) - vMeanG - vy * vMeanGy) / vs : Vector<T>.Zero;
                    if (gMean != null) v = gy != null ? v + vtm : vtm;
                    if (gStd != null) v = gy != null || gMean != null ? v + vy * vq : vy * vq;
                    v.CopyTo(gxp[i..]);
                }
                for (; i < hw; i++)
                {
                    T v = gy != null ? (gp[i] - meanG - yp[i] * meanGy) / s : T.Zero;
                    if (gMean != null) v = gy != null ? v + tm : tm;
                    if (gStd != null) v = gy != null || gMean != null ? v + yp[i] * q : yp[i] * q;
                    gxp[i] = v;
                }
            }
        });
    }

    // two passes per (n, c) plane: mean, then the centred second moment (no catastrophic cancellation); planes in parallel
    private static void InstanceNormAs<T>(Tensor xt, Tensor yt, Tensor mt, Tensor st, double eps, double epsTap)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = xt.Shape[0] * xt.Shape[1], hw = xt.Shape.Prod(2, xt.Shape.Rank);
        CpuParallel.For(planes, 3L * hw, (lo, hi) =>
        {
            ReadOnlySpan<T> x = xt.Span<T>(); var y = yt.Span<T>(); var mean = mt.Span<T>(); var std = st.Span<T>();
            for (int p = lo; p < hi; p++)
            {
                var xp = x.Slice(p * hw, hw); var yp = y.Slice(p * hw, hw);
                double m = 0;
                for (int i = 0; i < hw; i++) m += double.CreateTruncating(xp[i]);
                m /= hw;
                double v = 0;
                for (int i = 0; i < hw; i++) { double d = double.CreateTruncating(xp[i]) - m; v += d * d; }
                v /= hw;
                double r = 1 / Math.Sqrt(v + eps);
                for (int i = 0; i < hw; i++) yp[i] = T.CreateTruncating((double.CreateTruncating(xp[i]) - m) * r);
                mean[p] = T.CreateTruncating(m);
                std[p] = T.CreateTruncating(Math.Sqrt(v + epsTap));
            }
        });
    }
}

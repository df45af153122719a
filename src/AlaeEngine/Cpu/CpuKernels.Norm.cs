using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

public sealed partial class CpuKernels
{
    public void InstanceNorm(Tensor x, Tensor y, Tensor mean, Tensor std, double eps, double epsTap)
    {
        if (IsF32(x)) InstanceNormAs(x.Span<float>(), y.Span<float>(), mean.Span<float>(), std.Span<float>(), x.Shape, eps, epsTap);
        else InstanceNormAs(x.Span<double>(), y.Span<double>(), mean.Span<double>(), std.Span<double>(), x.Shape, eps, epsTap);
    }

    // the operations of the composition Op.InstanceNorm's backward was written as before this kernel, in the same order
    // and in T (SumTo per plane, ×(1/n), subtractions, the division by s, then the tap terms added), so it rounds alike
    public void InstanceNormBackward(Tensor? gy, Tensor y, Tensor std, Tensor? gMean, Tensor? gStd, Tensor gx, double eps, double epsTap)
    {
        if (IsF32(y)) InstanceNormBackwardAs<float>(gy, y, std, gMean, gStd, gx, eps, epsTap);
        else InstanceNormBackwardAs<double>(gy, y, std, gMean, gStd, gx, eps, epsTap);
    }

    private static void InstanceNormBackwardAs<T>(Tensor? gy, Tensor y, Tensor std, Tensor? gMean, Tensor? gStd, Tensor gx, double eps, double epsTap)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> G = gy == null ? default : gy.Span<T>(), GM = gMean == null ? default : gMean.Span<T>(), GS = gStd == null ? default : gStd.Span<T>();
        ReadOnlySpan<T> Y = y.Span<T>(), S = std.Span<T>();
        var GX = gx.Span<T>();
        int planes = y.Shape[0] * y.Shape[1], hw = y.Shape.Prod(2, y.Shape.Rank);
        T inv = T.CreateTruncating(1.0 / hw), delta = T.CreateTruncating(eps - epsTap);
        for (int p = 0; p < planes; p++)
        {
            var yp = Y.Slice(p * hw, hw); var gxp = GX.Slice(p * hw, hw);
            var gp = gy == null ? default : G.Slice(p * hw, hw);
            T sigma = S[p], s = eps == epsTap ? sigma : T.Sqrt(sigma * sigma + delta);
            T meanG = T.Zero, meanGy = T.Zero;
            if (gy != null)
            {
                T sg = T.Zero, sgy = T.Zero;
                for (int i = 0; i < hw; i++) { sg += gp[i]; sgy += gp[i] * yp[i]; }
                meanG = sg * inv; meanGy = sgy * inv;
            }
            T tm = gMean != null ? GM[p] * inv : T.Zero;
            T q = gStd != null ? GS[p] * s / sigma * inv : T.Zero;
            for (int i = 0; i < hw; i++)
            {
                T v = gy != null ? (gp[i] - meanG - yp[i] * meanGy) / s : T.Zero;
                if (gMean != null) v = gy != null ? v + tm : tm;
                if (gStd != null) v = gy != null || gMean != null ? v + yp[i] * q : yp[i] * q;
                gxp[i] = v;
            }
        }
    }

    // two passes per (n, c) plane: mean, then the centred second moment (no catastrophic cancellation)
    private static void InstanceNormAs<T>(ReadOnlySpan<T> x, Span<T> y, Span<T> mean, Span<T> std, Shape s, double eps, double epsTap)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = s[0] * s[1], hw = s.Prod(2, s.Rank);
        for (int p = 0; p < planes; p++)
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
    }
}

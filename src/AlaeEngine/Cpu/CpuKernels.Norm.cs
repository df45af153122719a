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

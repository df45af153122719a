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

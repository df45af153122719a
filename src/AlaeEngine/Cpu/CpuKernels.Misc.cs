using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

public sealed partial class CpuKernels
{
    public void CopyAxisRange(Tensor src, int srcStart, Tensor dst, int dstStart, int count, int axis)
    {
        if (IsF32(src)) CopyAxisAs<float>(src, srcStart, dst, dstStart, count, axis);
        else CopyAxisAs<double>(src, srcStart, dst, dstStart, count, axis);
    }

    // both tensors viewed as (outer, axis, inner): each outer index moves one contiguous block of count·inner elements
    private static void CopyAxisAs<T>(Tensor src, int srcStart, Tensor dst, int dstStart, int count, int axis) where T : unmanaged
    {
        var S = src.Span<T>(); var D = dst.Span<T>();
        int outer = src.Shape.Prod(0, axis), inner = src.Shape.Prod(axis + 1, src.Rank);
        int ls = src.Shape[axis], ld = dst.Shape[axis];
        for (int o = 0; o < outer; o++)
            S.Slice((o * ls + srcStart) * inner, count * inner).CopyTo(D.Slice((o * ld + dstStart) * inner, count * inner));
    }

    public void FillRandom(Tensor dst, ulong seed, ulong offset, bool normal)
    {
        if (IsF32(dst)) FillRandomAs(dst.Span<float>(), seed, offset, normal);
        else FillRandomAs(dst.Span<double>(), seed, offset, normal);
    }

    private static void FillRandomAs<T>(Span<T> d, ulong seed, ulong offset, bool normal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
            d[i] = T.CreateTruncating(normal ? Philox.Normal(seed, offset + (ulong)i) : Philox.Uniform(seed, offset + (ulong)i));
    }

    public void AdamStep(IReadOnlyList<AdamSlot> slots, double lr, double beta2, double eps, long step)
    {
        UpdateAliasing.RequireDistinct(slots);
        double bias = Math.Sqrt(1 - Math.Pow(beta2, step));
        foreach (var (p, g, v, coef) in slots)
        {
            RequireSameLength("AdamStep", p, g);
            RequireSameLength("AdamStep", p, v);
            double stepSize = lr * bias * coef;
            if (IsF32(p)) AdamAs(p.Span<float>(), g.Span<float>(), v.Span<float>(), (float)stepSize, (float)beta2, (float)eps);
            else AdamAs(p.Span<double>(), g.Span<double>(), v.Span<double>(), stepSize, beta2, eps);
        }
    }

    private static void AdamAs<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> v, T stepSize, T beta2, T eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < p.Length; i++)
        {
            v[i] = beta2 * v[i] + (T.One - beta2) * g[i] * g[i];
            p[i] -= stepSize * g[i] / (T.Sqrt(v[i]) + eps);
        }
    }
}

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
        if (IsF32(dst)) FillRandomAs<float>(dst, seed, offset, normal);
        else FillRandomAs<double>(dst, seed, offset, normal);
    }

    // element i is a function of (seed, offset + i) alone, so ranges fill in parallel; an element costs a Philox round
    // set and, for normals, a log, a square root and a sine (about 30 element copies: a noise plane of 32² × 16 samples
    // took 0.2 ms on one thread, too little for CpuParallel's default split to start the second)
    private static void FillRandomAs<T>(Tensor dst, ulong seed, ulong offset, bool normal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.ForElements(dst.Length, (start, end) =>
        {
            var d = dst.Span<T>();
            for (int i = start; i < end; i++)
                d[i] = T.CreateTruncating(normal ? Philox.Normal(seed, offset + (ulong)i) : Philox.Uniform(seed, offset + (ulong)i));
        }, workPerElement: 30);
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
            if (IsF32(p)) AdamAs(p, g, v, (float)stepSize, (float)beta2, (float)eps);
            else AdamAs(p, g, v, stepSize, beta2, eps);
        }
    }

    // v ← β2·v + (1−β2)·g·g; p ← p − step·g / (√v + eps), vector lanes in the scalar order of operations
    private static void AdamAs<T>(Tensor pt, Tensor gt, Tensor vt, T stepSize, T beta2, T eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.ForElements(pt.Length, (start, end) =>
        {
            var p = pt.Span<T>()[start..end]; ReadOnlySpan<T> g = gt.Span<T>()[start..end]; var v = vt.Span<T>()[start..end];
            T oneMinus = T.One - beta2;
            var vb = new Vector<T>(beta2); var vo = new Vector<T>(oneMinus); var vstep = new Vector<T>(stepSize); var veps = new Vector<T>(eps);
            int i = 0, w = Vector<T>.Count;
            for (; i <= p.Length - w; i += w)
            {
                var gv = new Vector<T>(g[i..]);
                var vv = vb * new Vector<T>(v[i..]) + vo * gv * gv;
                vv.CopyTo(v[i..]);
                (new Vector<T>(p[i..]) - vstep * gv / (Vector.SquareRoot(vv) + veps)).CopyTo(p[i..]);
            }
            for (; i < p.Length; i++)
            {
                v[i] = beta2 * v[i] + oneMinus * g[i] * g[i];
                p[i] -= stepSize * g[i] / (T.Sqrt(v[i]) + eps);
            }
        });
    }
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Launchers of kernels/norm.cu, axis.cu, random.cu and optim.cu.</summary>
public sealed unsafe partial class CudaKernels
{
    // one block per (n, c) plane
    public void InstanceNorm(Tensor x, Tensor y, Tensor mean, Tensor std, double eps, double epsTap)
    {
        RequireSameDType("InstanceNorm", x, y, mean, std);
        var s = x.Shape;
        int planes = s[0] * s[1], hw = s.Prod(2, s.Rank);
        if (planes == 0) return;
        LaunchGrid(KernelCatalog.Norm, KernelCatalog.Norm.EntryPoint("instance_norm", x.DType), (uint)Math.Min(planes, MaxBlocks), Threads,
            [Ptr(x), Ptr(y), Ptr(mean), Ptr(std), planes, hw, eps, epsTap]);
    }

    // both tensors as (outer, axis, inner)
    public void CopyAxisRange(Tensor src, int srcStart, Tensor dst, int dstStart, int count, int axis)
    {
        RequireSameDType("CopyAxisRange", src, dst);
        int outer = src.Shape.Prod(0, axis), inner = src.Shape.Prod(axis + 1, src.Rank);
        Launch(KernelCatalog.Axis, "copy_axis_range", src.DType, (long)outer * count * inner,
            Ptr(src), Ptr(dst), outer, inner, src.Shape[axis], dst.Shape[axis], srcStart, dstStart, count);
    }

    public void FillRandom(Tensor dst, ulong seed, ulong offset, bool normal)
    {
        int n = dst.Length;
        Launch(KernelCatalog.Random, "fill_random", dst.DType, n, Ptr(dst), n, seed, offset, normal ? 1 : 0);
    }

    // the step size is formed on the host in double, as in CpuKernels.AdamStep
    public void AdamStep(Tensor p, Tensor g, Tensor v, double lr, double beta2, double eps, double coef, long step)
    {
        RequireSameLength("AdamStep", p, g);
        RequireSameLength("AdamStep", p, v);
        RequireSameDType("AdamStep", p, g, v);
        double stepSize = lr * Math.Sqrt(1 - Math.Pow(beta2, step)) * coef;
        int n = p.Length;
        Launch(KernelCatalog.Optim, "adam_step", p.DType, n, Ptr(p), Ptr(g), Ptr(v), n, Scalar(p, stepSize), Scalar(p, beta2), Scalar(p, eps));
    }

    public void LerpInPlace(Tensor a, Tensor b, double t)
    {
        RequireSameLength("LerpInPlace", a, b);
        RequireSameDType("LerpInPlace", a, b);
        int n = a.Length;
        Launch(KernelCatalog.Optim, "lerp", a.DType, n, Ptr(a), Ptr(b), n, Scalar(a, t));
    }
}

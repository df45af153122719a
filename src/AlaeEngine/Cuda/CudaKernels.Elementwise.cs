using AlaeEngine.Cpu;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Launchers of kernels/elementwise.cu and kernels/reduce.cu.</summary>
public sealed unsafe partial class CudaKernels
{
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor dst)
    {
        RequireSameDType("Binary", a, b, dst);
        var plan = new BroadcastPlan(dst.Shape, a.Shape, b.Shape);
        var axes = MergedAxes.From(plan, plan.Strides[0], plan.Strides[1]);
        int n = dst.Length;
        Launch(KernelCatalog.Elementwise, "binary", dst.DType, n, LaunchCost.Of([a, b], [dst]), (int)op, Ptr(a), Ptr(b), Ptr(dst), n, KernelArg.Struct(&axes));
    }

    public void Unary(UnaryOp op, Tensor x, Tensor dst, double alpha = 0)
    {
        RequireSameLength(op.ToString(), x, dst);
        RequireSameDType(op.ToString(), x, dst);
        int n = x.Length;
        Launch(KernelCatalog.Elementwise, "unary", x.DType, n, LaunchCost.Of([x], [dst]), (int)op, Ptr(x), Ptr(dst), n, Scalar(x, alpha));
    }

    public void LeakyReluGrad(Tensor g, Tensor x, Tensor dst, double slope, double gain = 1)
    {
        RequireSameLength("LeakyReluGrad", g, x);
        RequireSameDType("LeakyReluGrad", g, x, dst);
        int n = g.Length;
        Launch(KernelCatalog.Elementwise, "leaky_relu_grad", x.DType, n, LaunchCost.Of([g, x], [dst]), Ptr(g), Ptr(x), Ptr(dst), n, Scalar(x, slope), Scalar(x, gain));
    }

    public void BroadcastTo(Tensor x, Tensor dst)
    {
        RequireSameDType("BroadcastTo", x, dst);
        var plan = new BroadcastPlan(dst.Shape, x.Shape);
        var axes = MergedAxes.From(plan, plan.Strides[0]);
        int n = dst.Length;
        Launch(KernelCatalog.Elementwise, "broadcast_to", x.DType, n, LaunchCost.Of([x], [dst]), Ptr(x), Ptr(dst), n, KernelArg.Struct(&axes));
    }

    // x walked as merged axes with its own row-major strides (s0) and dst's strides (s1, 0 on summed axes);
    // one block per dst element, a warp when each sums few elements
    public void SumTo(Tensor x, Tensor dst)
    {
        RequireSameDType("SumTo", x, dst);
        int m = dst.Length;
        if (m == 0) return;
        if (x.Length == 0) { Fill(dst, 0); return; }
        var plan = new BroadcastPlan(x.Shape, dst.Shape);
        var xs = new int[plan.Dims.Length];
        for (int i = xs.Length - 1, acc = 1; i >= 0; acc *= plan.Dims[i], i--) xs[i] = acc;
        var axes = MergedAxes.From(plan, xs, plan.Strides[0]);
        int r = x.Length / m;
        uint threads = r < 256 ? 32u : 256u;
        LaunchGrid(KernelCatalog.Reduce, KernelCatalog.Reduce.EntryPoint("sum_to", x.DType), (uint)Math.Min(m, MaxBlocks), threads,
            LaunchCost.Of([x], [dst]), [Ptr(x), Ptr(dst), m, r, KernelArg.Struct(&axes)]);
    }
}

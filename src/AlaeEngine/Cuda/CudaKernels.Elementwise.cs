using AlaeEngine.Cpu;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Launchers of kernels/elementwise.cu.</summary>
public sealed unsafe partial class CudaKernels
{
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor dst)
    {
        RequireSameDType("Binary", a, b, dst);
        int n = dst.Length;
        if (n == 0) return;
        var plan = new BroadcastPlan(dst.Shape, a.Shape, b.Shape);
        var axes = MergedAxes.From(plan, plan.Strides[0], plan.Strides[1]);
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
        int n = dst.Length;
        if (n == 0) return;
        var plan = new BroadcastPlan(dst.Shape, x.Shape);
        var axes = MergedAxes.From(plan, plan.Strides[0]);
        Launch(KernelCatalog.Elementwise, "broadcast_to", x.DType, n, LaunchCost.Of([x], [dst]), Ptr(x), Ptr(dst), n, KernelArg.Struct(&axes));
    }
}

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
        int vector = Vectorize(AlongInnerAxis(plan, dst.DType), a, b, dst);
        LaunchStreaming(KernelCatalog.Elementwise, "binary", dst.DType, n, vector, LaunchCost.Of([a, b], [dst]), (int)op, Ptr(a), Ptr(b), Ptr(dst), n, vector,
            KernelArg.Struct(&axes));
    }

    public void Unary(UnaryOp op, Tensor x, Tensor dst, double alpha = 0)
    {
        RequireSameLength(op.ToString(), x, dst);
        RequireSameDType(op.ToString(), x, dst);
        int n = x.Length;
        int vector = Vectorize(true, x, dst);
        LaunchStreaming(KernelCatalog.Elementwise, "unary", x.DType, n, vector, LaunchCost.Of([x], [dst]), (int)op, Ptr(x), Ptr(dst), n, Scalar(x, alpha), vector);
    }

    public void LeakyReluGrad(Tensor g, Tensor x, Tensor dst, double slope, double gain = 1)
    {
        RequireSameLength("LeakyReluGrad", g, x);
        RequireSameDType("LeakyReluGrad", g, x, dst);
        int n = g.Length;
        int vector = Vectorize(true, g, x, dst);
        LaunchStreaming(KernelCatalog.Elementwise, "leaky_relu_grad", x.DType, n, vector, LaunchCost.Of([g, x], [dst]), Ptr(g), Ptr(x), Ptr(dst), n,
            Scalar(x, slope), Scalar(x, gain), vector);
    }

    public void BroadcastTo(Tensor x, Tensor dst)
    {
        RequireSameDType("BroadcastTo", x, dst);
        int n = dst.Length;
        if (n == 0) return;
        var plan = new BroadcastPlan(dst.Shape, x.Shape);
        var axes = MergedAxes.From(plan, plan.Strides[0]);
        int vector = Vectorize(AlongInnerAxis(plan, dst.DType), x, dst);
        LaunchStreaming(KernelCatalog.Elementwise, "broadcast_to", x.DType, n, vector, LaunchCost.Of([x], [dst]), Ptr(x), Ptr(dst), n, vector,
            KernelArg.Struct(&axes));
    }

    // a vector of 16 bytes of the output from a multiple of its length stays in one row of the innermost merged axis,
    // where every operand's stride is 1 or 0 (contiguous or broadcast): one merged axis, or an innermost one a multiple of it
    private static bool AlongInnerAxis(BroadcastPlan plan, DType dtype) => plan.Dims.Length == 1 || plan.Inner % (16 / dtype.SizeOf()) == 0;
}

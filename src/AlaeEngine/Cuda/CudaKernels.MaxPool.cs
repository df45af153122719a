using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Launchers of kernels/maxpool.cu; x: (N, C, H, W) processed as N·C planes.</summary>
public sealed partial class CudaKernels
{
    public void MaxPool2x2(Tensor x, Tensor y)
    {
        RequireSameDType("MaxPool2x2", x, y);
        var s = x.Shape;
        Launch(KernelCatalog.MaxPool, "max_pool2x2", x.DType, y.Length, LaunchCost.Of([x], [y]), Ptr(x), Ptr(y), s[0] * s[1], s[2], s[3]);
    }

    public void MaxPool2x2Backward(Tensor x, Tensor gy, Tensor gx)
    {
        RequireSameDType("MaxPool2x2Backward", x, gy, gx);
        var s = x.Shape;
        Launch(KernelCatalog.MaxPool, "max_pool2x2_backward", x.DType, gx.Length, LaunchCost.Of([x, gy], [gx]), Ptr(x), Ptr(gy), Ptr(gx), s[0] * s[1], s[2], s[3]);
    }
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Launchers of kernels/resample.cu; x: (N, C, H, W) processed as N·C planes.</summary>
public sealed unsafe partial class CudaKernels
{
    public void Upfirdn2d(Tensor x, Tensor f, Tensor y, int up, int down, int padX0, int padX1, int padY0, int padY1)
    {
        RequireSameDType("Upfirdn2d", x, f, y);
        // each output gathers about kh·kw / up² non-zero taps
        UpfirdnLaunch("upfirdn2d", y.Length, x, f, y, Ptr(x), Ptr(f), Ptr(y), up, down, padX0, padY0,
            LaunchCost.Of([x, f], [y], 2.0 * f.Length * y.Length / (up * up)));
    }

    public void Upfirdn2dAdjoint(Tensor gy, Tensor f, Tensor gx, int up, int down, int padX0, int padX1, int padY0, int padY1)
    {
        RequireSameDType("Upfirdn2dAdjoint", gy, f, gx);
        // each input gradient gathers about kh·kw / down² taps
        UpfirdnLaunch("upfirdn2d_adjoint", gx.Length, gx, f, gy, Ptr(gy), Ptr(f), Ptr(gx), up, down, padX0, padY0,
            LaunchCost.Of([gy, f], [gx], 2.0 * f.Length * gx.Length / (down * down)));
    }

    // x and y give the geometry (x the low-rate side, y the filtered one) whichever direction the data flows
    private void UpfirdnLaunch(string kernel, int n, Tensor x, Tensor f, Tensor y, ulong src, ulong filter, ulong dst,
        int up, int down, int padX0, int padY0, LaunchCost cost)
    {
        int planes = x.Shape[0] * x.Shape[1];
        Launch(KernelCatalog.Resample, kernel, x.DType, n, cost, src, filter, dst, planes, x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3],
            f.Shape[0], f.Shape[1], up, down, padX0, padY0);
    }

    public void Pool2x2(Tensor x, Tensor y, double scale)
    {
        RequireSameDType("Pool2x2", x, y);
        var s = x.Shape;
        Launch(KernelCatalog.Resample, "pool2x2", x.DType, (long)s[0] * s[1] * (s[2] / 2) * (s[3] / 2), LaunchCost.Of([x], [y]),
            Ptr(x), Ptr(y), s[0] * s[1], s[2], s[3], Scalar(x, scale));
    }

    public void Upsample2x(Tensor x, Tensor y, double scale)
    {
        RequireSameDType("Upsample2x", x, y);
        var s = x.Shape;
        Launch(KernelCatalog.Resample, "upsample2x", x.DType, 4L * s.Length, LaunchCost.Of([x], [y]), Ptr(x), Ptr(y), s[0] * s[1], s[2], s[3], Scalar(x, scale));
    }
}

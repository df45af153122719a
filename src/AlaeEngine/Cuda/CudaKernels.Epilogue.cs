using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>The per-channel epilogues (kernels/epilogue.cu): one launch and one pass over the activations each.</summary>
public sealed partial class CudaKernels
{
    public void BiasLeakyRelu(Tensor x, Tensor bias, Tensor y, double slope, double gain = 1)
    {
        var (_, c, inner) = ChannelLayout.ForBias(x, bias, y);
        RequireSameDType("BiasLeakyRelu", x, bias, y);
        Launch(KernelCatalog.Epilogue, "bias_leaky_relu", x.DType, x.Length, LaunchCost.Of([x, bias], [y]), Ptr(x), Ptr(bias), Ptr(y), x.Length, c, inner,
            Scalar(x, slope), Scalar(x, gain));
    }

    public void AddNoise(Tensor x, Tensor weight, Tensor noise, Tensor y)
    {
        var (_, c, inner) = ChannelLayout.ForNoise(x, weight, noise, y);
        RequireSameDType("AddNoise", x, weight, noise, y);
        Launch(KernelCatalog.Epilogue, "add_noise", x.DType, x.Length, LaunchCost.Of([x, weight, noise], [y]), Ptr(x), Ptr(weight), Ptr(noise), Ptr(y), x.Length, c, inner);
    }

    public void StyleModulate(Tensor x, Tensor style, Tensor y)
    {
        var (_, c, inner) = ChannelLayout.ForStyle(x, style, y);
        RequireSameDType("StyleModulate", x, style, y);
        Launch(KernelCatalog.Epilogue, "style_modulate", x.DType, x.Length, LaunchCost.Of([x, style], [y]), Ptr(x), Ptr(style), Ptr(y), x.Length, c, inner);
    }
}

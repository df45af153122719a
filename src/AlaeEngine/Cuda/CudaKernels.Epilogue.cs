using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>The per-channel epilogues (kernels/epilogue.cu): one launch and one pass over the activations each.</summary>
public sealed partial class CudaKernels
{
    public void BiasLeakyRelu(Tensor x, Tensor bias, Tensor y, double slope)
    {
        var (_, c, inner) = ChannelLayout.Of("BiasLeakyRelu", x, y);
        if (bias.Shape != new Shape(c)) throw new ArgumentException($"BiasLeakyRelu: bias must be ({c}) for input {x.Shape}, got {bias.Shape}");
        RequireSameDType("BiasLeakyRelu", x, bias, y);
        Launch(KernelCatalog.Epilogue, "bias_leaky_relu", x.DType, x.Length, Ptr(x), Ptr(bias), Ptr(y), x.Length, c, inner, Scalar(x, slope));
    }

    public void AddNoise(Tensor x, Tensor weight, Tensor noise, Tensor y)
    {
        var (n, c, inner) = ChannelLayout.Of("AddNoise", x, y);
        if (weight.Shape != new Shape(c)) throw new ArgumentException($"AddNoise: weight must be ({c}) for input {x.Shape}, got {weight.Shape}");
        if (noise.Length != n * inner) throw new ArgumentException($"AddNoise: noise must hold one plane per sample ({n}×{inner} values) for input {x.Shape}, got {noise.Shape}");
        RequireSameDType("AddNoise", x, weight, noise, y);
        Launch(KernelCatalog.Epilogue, "add_noise", x.DType, x.Length, Ptr(x), Ptr(weight), Ptr(noise), Ptr(y), x.Length, c, inner);
    }

    public void StyleModulate(Tensor x, Tensor style, Tensor y)
    {
        var (n, c, inner) = ChannelLayout.Of("StyleModulate", x, y);
        if (style.Shape != new Shape(n, 2 * c)) throw new ArgumentException($"StyleModulate: style must be ({n}, {2 * c}) for input {x.Shape}, got {style.Shape}");
        RequireSameDType("StyleModulate", x, style, y);
        Launch(KernelCatalog.Epilogue, "style_modulate", x.DType, x.Length, Ptr(x), Ptr(style), Ptr(y), x.Length, c, inner);
    }
}

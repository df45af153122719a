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

    // one block per (n, c) plane writes gx and the plane's sum, then sum_to adds the (N, C) sums over N; planes shorter
    // than a warp (a linear layer's (N, F)) go through leaky_relu_grad and sum_to over the whole gradient instead
    public void BiasLeakyReluBackward(Tensor g, Tensor y, Tensor gx, Tensor gBias, double slope, double gain)
    {
        var (n, c, inner) = ChannelLayout.ForBiasBackward(g, y, gx, gBias);
        RequireSameDType("BiasLeakyReluBackward", g, y, gx, gBias);
        if (n * c == 0 || inner < 32)
        {
            LeakyReluGrad(g, y, gx, slope, gain);
            using var rows = gx.View(new Shape(n, c, inner));
            using var channels = gBias.View(new Shape(1, c, 1));
            SumTo(rows, channels);
            return;
        }
        using var sums = Tensor.Empty(new Shape(n, c), g.DType, Device);
        LaunchPlanes(KernelCatalog.Epilogue, "bias_leaky_relu_backward", g.DType, n * c, inner, LaunchCost.Of([g, y], [gx, sums]),
            [Ptr(g), Ptr(y), Ptr(gx), Ptr(sums), n * c, inner, Scalar(g, slope), Scalar(g, gain)]);
        using var perChannel = gBias.View(new Shape(1, c));
        SumTo(sums, perChannel);
    }

    // one pass over g with a thread per pixel (blocks of 256 pixels of one sample), then sum_to adds the blocks'
    // per-channel partial sums (N·⌈H·W/256⌉ rows of C) into the weight gradient
    public void AddNoiseBackward(Tensor g, Tensor weight, Tensor noise, Tensor gWeight, Tensor gNoise)
    {
        var (n, c, inner) = ChannelLayout.ForNoiseBackward(g, weight, noise, gWeight, gNoise);
        RequireSameDType("AddNoiseBackward", g, weight, noise, gWeight, gNoise);
        if (g.Length == 0)
        {
            Fill(gWeight, 0); Fill(gNoise, 0);
            return;
        }
        int tiles = (inner + Threads - 1) / Threads, blocks = n * tiles;
        using var partials = Tensor.Empty(new Shape(blocks, c), g.DType, Device);
        LaunchGrid(KernelCatalog.Epilogue, KernelCatalog.Epilogue.EntryPoint("add_noise_backward", g.DType), (uint)Math.Min(blocks, MaxBlocks), Threads,
            LaunchCost.Of([g, weight, noise], [gNoise, partials]), [Ptr(g), Ptr(weight), Ptr(noise), Ptr(gNoise), Ptr(partials), c, inner, tiles, blocks]);
        using var perChannel = gWeight.View(new Shape(1, c));
        SumTo(partials, perChannel);
    }

    // one block per (n, c) plane
    public void StyleModulateBackward(Tensor g, Tensor x, Tensor style, Tensor gx, Tensor gStyle)
    {
        var (n, c, inner) = ChannelLayout.ForStyleBackward(g, x, style, gx, gStyle);
        RequireSameDType("StyleModulateBackward", g, x, style, gx, gStyle);
        LaunchPlanes(KernelCatalog.Epilogue, "style_modulate_backward", g.DType, n * c, inner, LaunchCost.Of([g, x, style], [gx, gStyle]),
            [Ptr(g), Ptr(x), Ptr(style), Ptr(gx), Ptr(gStyle), n * c, c, inner]);
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

namespace AlaeEngine.Tensors;

/// <summary>
/// How a per-channel kernel walks an (N, C, ...) tensor: N samples of C channels of <c>Inner</c> contiguous values.
/// The checks of the epilogue kernels live here, once for both backends; errors name the op and the shapes.
/// </summary>
internal readonly record struct ChannelLayout(int N, int C, int Inner)
{
    /// <summary>The layout of x, checked to have rank ≥ 2 and the shape of the output y.</summary>
    public static ChannelLayout Of(string op, Tensor x, Tensor y)
    {
        if (x.Rank < 2) throw new ArgumentException($"{op}: input must be (N, C, ...), got {x.Shape}");
        if (y.Shape != x.Shape) throw new ArgumentException($"{op}: output {y.Shape} differs from input {x.Shape}");
        int n = x.Shape[0], c = x.Shape[1];
        return new ChannelLayout(n, c, n * c == 0 ? 0 : x.Length / (n * c));
    }

    /// <summary>x, y: (N, C, ...), bias: (C).</summary>
    public static ChannelLayout ForBias(Tensor x, Tensor bias, Tensor y)
    {
        var l = Of("BiasLeakyRelu", x, y);
        if (bias.Shape != new Shape(l.C)) throw new ArgumentException($"BiasLeakyRelu: bias must be ({l.C}) for input {x.Shape}, got {bias.Shape}");
        return l;
    }

    /// <summary>g, y, gx: (N, C, ...), gBias: (C).</summary>
    public static ChannelLayout ForBiasBackward(Tensor g, Tensor y, Tensor gx, Tensor gBias)
    {
        var l = Of("BiasLeakyReluBackward", g, gx);
        if (y.Shape != g.Shape) throw new ArgumentException($"BiasLeakyReluBackward: output {y.Shape} differs from gradient {g.Shape}");
        if (gBias.Shape != new Shape(l.C)) throw new ArgumentException($"BiasLeakyReluBackward: bias gradient must be ({l.C}) for gradient {g.Shape}, got {gBias.Shape}");
        return l;
    }

    /// <summary>x, y: (N, C, H, W), weight: (C), noise: one plane per sample (N·H·W values).</summary>
    public static ChannelLayout ForNoise(Tensor x, Tensor weight, Tensor noise, Tensor y)
    {
        var l = Of("AddNoise", x, y);
        if (weight.Shape != new Shape(l.C)) throw new ArgumentException($"AddNoise: weight must be ({l.C}) for input {x.Shape}, got {weight.Shape}");
        if (noise.Length != l.N * l.Inner)
            throw new ArgumentException($"AddNoise: noise must hold one plane per sample ({l.N}×{l.Inner} values) for input {x.Shape}, got {noise.Shape}");
        return l;
    }

    /// <summary>g: (N, C, H, W), weight, gWeight: (C), noise and gNoise: one plane per sample.</summary>
    public static ChannelLayout ForNoiseBackward(Tensor g, Tensor weight, Tensor noise, Tensor gWeight, Tensor gNoise)
    {
        var l = ForNoise(g, weight, noise, g);
        if (gWeight.Shape != weight.Shape || gNoise.Shape != noise.Shape)
            throw new ArgumentException($"AddNoiseBackward: gradients {gWeight.Shape} and {gNoise.Shape} must have the shapes of weight {weight.Shape} and noise {noise.Shape}");
        return l;
    }

    /// <summary>x, y: (N, C, H, W), style: (N, 2C).</summary>
    public static ChannelLayout ForStyle(Tensor x, Tensor style, Tensor y)
    {
        var l = Of("StyleModulate", x, y);
        if (style.Shape != new Shape(l.N, 2 * l.C)) throw new ArgumentException($"StyleModulate: style must be ({l.N}, {2 * l.C}) for input {x.Shape}, got {style.Shape}");
        return l;
    }

    /// <summary>g, x, gx: (N, C, H, W), style, gStyle: (N, 2C).</summary>
    public static ChannelLayout ForStyleBackward(Tensor g, Tensor x, Tensor style, Tensor gx, Tensor gStyle)
    {
        var l = Of("StyleModulateBackward", g, gx);
        if (x.Shape != g.Shape) throw new ArgumentException($"StyleModulateBackward: input {x.Shape} differs from gradient {g.Shape}");
        var styleShape = new Shape(l.N, 2 * l.C);
        if (style.Shape != styleShape || gStyle.Shape != styleShape)
            throw new ArgumentException($"StyleModulateBackward: style and its gradient must be {styleShape} for gradient {g.Shape}, got {style.Shape} and {gStyle.Shape}");
        return l;
    }
}

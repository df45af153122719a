using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>How a <see cref="Conv2dLayer"/> initialises its weight and uses it at run time (Balanced PIONEER's three conv types).</summary>
public enum ConvWeighting
{
    /// <summary>torch's nn.Conv2d as constructed: weight and bias U(±1/√fan_in), used as stored (ToRGB, FromRGB, the no-SN ablation).</summary>
    Default,

    /// <summary>
    /// Kaiming-normal weight (std √2/√fan_in), zero bias, divided by its largest singular value estimated with one power
    /// iteration per forward pass (<see cref="Op.SpectralNorm"/>); the iteration vector u is a buffer updated by every
    /// forward, no-grad passes included, as the reference's forward pre-hook.
    /// </summary>
    Spectral,

    /// <summary>Equalized learning rate: N(0, 1) weight, zero bias, scaled by √2/√fan_in at run time (the PN + EQLR ablation).</summary>
    Equalized,
}

/// <summary>
/// A 2-D convolution with bias in torch's layout: weight (C_out, C_in, k, k), any padding, stride 1.
/// x: (N, C_in, H, W) → (N, C_out, H + 2·pad − k + 1, …).
/// </summary>
public sealed class Conv2dLayer : Module
{
    private readonly double _equalizedScale;

    public Conv2dLayer(int inChannels, int outChannels, int kernel, int pad, ConvWeighting weighting, Init init)
    {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || pad < 0)
            throw new ArgumentException($"Conv2dLayer: channels and kernel must be ≥ 1 and pad ≥ 0, got {inChannels}→{outChannels}, {kernel}×{kernel}, pad {pad}");
        In = inChannels; Out = outChannels; Kernel = kernel; Pad = pad; Weighting = weighting;
        int fanIn = inChannels * kernel * kernel;
        _equalizedScale = Math.Sqrt(2.0 / fanIn);
        var shape = new Shape(outChannels, inChannels, kernel, kernel);
        double bound = 1 / Math.Sqrt(fanIn);
        Weight = weighting switch
        {
            ConvWeighting.Default => AddParameter("weight", shape, s => init.Uniform(s, bound)),
            ConvWeighting.Spectral => AddParameter("weight", shape, s => init.Normal(s, Math.Sqrt(2.0 / fanIn))),
            _ => AddParameter("weight", shape, s => init.Normal(s)),
        };
        Bias = AddParameter("bias", new Shape(outChannels), s => weighting == ConvWeighting.Default ? init.Uniform(s, bound) : init.Zeros(s));
        // the reference draws u ~ 0.1·N(0, 1) once, at construction
        if (weighting == ConvWeighting.Spectral) U = AddBuffer("weight_u", () => init.Normal(new Shape(outChannels), 0.1));
    }

    public int In { get; }
    public int Out { get; }
    public int Kernel { get; }
    public int Pad { get; }
    public ConvWeighting Weighting { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }

    /// <summary>Spectral norm's power-iteration vector (C_out), or null for the other weightings.</summary>
    public Tensor? U { get; }

    /// <summary>The convolution + bias, then leaky ReLU (0.2) when asked, bias and activation in one kernel. Advances <see cref="U"/>.</summary>
    public Tensor Forward(Tensor x, bool leakyRelu = false)
    {
        if (x.Rank != 4 || x.Shape[1] != In)
            throw new ArgumentException($"Conv2dLayer({In}→{Out}, {Kernel}×{Kernel}): input must be (N, {In}, H, W), got {x.Shape}");
        var y = Op.Conv2d(x, EffectiveWeight(), stride: 1, pad: Pad);
        return leakyRelu ? Op.BiasLeakyRelu(y, Bias.Value) : Op.Add(y, Op.Reshape(Bias.Value, 1, Out, 1, 1));
    }

    private Tensor EffectiveWeight()
    {
        switch (Weighting)
        {
            case ConvWeighting.Spectral:
                // u is read from a copy: the graph keeps it for the backward pass while the buffer moves on
                var (w, uNext) = Op.SpectralNorm(Weight.Value, U!.Detach());
                U.Kernels.Copy(uNext, U);
                return w;
            case ConvWeighting.Equalized:
                return Op.Scale(Weight.Value, _equalizedScale);
            default:
                return Weight.Value;
        }
    }
}

using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// Generator block of level r (reference DecodeBlock), x: (N, Cin, R/2, R/2) → (N, Cout, R, R), R = 4·2^r
/// (block 0 starts from the learned constant at 4×4 and does not upsample):
/// [r > 0: upsample 2× + conv3×3 (fused transposed conv at high resolution) → blur] → noise → bias → lReLU(0.2) →
/// IN(eps 1e-8) → AdaIN(w₁) → conv3×3 → noise → bias → lReLU → IN → AdaIN(w₂).
/// </summary>
public sealed class StyleAlaeDecodeBlock : Module
{
    private const double NormEps = 1e-8;
    private readonly Tensor _blur;
    private readonly EqualizedConv2d? _conv1;
    private readonly EqualizedConv2d _conv2;
    private readonly NoiseInjection _noise1, _noise2;
    private readonly Parameter _bias1, _bias2;
    private readonly StyleModulation _style1, _style2;

    public StyleAlaeDecodeBlock(int level, int inChannels, int outChannels, int latentSize, bool fused, Tensor blur, Init init)
    {
        _blur = blur;
        if (level > 0)
            _conv1 = AddModule("conv_1", new EqualizedConv2d(inChannels, outChannels, 3, init, bias: false,
                resample: fused ? ConvResample.FusedUp : ConvResample.None));
        _noise1 = AddModule("noise_1", new NoiseInjection(outChannels, init));
        _bias1 = AddParameter("bias_1", new Shape(outChannels), init.Zeros);
        _style1 = AddModule("style_1", new StyleModulation(latentSize, outChannels, init));
        _conv2 = AddModule("conv_2", new EqualizedConv2d(outChannels, outChannels, 3, init, bias: false));
        _noise2 = AddModule("noise_2", new NoiseInjection(outChannels, init));
        _bias2 = AddParameter("bias_2", new Shape(outChannels), init.Zeros);
        _style2 = AddModule("style_2", new StyleModulation(latentSize, outChannels, init));
    }

    /// <summary>x: the previous block's output (or the batch-broadcast constant for block 0); w1, w2: (N, L).</summary>
    public Tensor Forward(Tensor x, Tensor w1, Tensor w2, RandomStream? noise)
    {
        if (_conv1 != null)
        {
            x = _conv1.Resample == ConvResample.FusedUp ? _conv1.Forward(x) : _conv1.Forward(Op.Upsample2x(x));
            x = Op.Blur(x, _blur);
        }
        x = Epilogue(_noise1.Forward(x, noise), _bias1, _style1, w1);
        x = _conv2.Forward(x);
        return Epilogue(_noise2.Forward(x, noise), _bias2, _style2, w2);
    }

    private static Tensor Epilogue(Tensor x, Parameter bias, StyleModulation style, Tensor w)
    {
        x = Op.BiasLeakyRelu(x, bias.Value);
        return style.Forward(Op.InstanceNorm(x, eps: NormEps).y, w);
    }
}

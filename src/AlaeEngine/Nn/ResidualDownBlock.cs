using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// StyleGAN2's residual discriminator block (rosinality's ResBlock): main = 3×3 conv (Cin → Cin) then FIR-blurred
/// stride-2 3×3 conv (Cin → Cout), each with bias and √2·leaky ReLU; skip = FIR-blurred stride-2 1×1 conv without bias
/// or activation; output (main + skip)/√2. Equalized weights at gain 1. x: (N, Cin, H, W) → (N, Cout, H/2, W/2).
/// </summary>
public sealed class ResidualDownBlock : Module
{
    private readonly EqualizedConv2d _conv1, _conv2, _skip;

    /// <param name="fir">the down-sampling FIR filter (gain 1; the caller owns it)</param>
    public ResidualDownBlock(int inChannels, int outChannels, Tensor fir, Init init)
    {
        _conv1 = AddModule("conv1", new EqualizedConv2d(inChannels, inChannels, 3, init, gain: 1));
        _conv2 = AddModule("conv2", new EqualizedConv2d(inChannels, outChannels, 3, init, gain: 1, resample: ConvResample.BlurDown, fir: fir));
        _skip = AddModule("skip", new EqualizedConv2d(inChannels, outChannels, 1, init, gain: 1, bias: false, resample: ConvResample.BlurDown, fir: fir));
    }

    public Tensor Forward(Tensor x)
    {
        var main = _conv2.Forward(_conv1.Forward(x, leakyRelu: true, LeakyReluGain.StyleGan2), leakyRelu: true, LeakyReluGain.StyleGan2);
        return Op.Scale(Op.Add(main, _skip.Forward(x)), 1 / Math.Sqrt(2));
    }
}

using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// Encoder block of level r (reference EncodeBlock), x: (N, Cin, R, R) → (N, Cout, R/2, R/2) and its w contribution (N, L):
/// conv3×3 + bias → lReLU → taps₁ = [mean; std] → IN → blur → conv3×3 + 2×2 avg pool (fused stride-2 conv at high
/// resolution) + bias → lReLU → taps₂ → IN; w = A₁·taps₁ + A₂·taps₂ (Eq. 9 of ALAE, one term per IN layer).
/// IN uses the reference's InstanceNorm2d eps 1e-5; the std taps keep the engine's epsTap (see <see cref="Op.InstanceNorm"/>).
/// </summary>
public sealed class StyleAlaeEncodeBlock : Module
{
    private const double NormEps = 1e-5;
    private readonly Tensor _blur;
    private readonly EqualizedConv2d _conv1, _conv2;
    private readonly EqualizedLinear _style1, _style2;

    public StyleAlaeEncodeBlock(int level, int inChannels, int outChannels, int latentSize, bool fused, Tensor blur, Init init)
    {
        _blur = blur;
        _conv1 = AddModule("conv_1", new EqualizedConv2d(inChannels, inChannels, 3, init));
        _conv2 = AddModule("conv_2", new EqualizedConv2d(inChannels, outChannels, 3, init,
            resample: fused ? ConvResample.FusedDown : ConvResample.None));
        _style1 = AddModule("style_1", new EqualizedLinear(2 * inChannels, latentSize, init));
        _style2 = AddModule("style_2", new EqualizedLinear(2 * outChannels, latentSize, init));
    }

    public (Tensor h, Tensor w) Forward(Tensor x)
    {
        var (y1, w1) = Tap(_conv1.Forward(x, leakyRelu: true), _style1);
        var h = Op.Blur(y1, _blur);
        // the non-fused bias is added before the pool: pooling a per-channel constant leaves it unchanged
        h = _conv2.Resample == ConvResample.FusedDown
            ? _conv2.Forward(h, leakyRelu: true)
            : Op.LeakyRelu(Op.AvgPool2x2(_conv2.Forward(h)));
        var (y2, w2) = Tap(h, _style2);
        return (y2, Op.Add(w1, w2));
    }

    // x: (N, C, H, W) → normalised x and style(cat(mean, std)): (N, L)
    private static (Tensor y, Tensor w) Tap(Tensor x, EqualizedLinear style)
    {
        var (y, mean, std) = Op.InstanceNorm(x, eps: NormEps);
        var taps = Op.Reshape(Op.Concat(1, mean, std), x.Shape[0], 2 * x.Shape[1]);
        return (y, style.Forward(taps));
    }
}

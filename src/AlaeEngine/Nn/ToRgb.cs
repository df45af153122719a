using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// The generator's per-level output layer: an equalized 1×1 convolution with bias and the reference's gain 0.03 (tiny
/// initial images, and through equalized LR a tiny effective step), no activation — images are in [-1, 1] pixel units.
/// x: (N, C, H, W) → (N, imageChannels, H, W).
/// </summary>
public sealed class ToRgb : Module
{
    private readonly EqualizedConv2d _conv;

    public ToRgb(int channels, int imageChannels, Init init)
        => _conv = AddModule("conv", new EqualizedConv2d(channels, imageChannels, 1, init, gain: 0.03));

    public Tensor Forward(Tensor x) => _conv.Forward(x);
}

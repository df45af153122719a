using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// The encoder's per-level input layer: equalized 1×1 convolution with bias, then leaky ReLU (0.2).
/// The reference applies the leaky ReLU a second time in encode() (effective slope 0.04); that only matters for
/// loading its weights, so it is applied once here. x: (N, imageChannels, H, W) → (N, C, H, W).
/// </summary>
public sealed class FromRgb : Module
{
    private readonly EqualizedConv2d _conv;

    public FromRgb(int imageChannels, int channels, Init init)
        => _conv = AddModule("conv", new EqualizedConv2d(imageChannels, channels, 1, init));

    public Tensor Forward(Tensor x) => _conv.Forward(x, leakyRelu: true);
}

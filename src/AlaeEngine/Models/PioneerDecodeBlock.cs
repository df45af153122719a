using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// One decoder block of Balanced PIONEER: two convolutions, each followed by leaky ReLU (0.2), or by pixel norm and
/// then leaky ReLU in the PN ablation (the reference's order). Level 0 turns the code (N, L, 1, 1) into 4×4 maps with a
/// 4×4 convolution at padding 3, then a 3×3; the other levels take the nearest-upsampled maps of the level below
/// through two 3×3 convolutions. x: (N, C_in, H, W) → (N, C_out, H′, W′), H′ = 4 at level 0, else H.
/// </summary>
public sealed class PioneerDecodeBlock : Module
{
    private readonly Conv2dLayer _conv1, _conv2;
    private readonly bool _pixelNorm;

    public PioneerDecodeBlock(int level, int inChannels, int outChannels, PioneerConfig config, Init init)
    {
        _pixelNorm = config.DecoderPixelNorm;
        _conv1 = AddModule("conv_1", level == 0
            ? new Conv2dLayer(inChannels, outChannels, 4, 3, config.DecoderWeighting, init)
            : new Conv2dLayer(inChannels, outChannels, 3, 1, config.DecoderWeighting, init));
        _conv2 = AddModule("conv_2", new Conv2dLayer(outChannels, outChannels, 3, 1, config.DecoderWeighting, init));
    }

    public Tensor Forward(Tensor x) => Activate(_conv2, Activate(_conv1, x));

    private Tensor Activate(Conv2dLayer conv, Tensor x)
        => _pixelNorm ? Op.LeakyRelu(Op.PixelNorm(conv.Forward(x))) : conv.Forward(x, leakyRelu: true);
}

using AlaeEngine.Nn;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// One encoder block of Balanced PIONEER: two spectrally normalised convolutions with leaky ReLU (0.2). Levels above 0:
/// two 3×3 convolutions C_in → C_out → C_out at the level's resolution (the encoder then average-pools by 2). Level 0:
/// a 3×3 convolution C_in → L and a 4×4 valid convolution L → L that reduces the 4×4 maps to the (N, L, 1, 1) code,
/// with a leaky ReLU after it only when <see cref="PioneerConfig.EncoderLastActivation"/>.
/// </summary>
public sealed class PioneerEncodeBlock : Module
{
    private readonly Conv2dLayer _conv1, _conv2;
    private readonly bool _lastActivation;

    public PioneerEncodeBlock(int level, int inChannels, int outChannels, PioneerConfig config, Init init)
    {
        _lastActivation = level > 0 || config.EncoderLastActivation;
        _conv1 = AddModule("conv_1", new Conv2dLayer(inChannels, outChannels, 3, 1, ConvWeighting.Spectral, init));
        _conv2 = AddModule("conv_2", level == 0
            ? new Conv2dLayer(outChannels, outChannels, 4, 0, ConvWeighting.Spectral, init)
            : new Conv2dLayer(outChannels, outChannels, 3, 1, ConvWeighting.Spectral, init));
    }

    public Tensor Forward(Tensor x) => _conv2.Forward(_conv1.Forward(x, leakyRelu: true), leakyRelu: _lastActivation);
}

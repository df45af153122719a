using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// StyleGAN2's residual image discriminator (config f; rosinality's Discriminator with phymhan's "lin2" head), which is
/// also AE-StyleGAN's encoder: 1×1 conv (ImageChannels → C_R) with √2·leaky ReLU; residual blocks R → 4
/// (<see cref="ResidualDownBlock"/>); [minibatch stddev, one channel]; 3×3 conv → C₄; flatten (C₄·16); linear → C₄
/// (√2·leaky ReLU); linear → outputs. D has one output and the stddev (group 4); E (paper §4.1) has no stddev and
/// StyleCount·L (W+) or L (W) outputs. x: (N, ImageChannels, R, R) → (N, outputs).
/// </summary>
public sealed class AeStyleGanDiscriminator : Module
{
    private readonly EqualizedConv2d _fromRgb, _finalConv;
    private readonly ResidualDownBlock[] _blocks;
    private readonly EqualizedLinear _hidden, _output;

    /// <param name="fir">the FIR down-sampling filter (gain 1); the caller owns it</param>
    /// <param name="stddevGroup">group size of the minibatch stddev, 0 for none (the encoder)</param>
    public AeStyleGanDiscriminator(AeStyleGanConfig config, Tensor fir, Init init, int outputs, int stddevGroup)
    {
        Config = config; Outputs = outputs; StddevGroup = stddevGroup;
        int r = config.Resolution, c4 = config.Channels(4);
        _fromRgb = AddModule("from_rgb", new EqualizedConv2d(config.ImageChannels, config.Channels(r), 1, init, gain: 1));
        _blocks = new ResidualDownBlock[config.Log2Resolution - 2];
        for (int k = 0; k < _blocks.Length; k++)
        {
            int res = r >> k;
            _blocks[k] = AddModule($"block_{res}", new ResidualDownBlock(config.Channels(res), config.Channels(res / 2), fir, init));
        }
        _finalConv = AddModule("final_conv", new EqualizedConv2d(c4 + (stddevGroup > 0 ? 1 : 0), c4, 3, init, gain: 1));
        _hidden = AddModule("fc", new EqualizedLinear(c4 * 16, c4, init, gain: 1));
        _output = AddModule("out", new EqualizedLinear(c4, outputs, init, gain: 1));
    }

    public AeStyleGanConfig Config { get; }
    public int Outputs { get; }
    public int StddevGroup { get; }

    public Tensor Forward(Tensor x) => Head(Trunk(x, null));

    /// <summary>
    /// The activations after the input layer and after each residual block ((N, C_r, r, r), r = R, R/2 … 4), without
    /// the head: the features of the d-features perceptual substitute.
    /// </summary>
    public IReadOnlyList<Tensor> Features(Tensor x)
    {
        var features = new List<Tensor>();
        Trunk(x, features);
        return features;
    }

    private Tensor Trunk(Tensor x, List<Tensor>? features)
    {
        int r = Config.Resolution;
        if (x.Rank != 4 || x.Shape[1] != Config.ImageChannels || x.Shape[2] != r || x.Shape[3] != r)
            throw new ArgumentException($"AE-StyleGAN {(StddevGroup > 0 ? "discriminator" : "encoder")} at {r}² takes images (N, {Config.ImageChannels}, {r}, {r}), got {x.Shape}");
        var h = _fromRgb.Forward(x, leakyRelu: true, LeakyReluGain.StyleGan2);
        features?.Add(h);
        foreach (var block in _blocks)
        {
            h = block.Forward(h);
            features?.Add(h);
        }
        return h;
    }

    private Tensor Head(Tensor h)
    {
        if (StddevGroup > 0) h = Op.MinibatchStddev(h, StddevGroup);
        h = _finalConv.Forward(h, leakyRelu: true, LeakyReluGain.StyleGan2);
        h = _hidden.Forward(Op.Reshape(h, h.Shape[0], h.Length / h.Shape[0]), leakyRelu: true, LeakyReluGain.StyleGan2);
        return _output.Forward(h);
    }
}

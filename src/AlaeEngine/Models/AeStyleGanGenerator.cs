using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// StyleGAN2's skip generator (config f): a learned 4×4 constant (N(0, 1) init) → styled 3×3 conv [style 0] → ToRGB
/// [1]; then for each resolution 8 … R: up-sampling styled conv [2k−1], styled conv [2k], ToRGB [2k+1] added to the
/// FIR-up-sampled image so far (the up conv and the previous ToRGB share a style index, as rosinality's). The output is
/// that sum, no tanh. styles: (N, StyleCount, L) → images (N, ImageChannels, R, R).
/// </summary>
public sealed class AeStyleGanGenerator : Module
{
    private readonly Tensor _upFir;
    private readonly StyledConv _conv4;
    private readonly ModulatedToRgb _toRgb4;
    private readonly StyledConv[] _ups, _convs;
    private readonly ModulatedToRgb[] _toRgbs;

    /// <param name="upFir">the FIR up-sampling filter (gain 4); the caller owns it</param>
    public AeStyleGanGenerator(AeStyleGanConfig config, Tensor upFir, Init init)
    {
        Config = config; _upFir = upFir;
        int c4 = config.Channels(4), l = config.LatentSize, img = config.ImageChannels, levels = config.Log2Resolution - 2;
        Const = AddParameter("const", new Shape(1, c4, 4, 4), s => init.Normal(s));
        _conv4 = AddModule("conv_4", new StyledConv(c4, c4, 3, l, init));
        _toRgb4 = AddModule("to_rgb_4", new ModulatedToRgb(c4, img, l, init));
        _ups = new StyledConv[levels]; _convs = new StyledConv[levels]; _toRgbs = new ModulatedToRgb[levels];
        for (int k = 0; k < levels; k++)
        {
            int res = 8 << k, cin = config.Channels(res / 2), cout = config.Channels(res);
            _ups[k] = AddModule($"up_{res}", new StyledConv(cin, cout, 3, l, init, upFir));
            _convs[k] = AddModule($"conv_{res}", new StyledConv(cout, cout, 3, l, init));
            _toRgbs[k] = AddModule($"to_rgb_{res}", new ModulatedToRgb(cout, img, l, init));
        }
    }

    public AeStyleGanConfig Config { get; }
    public Parameter Const { get; }

    /// <summary>
    /// The weights of G's last layer that AE-StyleGAN's adaptive weight differentiates with respect to (phymhan's
    /// get_last_layer): the last ToRGB's and the last styled conv's.
    /// </summary>
    public IReadOnlyList<Parameter> LastLayerWeights => _toRgbs.Length == 0 ? [_toRgb4.Weight, _conv4.Weight] : [_toRgbs[^1].Weight, _convs[^1].Weight];

    /// <summary>Noise from <paramref name="noise"/>, one (N, 1, H, W) map per styled conv in order; none when null.</summary>
    public Tensor Forward(Tensor styles, RandomStream? noise)
    {
        int n = Config.StyleCount, l = Config.LatentSize;
        if (styles.Rank != 3 || styles.Shape[1] != n || styles.Shape[2] != l)
            throw new ArgumentException($"AE-StyleGAN generator at {Config.Resolution}² takes styles (N, {n}, {l}), got {styles.Shape}");
        int b = styles.Shape[0];
        Tensor Style(int i) => Op.Reshape(Op.Slice(styles, 1, i, 1), b, l);
        var x = _conv4.Forward(Op.BroadcastTo(Const.Value, new Shape(b, Const.Shape[1], 4, 4)), Style(0), noise);
        var image = _toRgb4.Forward(x, Style(1), null, _upFir);
        for (int k = 0; k < _ups.Length; k++)
        {
            x = _ups[k].Forward(x, Style(2 * k + 1), noise);
            x = _convs[k].Forward(x, Style(2 * k + 2), noise);
            image = _toRgbs[k].Forward(x, Style(2 * k + 3), image, _upFir);
        }
        return image;
    }
}

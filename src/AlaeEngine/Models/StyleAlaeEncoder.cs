using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// The StyleALAE encoder: FromRGB at the current level, then blocks level … 0, w = Σ of every block's style
/// contributions (N, L). During a fade-in the new block's input branch is lerped with FromRGB_{level−1}(avgpool(x)) and
/// its own w contribution is scaled by blend, so at blend 0 the result is exactly the previous level's encoding of the
/// downsampled image.
/// </summary>
public sealed class StyleAlaeEncoder : Module
{
    private readonly StyleAlaeEncodeBlock[] _blocks;
    private readonly FromRgb[] _fromRgb;

    public StyleAlaeEncoder(StyleAlaeConfig config, Tensor blur, Init init)
    {
        Config = config;
        _blocks = new StyleAlaeEncodeBlock[config.LayerCount];
        _fromRgb = new FromRgb[config.LayerCount];
        for (int r = 0; r < config.LayerCount; r++)
            _fromRgb[r] = AddModule($"from_rgb_{r}", new FromRgb(config.ImageChannels, config.Channels(r), init));
        for (int r = 0; r < config.LayerCount; r++)
            _blocks[r] = AddModule($"block_{r}", new StyleAlaeEncodeBlock(r, config.Channels(r), config.EncoderOutChannels(r),
                config.LatentSize, config.Fused(r), blur, init));
    }

    public StyleAlaeConfig Config { get; }

    /// <summary>x: (N, ImageChannels, R, R), R = 4·2^level → w: (N, L).</summary>
    public Tensor Forward(Tensor x, int level, double blend)
    {
        var (h, w) = _blocks[level].Forward(_fromRgb[level].Forward(x));
        if (level > 0 && blend < 1)
        {
            // the (scaled) new contribution comes first, so at blend 0 the sum is ±0 + the previous level's sum exactly
            w = Op.Scale(w, blend);
            h = Op.Lerp(_fromRgb[level - 1].Forward(Op.AvgPool2x2(x)), h, blend);
        }
        for (int r = level - 1; r >= 0; r--)
        {
            var (next, wr) = _blocks[r].Forward(h);
            h = next;
            w = Op.Add(w, wr);
        }
        return w;
    }
}

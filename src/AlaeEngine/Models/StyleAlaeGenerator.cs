using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// The style-based G: a learned 4×4 constant (initialised to ones) through blocks 0 … level, then that level's ToRGB.
/// During a fade-in (blend &lt; 1) the output is lerp(upsample(toRGB_{level−1}(h)), toRGB_level(block_level(h)), blend),
/// h the output of block level−1; at blend 0 this is exactly the previous level's image, upsampled.
/// styles: one (N, L) tensor per style layer, at least 2·(level + 1); block i uses styles[2i] and styles[2i + 1].
/// </summary>
public sealed class StyleAlaeGenerator : Module
{
    private readonly StyleAlaeDecodeBlock[] _blocks;
    private readonly ToRgb[] _toRgb;

    public StyleAlaeGenerator(StyleAlaeConfig config, Tensor blur, Init init)
    {
        Config = config;
        Const = AddParameter("const", new Shape(1, config.Channels(0), 4, 4), init.Ones);
        _blocks = new StyleAlaeDecodeBlock[config.LayerCount];
        _toRgb = new ToRgb[config.LayerCount];
        for (int r = 0; r < config.LayerCount; r++)
        {
            int cin = config.Channels(Math.Max(0, r - 1)), cout = config.Channels(r);
            _blocks[r] = AddModule($"block_{r}", new StyleAlaeDecodeBlock(r, cin, cout, config.LatentSize, config.Fused(r), blur, init));
        }
        for (int r = 0; r < config.LayerCount; r++)
            _toRgb[r] = AddModule($"to_rgb_{r}", new ToRgb(config.Channels(r), config.ImageChannels, init));
    }

    public StyleAlaeConfig Config { get; }
    public Parameter Const { get; }

    /// <summary>Images (N, ImageChannels, R, R), R = 4·2^level; noise drawn from <paramref name="noise"/> in block order (none when null).</summary>
    public Tensor Forward(IReadOnlyList<Tensor> styles, int level, double blend, RandomStream? noise)
    {
        if (styles.Count < 2 * (level + 1))
            throw new ArgumentException($"generator level {level} needs {2 * (level + 1)} style inputs, got {styles.Count}");
        int n = styles[0].Shape[0];
        var x = Op.BroadcastTo(Const.Value, new Shape(n, Const.Shape[1], 4, 4));
        for (int r = 0; r < level; r++) x = _blocks[r].Forward(x, styles[2 * r], styles[2 * r + 1], noise);
        if (level == 0 || blend >= 1)
            return _toRgb[level].Forward(_blocks[level].Forward(x, styles[2 * level], styles[2 * level + 1], noise));
        var previous = Op.Upsample2x(_toRgb[level - 1].Forward(x));
        var current = _toRgb[level].Forward(_blocks[level].Forward(x, styles[2 * level], styles[2 * level + 1], noise));
        return Op.Lerp(previous, current, blend);
    }
}

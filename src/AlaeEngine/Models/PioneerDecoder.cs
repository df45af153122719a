using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// The Balanced PIONEER decoder (generator): the code (N, L) as (N, L, 1, 1) through blocks 0 … level with a nearest 2×
/// upsample before each block above 0, then that level's ToRGB (a plain 1×1 convolution with bias, no activation).
/// During a fade-in (blend &lt; 1) the output is lerp(upsample(ToRGB_{level−1}(h)), ToRGB_level(block_level(upsample(h))),
/// blend), h the output of block level−1. The reference applies ToRGB_{level−1} to the upsampled maps; a 1×1 convolution
/// commutes with nearest upsampling, so upsampling its 3-channel output is the same image at a quarter of the work.
/// At blend 0 the result is exactly the previous level's image, upsampled.
/// </summary>
public sealed class PioneerDecoder : Module
{
    private readonly PioneerDecodeBlock[] _blocks;
    private readonly Conv2dLayer[] _toRgb;

    public PioneerDecoder(PioneerConfig config, Init init)
    {
        Config = config;
        _blocks = new PioneerDecodeBlock[config.LayerCount];
        _toRgb = new Conv2dLayer[config.LayerCount];
        for (int r = 0; r < config.LayerCount; r++)
        {
            int cin = r == 0 ? config.LatentSize : config.Channels(r - 1);
            _blocks[r] = AddModule($"block_{r}", new PioneerDecodeBlock(r, cin, config.Channels(r), config, init));
        }
        for (int r = 0; r < config.LayerCount; r++)
            _toRgb[r] = AddModule($"to_rgb_{r}", new Conv2dLayer(config.Channels(r), config.ImageChannels, 1, 0, ConvWeighting.Default, init));
    }

    public PioneerConfig Config { get; }

    /// <summary>
    /// The parameters a pass at <paramref name="level"/> and <paramref name="blend"/> uses: blocks 0 … level, that level's
    /// ToRGB, and during a fade-in the level below's (the others get no gradient and are not stepped).
    /// </summary>
    public IEnumerable<Parameter> ParametersAt(int level, double blend)
    {
        var used = _blocks.Take(level + 1).Cast<Module>().Append(_toRgb[level]).ToList();
        if (level > 0 && blend < 1) used.Add(_toRgb[level - 1]);
        return used.SelectMany(m => m.Parameters());
    }

    /// <summary>z: (N, L) → images (N, ImageChannels, R, R), R = 4·2^level; blend in [0, 1], ignored at level 0.</summary>
    public Tensor Forward(Tensor z, int level, double blend)
    {
        if (z.Rank != 2 || z.Shape[1] != Config.LatentSize)
            throw new ArgumentException($"PIONEER decoder: codes must be (N, {Config.LatentSize}), got {z.Shape}");
        var h = _blocks[0].Forward(Op.Reshape(z, z.Shape[0], Config.LatentSize, 1, 1));
        for (int r = 1; r < level; r++) h = _blocks[r].Forward(Op.Upsample2x(h));
        if (level == 0) return _toRgb[0].Forward(h);
        var current = _toRgb[level].Forward(_blocks[level].Forward(Op.Upsample2x(h)));
        if (blend >= 1) return current;
        return Op.Lerp(Op.Upsample2x(_toRgb[level - 1].Forward(h)), current, blend);
    }
}

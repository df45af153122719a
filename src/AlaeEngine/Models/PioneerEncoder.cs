using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// The Balanced PIONEER encoder (also the adversary): FromRGB at the current level (a plain 1×1 convolution with bias,
/// no activation), then blocks level … 0 with a 2×2 average pool after each block above 0, and the (N, L) output projected
/// onto the unit sphere. During a fade-in the pooled output of the new block is lerped with FromRGB_{level−1}(avgpool(x)),
/// so at blend 0 the code is exactly the previous level's code of the downsampled image.
/// </summary>
public sealed class PioneerEncoder : Module
{
    private readonly PioneerEncodeBlock[] _blocks;
    private readonly Conv2dLayer[] _fromRgb;

    public PioneerEncoder(PioneerConfig config, Init init)
    {
        Config = config;
        _blocks = new PioneerEncodeBlock[config.LayerCount];
        _fromRgb = new Conv2dLayer[config.LayerCount];
        for (int r = 0; r < config.LayerCount; r++)
        {
            int cout = r == 0 ? config.LatentSize : config.Channels(r - 1);
            _blocks[r] = AddModule($"block_{r}", new PioneerEncodeBlock(r, config.Channels(r), cout, config, init));
        }
        for (int r = 0; r < config.LayerCount; r++)
            _fromRgb[r] = AddModule($"from_rgb_{r}", new Conv2dLayer(config.ImageChannels, config.Channels(r), 1, 0, ConvWeighting.Default, init));
    }

    public PioneerConfig Config { get; }

    /// <summary>
    /// The parameters a pass at <paramref name="level"/> and <paramref name="blend"/> uses: blocks 0 … level, that level's
    /// FromRGB, and during a fade-in the level below's (the others get no gradient and are not stepped).
    /// </summary>
    public IEnumerable<Parameter> ParametersAt(int level, double blend)
    {
        var used = _blocks.Take(level + 1).Cast<Module>().Append(_fromRgb[level]).ToList();
        if (level > 0 && blend < 1) used.Add(_fromRgb[level - 1]);
        return used.SelectMany(m => m.Parameters());
    }

    /// <summary>x: (N, ImageChannels, R, R), R = 4·2^level → codes (N, L) of unit length; blend in [0, 1], ignored at level 0.</summary>
    public Tensor Forward(Tensor x, int level, double blend)
    {
        int res = PioneerConfig.ResolutionAt(level);
        if (x.Rank != 4 || x.Shape[1] != Config.ImageChannels || x.Shape[2] != res || x.Shape[3] != res)
            throw new ArgumentException($"PIONEER encoder at level {level} takes (N, {Config.ImageChannels}, {res}, {res}) images, got {x.Shape}");
        var h = _fromRgb[level].Forward(x);
        for (int r = level; r >= 0; r--)
        {
            h = _blocks[r].Forward(h);
            if (r == 0) break;
            h = Op.AvgPool2x2(h);
            if (r == level && blend < 1) h = Op.Lerp(_fromRgb[level - 1].Forward(Op.AvgPool2x2(x)), h, blend);
        }
        return Op.SphereProject(Op.Reshape(h, x.Shape[0], Config.LatentSize));
    }
}

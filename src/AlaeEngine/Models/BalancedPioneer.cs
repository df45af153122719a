using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// Balanced PIONEER (Heljakka et al., WACV 2020; official code AaltoVision/balanced-pioneer): a progressively grown
/// autoencoder of two networks, the <see cref="PioneerDecoder"/> and the <see cref="PioneerEncoder"/>, the encoder also
/// being the adversary; codes live on the unit sphere. Progressive growing is state of the model (<see cref="SetLevel"/>),
/// so <see cref="Encode"/> and <see cref="Decode"/> work at whatever level and fade-in position is set.
/// Parameter paths start with "decoder." and "encoder."; the spectral-norm vectors are its <see cref="Module.NamedBuffers"/>.
/// </summary>
public sealed class BalancedPioneer : Module
{
    public BalancedPioneer(PioneerConfig config, Init init)
    {
        config.Validate();
        Config = config;
        Decoder = AddModule("decoder", new PioneerDecoder(config, init));
        Encoder = AddModule("encoder", new PioneerEncoder(config, init));
        Level = config.LayerCount - 1;
        Blend = 1;
    }

    public PioneerConfig Config { get; }
    public PioneerDecoder Decoder { get; }
    public PioneerEncoder Encoder { get; }
    public int LatentSize => Config.LatentSize;
    public IReadOnlyList<Parameter> DecoderParameters => Decoder.Parameters();
    public IReadOnlyList<Parameter> EncoderParameters => Encoder.Parameters();

    /// <summary>The encoder's parameters the current level and fade-in use (those the encoder step updates).</summary>
    public IReadOnlyList<Parameter> ActiveEncoderParameters => Encoder.ParametersAt(Level, Blend).ToList();
    /// <summary>The decoder's parameters the current level and fade-in use (those a generator step updates).</summary>
    public IReadOnlyList<Parameter> ActiveDecoderParameters => Decoder.ParametersAt(Level, Blend).ToList();

    /// <summary>Level of detail 0 … LayerCount−1 (the reference's phase; resolution 4·2^level); the model starts at the full resolution.</summary>
    public int Level { get; private set; }
    /// <summary>Fade-in position of the newest block in [0, 1] (the reference's alpha); 1 outside a transition and at level 0.</summary>
    public double Blend { get; private set; }
    public int CurrentResolution => PioneerConfig.ResolutionAt(Level);

    public void SetLevel(int level, double blend = 1)
    {
        if (level < 0 || level >= Config.LayerCount) throw new ArgumentOutOfRangeException(nameof(level), level, $"level must be in [0, {Config.LayerCount - 1}]");
        if (!(blend >= 0 && blend <= 1)) throw new ArgumentOutOfRangeException(nameof(blend), blend, "blend must be in [0, 1]");
        Level = level; Blend = level == 0 ? 1 : blend;
    }

    /// <summary>E: images (N, C, R, R) → codes (N, L) on the unit sphere. Advances the encoder's spectral-norm vectors.</summary>
    public Tensor Encode(Tensor x) => Encoder.Forward(x, Level, Blend);

    /// <summary>G: codes (N, L) → images (N, C, R, R) in [-1, 1] pixel units (not clamped). Advances the decoder's spectral-norm vectors.</summary>
    public Tensor Decode(Tensor z) => Decoder.Forward(z, Level, Blend);

    /// <summary>G(E(x)); x: (N, C, R, R).</summary>
    public Tensor Reconstruct(Tensor x) => Decode(Encode(x));

    /// <summary>n codes drawn N(0, I) and projected onto the unit sphere (the reference's populate_z with noise 'sphere'): (n, L).</summary>
    public Tensor SampleLatents(int n, RandomStream random, DType dtype, Device device)
        => Op.SphereProject(random.Normal(new Shape(n, LatentSize), dtype, device));
}

using System.Text.Json.Serialization;

namespace AlaeEngine.Models;

/// <summary>
/// Architecture of a StyleALAE (reference net.py formulas). Level r = 0 … LayerCount−1 works at resolution 4·2^r;
/// G's block r outputs <see cref="Channels"/>(r) channels, E's block r maps Channels(r) → <see cref="EncoderOutChannels"/>(r)
/// while halving the resolution (the 4×4 block too: its 2×2 output is discarded, only its style taps count).
/// </summary>
public sealed record StyleAlaeConfig : IAlaeLatentConfig
{
    public int Resolution { get; init; } = 32;
    public int ImageChannels { get; init; } = 1;
    public int StartChannels { get; init; } = 64;
    public int MaxChannels { get; init; } = 256;
    /// <summary>Size of Z and W, and the width of every F and D layer.</summary>
    public int LatentSize { get; init; } = 32;
    public int MappingLayers { get; init; } = 8;
    /// <summary>D depth: the reference's MappingD, linear layers without activations.</summary>
    public int DiscriminatorLayers { get; init; } = 3;
    /// <summary>Learning-rate multiplier of F and D (reference 0.1; StyleGAN 0.01).</summary>
    public double MappingLrMul { get; init; } = 0.1;
    /// <summary>G blocks producing, and E blocks consuming, at least this resolution use the fused stride-2 convolutions.</summary>
    public int FusedScaleMinResolution { get; init; } = 128;
    public double StyleMixingProbability { get; init; } = 0.9;
    /// <summary>Decay of the running average of w that truncation pulls towards.</summary>
    public double WAverageBeta { get; init; } = 0.995;

    // derived, so not saved with the configuration (a value read back could only disagree with Resolution)
    [JsonIgnore] public int LayerCount => Log2(Resolution) - 1;
    /// <summary>Number of style inputs of the full generator (two per block).</summary>
    [JsonIgnore] public int StyleLayers => 2 * LayerCount;
    public static int ResolutionAt(int level) => 4 << level;
    public int Channels(int level) => (int)Math.Min(MaxChannels, (long)StartChannels << (LayerCount - 1 - level));
    public int EncoderOutChannels(int level) => (int)Math.Min(MaxChannels, (long)StartChannels << (LayerCount - level));
    public bool Fused(int level) => ResolutionAt(level) >= FusedScaleMinResolution;

    public void Validate()
    {
        if (Resolution < 4 || (Resolution & (Resolution - 1)) != 0) throw new ArgumentException($"resolution must be a power of two ≥ 4, got {Resolution}");
        if (ImageChannels != 1 && ImageChannels != 3) throw new ArgumentException($"images must have 1 or 3 channels, got {ImageChannels}");
        if (StartChannels < 1 || MaxChannels < 1 || LatentSize < 1) throw new ArgumentException("channel counts and the latent size must be ≥ 1");
        if (MappingLayers < 1 || DiscriminatorLayers < 1) throw new ArgumentException("F and D need at least one layer each");
        if (StyleMixingProbability is < 0 or > 1) throw new ArgumentException($"style mixing probability must be in [0, 1], got {StyleMixingProbability}");
        if (WAverageBeta is < 0 or > 1) throw new ArgumentException($"w average beta must be in [0, 1], got {WAverageBeta}");
    }

    private static int Log2(int v) => 31 - int.LeadingZeroCount(v);
}

using AlaeEngine.Nn;

namespace AlaeEngine.Models;

/// <summary>
/// Architecture of a Balanced PIONEER autoencoder (official code, pioneer/model.py): plain PGGAN blocks, not the
/// residual blocks the paper's §3.1 describes. Level r = 0 … LayerCount−1 works at resolution 4·2^r; the decoder's
/// block r outputs <see cref="Channels"/>(r) channels, the encoder's block r maps Channels(r) → Channels(r − 1) at
/// resolution 4·2^r, then halves it; the 4×4 blocks connect to the latent (decoder: 4×4 conv, pad 3, on the 1×1 code;
/// encoder: 4×4 valid conv to the code). The reference's table for latent 512 at 256² is StartChannels 64, MaxChannels 512.
/// </summary>
public sealed record PioneerConfig
{
    public int Resolution { get; init; } = 32;
    public int ImageChannels { get; init; } = 3;
    /// <summary>Size of the codes on the unit sphere (the reference's nz + 1 label slot = 512, the slot unused).</summary>
    public int LatentSize { get; init; } = 512;
    /// <summary>Channels of the highest level's blocks; each level below doubles them up to <see cref="MaxChannels"/>.</summary>
    public int StartChannels { get; init; } = 64;
    public int MaxChannels { get; init; } = 512;

    /// <summary>
    /// The decoder's block convolutions: <see cref="ConvWeighting.Spectral"/> (Balanced PIONEER), or for the paper's
    /// ablation (--noSNG) <see cref="ConvWeighting.Default"/> or <see cref="ConvWeighting.Equalized"/> (--EQLR).
    /// The encoder's blocks are always spectrally normalised, ToRGB / FromRGB never.
    /// </summary>
    public ConvWeighting DecoderWeighting { get; init; } = ConvWeighting.Spectral;

    /// <summary>Pixel norm after each decoder block convolution, before its leaky ReLU (--PN; only without spectral norm, as the reference).</summary>
    public bool DecoderPixelNorm { get; init; }

    /// <summary>Leaky ReLU after the encoder's last (4×4) convolution, before the projection on the sphere (--e_last_relu; the released models use it).</summary>
    public bool EncoderLastActivation { get; init; }

    public int LayerCount => Log2(Resolution) - 1;
    public static int ResolutionAt(int level) => 4 << level;
    public int Channels(int level) => (int)Math.Min(MaxChannels, (long)StartChannels << (LayerCount - 1 - level));

    public void Validate()
    {
        if (Resolution < 4 || (Resolution & (Resolution - 1)) != 0) throw new ArgumentException($"PIONEER: resolution must be a power of two ≥ 4, got {Resolution}");
        if (ImageChannels != 1 && ImageChannels != 3) throw new ArgumentException($"PIONEER: images must have 1 or 3 channels, got {ImageChannels}");
        if (StartChannels < 1 || MaxChannels < 1) throw new ArgumentException($"PIONEER: channel counts must be ≥ 1, got start {StartChannels}, max {MaxChannels}");
        if (LatentSize < 2) throw new ArgumentException($"PIONEER: the latent size must be ≥ 2 (codes on a sphere), got {LatentSize}");
        if (DecoderPixelNorm && DecoderWeighting == ConvWeighting.Spectral)
            throw new ArgumentException("PIONEER: pixel norm in the decoder is the no-spectral-norm ablation (the reference ignores --PN with spectral norm); choose one");
    }

    private static int Log2(int v) => 31 - int.LeadingZeroCount(v);
}

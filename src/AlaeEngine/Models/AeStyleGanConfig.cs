using System.Text.Json.Serialization;
namespace AlaeEngine.Models;

/// <summary>What AE-StyleGAN's encoder predicts: one w for every style layer (W) or one per layer (W+).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AeStyleGanLatent>))] // by name in checkpoints
public enum AeStyleGanLatent { W, WPlus }

/// <summary>
/// Architecture of AE-StyleGAN (StyleGAN2 config-f as in rosinality's and phymhan's model.py): the skip generator G with
/// mapping F, the residual discriminator D, and the encoder E = D's trunk without minibatch stddev, its head predicting
/// W or W+. Feature maps at resolution r: min(<see cref="ChannelMax"/>, <see cref="ChannelBase"/>·cm / r) — with the
/// defaults 512 up to 32², then 256·cm at 64², 128·cm at 128², … (cm = <see cref="ChannelMultiplier"/>).
/// </summary>
public sealed record AeStyleGanConfig
{
    public int Resolution { get; init; } = 128;
    public int ImageChannels { get; init; } = 3;
    /// <summary>Size of Z and W (512 in the paper) and the width of F.</summary>
    public int LatentSize { get; init; } = 512;
    public int MappingLayers { get; init; } = 8;
    /// <summary>Learning-rate multiplier of F (StyleGAN2: 0.01).</summary>
    public double MappingLrMul { get; init; } = 0.01;
    public int ChannelMultiplier { get; init; } = 2;
    public int ChannelMax { get; init; } = 512;
    public int ChannelBase { get; init; } = 16384;
    public AeStyleGanLatent Latent { get; init; } = AeStyleGanLatent.WPlus;
    /// <summary>Group size of D's minibatch standard deviation (4); batches must be below it or a multiple of it.</summary>
    public int StddevGroup { get; init; } = 4;
    public double StyleMixingProbability { get; init; } = 0.9;

    public int Log2Resolution => 31 - int.LeadingZeroCount(Resolution);
    /// <summary>Number of style vectors G takes, n_latent = 2·log2(R) − 2 (12 at 128²): the size of W+.</summary>
    public int StyleCount => 2 * Log2Resolution - 2;
    /// <summary>Feature maps of G and D at resolution r (a power of two, 4 … Resolution).</summary>
    public int Channels(int resolution) => (int)Math.Min(ChannelMax, (long)ChannelBase * ChannelMultiplier / resolution);
    /// <summary>Outputs of E's head: StyleCount·LatentSize for W+, LatentSize for W.</summary>
    public int EncoderOutputs => Latent == AeStyleGanLatent.WPlus ? StyleCount * LatentSize : LatentSize;

    public void Validate()
    {
        if (Resolution < 4 || (Resolution & (Resolution - 1)) != 0) throw new ArgumentException($"resolution must be a power of two ≥ 4, got {Resolution}");
        if (ImageChannels != 1 && ImageChannels != 3) throw new ArgumentException($"images must have 1 or 3 channels, got {ImageChannels}");
        if (LatentSize < 1 || MappingLayers < 1) throw new ArgumentException($"latent size and mapping layers must be ≥ 1, got {LatentSize} and {MappingLayers}");
        if (!(MappingLrMul > 0)) throw new ArgumentException($"mapping learning-rate multiplier must be > 0, got {MappingLrMul}");
        if (ChannelMultiplier < 1 || ChannelMax < 1 || ChannelBase < 1) throw new ArgumentException("channel multiplier, cap and base must be ≥ 1");
        if (Channels(Resolution) < 1)
            throw new ArgumentException($"channel base {ChannelBase} × multiplier {ChannelMultiplier} leaves no feature maps at {Resolution}²");
        if (StddevGroup < 0) throw new ArgumentException($"minibatch stddev group must be ≥ 0 (0 = none), got {StddevGroup}");
        if (StyleMixingProbability is < 0 or > 1) throw new ArgumentException($"style mixing probability must be in [0, 1], got {StyleMixingProbability}");
    }
}

using AlaeEngine.Nn;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>Sizes of the permutation-invariant MNIST model (ALAE §7.1 and the reference's mnist_fc configuration).</summary>
public sealed record MlpAlaeConfig : IAlaeLatentConfig
{
    public int ImageSize { get; init; } = 784;
    public int LatentSize { get; init; } = 50;
    public int HiddenSize { get; init; } = 1024;
    /// <summary>F depth: 6 layers in the reference's mnist_fc.yaml (8 for the image configurations).</summary>
    public int MappingLayers { get; init; } = 6;
    /// <summary>D depth: the reference's MappingD, 3 layers without activations between them.</summary>
    public int DiscriminatorLayers { get; init; } = 3;
    /// <summary>Learning-rate multiplier of F and D layers (the reference uses 0.1; StyleGAN 0.01).</summary>
    public double MappingLrMul { get; init; } = 0.1;

    public void Validate()
    {
        if (ImageSize < 1 || LatentSize < 1 || HiddenSize < 1) throw new ArgumentException("image, latent and hidden sizes must be ≥ 1");
        if (MappingLayers < 1 || DiscriminatorLayers < 1) throw new ArgumentException("F and D need at least one layer each");
        if (!(MappingLrMul > 0)) throw new ArgumentException($"the learning-rate multiplier of F and D must be > 0, got {MappingLrMul}");
    }
}

/// <summary>
/// MLP-ALAE: E 784→1024→1024→50 (leaky ReLU after every layer, the last included, as the reference),
/// G 50→1024→1024→784 (leaky ReLU on hidden layers, linear output in [-1, 1] pixel units),
/// F = pixel norm then <see cref="MlpAlaeConfig.MappingLayers"/> × (linear 50→50, leaky ReLU),
/// D = <see cref="MlpAlaeConfig.DiscriminatorLayers"/> linear layers 50→50→…→1 with no activation.
/// </summary>
public sealed class MlpAlae : AlaeModel<Mlp, Mlp>
{
    public MlpAlae(MlpAlaeConfig config, Init init)
        : base(config, init,
            generator: () => new Mlp(new[] { config.LatentSize, config.HiddenSize, config.HiddenSize, config.ImageSize }, init),
            encoder: () => new Mlp(new[] { config.ImageSize, config.HiddenSize, config.HiddenSize, config.LatentSize }, init, activateLast: true))
    {
        Config = config;
    }

    public MlpAlaeConfig Config { get; }

    /// <summary>G: (N, L) → (N, ImageSize).</summary>
    public override Tensor Generate(Tensor w) => G.Forward(w);

    /// <summary>E: (N, ImageSize) → (N, L).</summary>
    public override Tensor Encode(Tensor x) => E.Forward(x);
}

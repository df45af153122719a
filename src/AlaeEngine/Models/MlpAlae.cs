using AlaeEngine.Nn;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>Sizes of the permutation-invariant MNIST model (ALAE §7.1 and the reference's mnist_fc configuration).</summary>
public sealed record MlpAlaeConfig
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
public sealed class MlpAlae : Module, IAlaeModel
{
    public MlpAlae(MlpAlaeConfig config, Init init)
    {
        Config = config;
        int l = config.LatentSize, h = config.HiddenSize;
        F = AddModule("mapping_f", new Mlp(Enumerable.Repeat(l, config.MappingLayers + 1).ToArray(), init,
            activateLast: true, lrMul: config.MappingLrMul, pixelNormInput: true));
        G = AddModule("decoder", new Mlp(new[] { l, h, h, config.ImageSize }, init));
        E = AddModule("encoder", new Mlp(new[] { config.ImageSize, h, h, l }, init, activateLast: true));
        var dWidths = Enumerable.Repeat(l, config.DiscriminatorLayers).Append(1).ToArray();
        D = AddModule("mapping_d", new Mlp(dWidths, init, activateHidden: false, lrMul: config.MappingLrMul));
    }

    public MlpAlaeConfig Config { get; }
    public Mlp F { get; }
    public Mlp G { get; }
    public Mlp E { get; }
    public Mlp D { get; }
    public int LatentSize => Config.LatentSize;
    public IReadOnlyList<Parameter> MappingParameters => F.Parameters();
    public IReadOnlyList<Parameter> GeneratorParameters => G.Parameters();
    public IReadOnlyList<Parameter> EncoderParameters => E.Parameters();
    public IReadOnlyList<Parameter> DiscriminatorParameters => D.Parameters();

    public Tensor Map(Tensor z) => F.Forward(z);
    public Tensor Generate(Tensor w) => G.Forward(w);
    public Tensor Encode(Tensor x) => E.Forward(x);
    public Tensor Discriminate(Tensor w) => D.Forward(w);
}

using AlaeEngine.Nn;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>The sizes of the latent-space networks every ALAE model has (F and D), from its configuration.</summary>
public interface IAlaeLatentConfig
{
    /// <summary>Size of Z and W, and the width of every F and D layer.</summary>
    int LatentSize { get; }
    int MappingLayers { get; }
    int DiscriminatorLayers { get; }
    /// <summary>Learning-rate multiplier of F and D.</summary>
    double MappingLrMul { get; }
}

/// <summary>
/// What the ALAE models share around their own G and E: F = pixel norm, then MappingLayers × (linear L→L, leaky ReLU),
/// and D = DiscriminatorLayers linear layers L → … → L → 1 without activations (the reference's MappingD), both at
/// MappingLrMul; and the parameter groups of <see cref="IAlaeModel"/>. The networks are added in the order F, G, E, D,
/// which fixes the parameter names ("mapping_f.", "decoder.", "encoder.", "mapping_d.") and each parameter's
/// <see cref="Init"/> stream, so G and E come from factories the base calls in between.
/// </summary>
public abstract class AlaeModel<TGenerator, TEncoder> : Module, IAlaeModel
    where TGenerator : Module
    where TEncoder : Module
{
    protected AlaeModel(IAlaeLatentConfig config, Init init, Func<TGenerator> generator, Func<TEncoder> encoder)
    {
        int l = config.LatentSize;
        LatentSize = l;
        F = AddModule("mapping_f", new Mlp(Enumerable.Repeat(l, config.MappingLayers + 1).ToArray(), init,
            activateLast: true, lrMul: config.MappingLrMul, pixelNormInput: true));
        G = AddModule("decoder", generator());
        E = AddModule("encoder", encoder());
        D = AddModule("mapping_d", new Mlp(Enumerable.Repeat(l, config.DiscriminatorLayers).Append(1).ToArray(), init,
            activateHidden: false, lrMul: config.MappingLrMul));
    }

    public Mlp F { get; }
    public TGenerator G { get; }
    public TEncoder E { get; }
    public Mlp D { get; }
    public int LatentSize { get; }
    public IReadOnlyList<Parameter> MappingParameters => F.Parameters();
    public IReadOnlyList<Parameter> GeneratorParameters => G.Parameters();
    public IReadOnlyList<Parameter> EncoderParameters => E.Parameters();
    public IReadOnlyList<Parameter> DiscriminatorParameters => D.Parameters();

    /// <summary>F: (N, L) → (N, L).</summary>
    public Tensor Map(Tensor z) => F.Forward(z);

    /// <summary>D: (N, L) → (N, 1).</summary>
    public Tensor Discriminate(Tensor w) => D.Forward(w);

    public abstract Tensor Generate(Tensor w);
    public abstract Tensor Encode(Tensor x);
}

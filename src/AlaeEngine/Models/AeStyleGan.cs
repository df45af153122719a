using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// AE-StyleGAN (Han et al. 2021; phymhan/stylegan2-pytorch): F = pixel norm + MappingLayers × (linear with lrMul 0.01,
/// √2·leaky ReLU); G = <see cref="AeStyleGanGenerator"/>; E and D = <see cref="AeStyleGanDiscriminator"/> (E without
/// minibatch stddev, its head to W or W+); D2, a second discriminator of D's architecture, for the decoupled variant
/// (the paper's Algorithm 1). Codes: z, w: (N, L); styles (W+ as G takes it): (N, StyleCount, L); images (N, C, R, R)
/// in [-1, 1] pixel units.
/// </summary>
public sealed class AeStyleGan : Module
{
    private readonly Tensor _fir, _upFir;

    public AeStyleGan(AeStyleGanConfig config, Init init, bool secondDiscriminator = false)
    {
        config.Validate();
        Config = config;
        _fir = TensorScope.Unscoped(() => Fir.Kernel(Fir.StyleGan2Taps, 1, init.DType, init.Device));
        _upFir = TensorScope.Unscoped(() => Fir.Kernel(Fir.StyleGan2Taps, 4, init.DType, init.Device));
        F = AddModule("mapping", CreateMapping(config, init));
        G = AddModule("generator", new AeStyleGanGenerator(config, _upFir, init));
        E = AddModule("encoder", new AeStyleGanDiscriminator(config, _fir, init, config.EncoderOutputs, stddevGroup: 0));
        D = AddModule("discriminator", new AeStyleGanDiscriminator(config, _fir, init, 1, config.StddevGroup));
        if (secondDiscriminator)
            D2 = AddModule("discriminator2", new AeStyleGanDiscriminator(config, _fir, init, 1, config.StddevGroup));
    }

    public AeStyleGanConfig Config { get; }
    public Mlp F { get; }
    public AeStyleGanGenerator G { get; }
    public AeStyleGanDiscriminator E { get; }
    public AeStyleGanDiscriminator D { get; }
    /// <summary>The decoupled variant's discriminator of reconstructions (real against G(E(x))); null in the joint one.</summary>
    public AeStyleGanDiscriminator? D2 { get; }

    public IReadOnlyList<Parameter> MappingParameters => F.Parameters();
    public IReadOnlyList<Parameter> GeneratorParameters => G.Parameters();
    public IReadOnlyList<Parameter> EncoderParameters => E.Parameters();
    public IReadOnlyList<Parameter> DiscriminatorParameters => D.Parameters();
    public IReadOnlyList<Parameter> Discriminator2Parameters => D2?.Parameters() ?? [];

    /// <summary>AE-StyleGAN's F alone (the model's "mapping" module): z: (N, L) → w: (N, L).</summary>
    public static Mlp CreateMapping(AeStyleGanConfig config, Init init)
        => new(Enumerable.Repeat(config.LatentSize, config.MappingLayers + 1).ToArray(), init, activateLast: true,
            lrMul: config.MappingLrMul, pixelNormInput: true, gain: 1, activationGain: LeakyReluGain.StyleGan2);

    /// <summary>w = F(z); z, w: (N, L).</summary>
    public Tensor Map(Tensor z) => F.Forward(z);

    /// <summary>The same w on every style layer: (N, L) → (N, StyleCount, L).</summary>
    public Tensor Broadcast(Tensor w) => Repeat(w, Config.StyleCount);

    /// <summary>
    /// StyleGAN2's style mixing: w1 on style layers [0, injectIndex), w2 on [injectIndex, StyleCount).
    /// w1, w2: (N, L) → (N, StyleCount, L).
    /// </summary>
    public Tensor Mix(Tensor w1, Tensor w2, int injectIndex)
    {
        int n = Config.StyleCount;
        if (injectIndex < 1 || injectIndex >= n) throw new ArgumentOutOfRangeException(nameof(injectIndex), injectIndex, $"inject index must be in [1, {n - 1}]");
        return Op.Concat(1, Repeat(w1, injectIndex), Repeat(w2, n - injectIndex));
    }

    /// <summary>
    /// Styles of a training generation (phymhan's mixing_noise + Generator.forward): z ~ N(0, I), and with probability
    /// StyleMixingProbability a second z and an inject index uniform in [1, StyleCount − 1] for the whole batch.
    /// Draws two uniforms and the z's from <paramref name="random"/>, in that order. → (batch, StyleCount, L).
    /// </summary>
    public Tensor SampleStyles(int batch, RandomStream random, DType dtype, Device device, bool mix = true)
    {
        var u = random.Uniform(new Shape(2), DType.Float64).ToDoubleArray();
        var shape = new Shape(batch, Config.LatentSize);
        var w1 = Map(random.Normal(shape, dtype, device));
        if (!mix || Config.StyleCount < 2 || !(u[0] < Config.StyleMixingProbability)) return Broadcast(w1);
        int inject = 1 + Math.Min(Config.StyleCount - 2, (int)(u[1] * (Config.StyleCount - 1)));
        return Mix(w1, Map(random.Normal(shape, dtype, device)), inject);
    }

    /// <summary>G: styles (N, StyleCount, L) → images; noise from <paramref name="noise"/> (none when null).</summary>
    public Tensor Generate(Tensor styles, RandomStream? noise) => G.Forward(styles, noise);

    /// <summary>E's code: (N, L) in W, (N, StyleCount, L) in W+.</summary>
    public Tensor Encode(Tensor x)
    {
        var code = E.Forward(x);
        return Config.Latent == AeStyleGanLatent.WPlus ? Op.Reshape(code, code.Shape[0], Config.StyleCount, Config.LatentSize) : code;
    }

    /// <summary>The styles G takes for a code of E: a W code on every layer, a W+ code as it is. → (N, StyleCount, L).</summary>
    public Tensor StylesOf(Tensor code) => code.Rank == 2 ? Broadcast(code) : code;

    /// <summary>G(E(x)), the reconstruction; x: (N, C, R, R).</summary>
    public Tensor Reconstruct(Tensor x, RandomStream? noise) => Generate(StylesOf(Encode(x)), noise);

    /// <summary>D's logits (N, 1).</summary>
    public Tensor Discriminate(Tensor x) => D.Forward(x);

    // w: (N, L) → (N, count, L)
    private Tensor Repeat(Tensor w, int count)
    {
        if (w.Rank != 2 || w.Shape[1] != Config.LatentSize)
            throw new ArgumentException($"AE-StyleGAN: w must be (N, {Config.LatentSize}), got {w.Shape}");
        return Op.BroadcastTo(Op.Reshape(w, w.Shape[0], 1, Config.LatentSize), new Shape(w.Shape[0], count, Config.LatentSize));
    }

    public override void Dispose()
    {
        base.Dispose();
        _fir.Dispose();
        _upFir.Dispose();
    }
}

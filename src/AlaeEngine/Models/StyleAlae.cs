using AlaeEngine.Autograd;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// StyleALAE (ALAE §5; reference net.py/model.py): F = pixel norm + MappingLayers × (linear, lReLU) with lrMul 0.1,
/// G = <see cref="StyleAlaeGenerator"/>, E = <see cref="StyleAlaeEncoder"/>, D = DiscriminatorLayers linear layers
/// (lrMul 0.1, no activation) L → … → 1. Progressive growing is state of the model (<see cref="SetLevel"/>), so the
/// <see cref="IAlaeModel"/> calls — and <see cref="Training.AlaeAlgorithm"/> — work at whatever level is set:
/// images are (N, ImageChannels, R, R) with R = <see cref="CurrentResolution"/>.
/// </summary>
public sealed class StyleAlae : AlaeModel<StyleAlaeGenerator, StyleAlaeEncoder>, IStyleAlaeModel
{
    private readonly Tensor _blur;

    public StyleAlae(StyleAlaeConfig config, Init init)
        : this(Validated(config), init, TensorScope.Unscoped(() => Op.BlurFilter(init.DType, init.Device)))
    {
    }

    // G and E share the [1, 2, 1] blur filter
    private StyleAlae(StyleAlaeConfig config, Init init, Tensor blur)
        : base(config, init, generator: () => new StyleAlaeGenerator(config, blur, init), encoder: () => new StyleAlaeEncoder(config, blur, init))
    {
        Config = config;
        _blur = blur;
        // the reference's dlatent_avg starts at zero; one vector, since every style layer receives the same update
        WAverage = TensorScope.Unscoped(() => Tensor.Zeros(new Shape(LatentSize), init.DType, init.Device));
        Level = config.LayerCount - 1;
        Blend = 1;
    }

    private static StyleAlaeConfig Validated(StyleAlaeConfig config)
    {
        config.Validate();
        return config;
    }

    public StyleAlaeConfig Config { get; }

    /// <summary>Level of detail 0 … LayerCount−1 (resolution 4·2^level); the model starts at the full resolution.</summary>
    public int Level { get; private set; }
    /// <summary>Fade-in position of the newest block, in [0, 1]; 1 outside a transition.</summary>
    public double Blend { get; private set; }
    public int CurrentResolution => StyleAlaeConfig.ResolutionAt(Level);

    /// <summary>Running average of w (L) that truncation pulls towards; updated by <see cref="GenerateForTraining"/>.</summary>
    public Tensor WAverage { get; }

    /// <summary>Per-pixel noise for <see cref="Generate"/>, <see cref="GenerateStyles"/> callers and <see cref="Sample"/>; none when null.</summary>
    public RandomStream? Noise { get; set; }

    public void SetLevel(int level, double blend = 1)
    {
        if (level < 0 || level >= Config.LayerCount) throw new ArgumentOutOfRangeException(nameof(level), level, $"level must be in [0, {Config.LayerCount - 1}]");
        if (!(blend >= 0 && blend <= 1)) throw new ArgumentOutOfRangeException(nameof(blend), blend, "blend must be in [0, 1]");
        Level = level; Blend = level == 0 ? 1 : blend;
    }

    /// <summary>G with w on every style layer; w: (N, L) → (N, C, R, R).</summary>
    public override Tensor Generate(Tensor w) => GenerateStyles(Enumerable.Repeat(w, 2 * (Level + 1)).ToArray(), Noise);

    /// <summary>G with one w (N, L) per style layer (at least 2·(Level + 1)).</summary>
    public Tensor GenerateStyles(IReadOnlyList<Tensor> styles, RandomStream? noise) => G.Forward(styles, Level, Blend, noise);

    /// <summary>E: (N, C, R, R) → (N, L).</summary>
    public override Tensor Encode(Tensor x)
    {
        int r = CurrentResolution;
        if (x.Rank != 4 || x.Shape[1] != Config.ImageChannels || x.Shape[2] != r || x.Shape[3] != r)
            throw new ArgumentException($"StyleALAE at level {Level} encodes (N, {Config.ImageChannels}, {r}, {r}) images, got {x.Shape}");
        return E.Forward(x, Level, Blend);
    }

    /// <summary>G(E(x)), the reconstruction; x: (N, C, R, R).</summary>
    public Tensor Reconstruct(Tensor x) => Generate(Encode(x));

    public Tensor GenerateForTraining(Tensor w, RandomStream random, bool mix)
    {
        UpdateWAverage(w);
        int layers = 2 * (Level + 1);
        var styles = Enumerable.Repeat(w, layers).ToArray();
        if (mix && Config.StyleMixingProbability > 0)
        {
            var u = random.Uniform(new Shape(2), DType.Float64).ToDoubleArray();
            if (u[0] < Config.StyleMixingProbability)
            {
                var w2 = Map(random.Normal(w.Shape, w.DType, w.Device));
                int cutoff = 1 + Math.Min(layers - 1, (int)(u[1] * layers)); // uniform in [1, layers]; layers = no visible mix
                for (int i = cutoff; i < layers; i++) styles[i] = w2;
            }
        }
        return GenerateStyles(styles, random);
    }

    /// <summary>WAverage ← lerp(WAverage, mean_b(w), 1 − β); outside the tape. w: (N, L).</summary>
    public void UpdateWAverage(Tensor w)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var mean = Op.Reshape(Op.Mean(w, 0), LatentSize);
        WAverage.Kernels.LerpInPlace([(WAverage, mean)], 1 - Config.WAverageBeta);
    }

    /// <summary>
    /// Generation with the truncation trick: w = F(z) pulled towards <paramref name="wAverage"/> (the training model's, when
    /// sampling from an EMA copy) by ψ on the first <paramref name="cutoff"/> style layers. z: (N, L) → images.
    /// </summary>
    public Tensor Sample(Tensor z, Tensor wAverage, double psi = 0.7, int cutoff = 8)
    {
        var w = Map(z);
        var truncated = Op.Lerp(wAverage, w, psi);
        var styles = Enumerable.Range(0, 2 * (Level + 1)).Select(i => i < cutoff ? truncated : w).ToArray();
        return GenerateStyles(styles, Noise);
    }

    public override void Dispose()
    {
        base.Dispose();
        _blur.Dispose();
        WAverage.Dispose();
    }
}

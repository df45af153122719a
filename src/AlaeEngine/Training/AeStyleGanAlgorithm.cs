using AlaeEngine.Autograd;
using AlaeEngine.Losses;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Training;

/// <summary>
/// The losses of one AE-StyleGAN iteration as phymhan's train_aegan.py logs them: D's total loss, the raw R1 penalty
/// (on R1 iterations only), D₂'s loss and R1 penalty (decoupled mode), the E step's total and its parts (pixel,
/// perceptual, unweighted adversarial), G's unweighted non-saturating loss, the raw path-length penalty (on path-length
/// iterations only), the adaptive weight β the E step used and the path-length running mean. With several E steps
/// per iteration, the last one's.
/// </summary>
public sealed record AeStyleGanLosses(double Discriminator, double? R1, double? Discriminator2, double? R1Second, double Encoder, double Pixel,
    double? Perceptual, double Adversarial, double Generator, double? PathLength, double AdaptiveWeight, double PathLengthMean)
{
    /// <summary>The losses under their metrics.jsonl names; those an iteration did not compute are left out.</summary>
    public IEnumerable<KeyValuePair<string, double>> Named()
    {
        yield return new("d", Discriminator);
        if (R1 is { } r1) yield return new("r1", r1);
        if (Discriminator2 is { } d2) yield return new("d2", d2);
        if (R1Second is { } r1b) yield return new("d2_r1", r1b);
        yield return new("ae", Encoder);
        yield return new("pix", Pixel);
        if (Perceptual is { } p) yield return new("perceptual", p);
        yield return new("adv", Adversarial);
        yield return new("g", Generator);
        if (PathLength is { } pl) yield return new("pl", pl);
    }

    /// <summary>"D 1.234 AE 0.0567 (pix 0.0512) G 0.987 β 1.00" and the parts an iteration computed.</summary>
    public string Describe()
        => $"D {Discriminator:F3}{(Discriminator2 is { } d2 ? $" D2 {d2:F3}" : "")} AE {Encoder:F4} (pix {Pixel:F4}" +
           $"{(Perceptual is { } p ? $" perc {p:F4}" : "")} adv {Adversarial:F3}) G {Generator:F3} β {AdaptiveWeight:G3}" +
           $"{(R1 is { } r1 ? $" R1 {r1:F4}" : "")}{(PathLength is { } pl ? $" PL {pl:F4}" : "")}";
}

/// <summary>
/// One AE-StyleGAN iteration as phymhan's train_aegan.py runs it (spec §1.2), on real batches x₀ … x_{e−1} (e = the
/// preset's E steps) and iteration index i, every random draw from one stream in a fixed order:
///   1. D step (G, E frozen): sp(−D(x₀)) + λ_fake_d·sp(D(G(F(z)))) [+ λ_rec_d·sp(D(G(E(x₀)))) in joint mode], z mixed.
///   2. Lazy R1 when i mod interval = 0: its own D step on x₀, loss (γ/2)·interval·penalty.
///   3. Decoupled mode: D₂ step per x_k: sp(−D₂(x_k)) + sp(D₂(G(E(x_k)))); then lazy R1 of D₂ on x_{e−1}.
///   4. E step per x_k: x̂ = G(E(x_k)); L = λ_pix·pixel + λ_perc·perceptual + β·λ_adv·sp(−D̃(x̂)), D̃ = D (joint) or D₂
///      (decoupled), frozen; β the adaptive weight from its start iteration (1 before). Joint: E and G step (E first);
///      decoupled: E only. F gets no gradient here.
///   5. G step (D frozen): λ_fake_g·sp(−D(G(F(z)))), z mixed; G and F step.
///   6. Path length when on and i mod interval = 0: batch/shrink, z mixed, loss weight·interval·penalty; G and F step.
/// Optimizers (Adam β₁ 0): G and F at lr·r_G, β₂ 0.99^r_G (r_G = k/(k+1) with path length every k, else 1); E at lr,
/// β₂ 0.99; D and D₂ at lr·r_D, β₂ 0.99^r_D, r_D = 16/17 for R1 every 16 (StyleGAN2's lazy regularisation). G and F
/// have one Adam each, so each parameter's bias correction counts its own updates as torch's does (F is not updated
/// by the E step). The EMA of G, F and E is the trainer's.
/// </summary>
public sealed class AeStyleGanAlgorithm : IDisposable
{
    private readonly AeStyleGan _model;
    private readonly AeStyleGanPreset _preset;
    private readonly IPerceptualLoss? _perceptual;
    private readonly Adam _generatorOpt, _mappingOpt, _encoderOpt, _discriminatorOpt;
    private readonly Adam? _discriminator2Opt;
    private readonly Tensor[] _dParams, _d2Params, _eParams, _eStepParams, _gfParams, _lastLayer;

    /// <param name="model">built with the second discriminator when the preset's mode is decoupled.</param>
    /// <param name="perceptual">the perceptual term of the reconstruction loss, null for none.</param>
    public AeStyleGanAlgorithm(AeStyleGan model, AeStyleGanPreset preset, IPerceptualLoss? perceptual)
    {
        preset.Validate();
        bool decoupled = preset.Mode == AeStyleGanMode.Decoupled;
        if (decoupled != (model.D2 != null))
            throw new ArgumentException($"preset {preset.Name}: the {preset.Mode} mode needs a model {(decoupled ? "with" : "without")} the second discriminator");
        if ((preset.Perceptual == PerceptualKind.None) != (perceptual == null))
            throw new ArgumentException($"preset {preset.Name}: perceptual term {preset.Perceptual}, but {(perceptual == null ? "no" : "a")} perceptual loss was given");
        _model = model; _preset = preset; _perceptual = perceptual;
        double dRatio = preset.R1Interval / (preset.R1Interval + 1.0);
        double gRatio = preset.PathLengthWeight > 0 ? preset.PathLengthInterval / (preset.PathLengthInterval + 1.0) : 1;
        Adam Of(IReadOnlyList<Parameter> ps, double ratio) => new(ps, preset.LearningRate * ratio, Math.Pow(0.99, ratio));
        _generatorOpt = Of(model.GeneratorParameters, gRatio);
        _mappingOpt = Of(model.MappingParameters, gRatio);
        _encoderOpt = Of(model.EncoderParameters, 1);
        _discriminatorOpt = Of(model.DiscriminatorParameters, dRatio);
        if (decoupled) _discriminator2Opt = Of(model.Discriminator2Parameters, dRatio);
        static Tensor[] Values(params IReadOnlyList<Parameter>[] groups) => groups.SelectMany(g => g).Select(p => p.Value).ToArray();
        _dParams = Values(model.DiscriminatorParameters);
        _d2Params = Values(model.Discriminator2Parameters);
        _eParams = Values(model.EncoderParameters);
        _eStepParams = decoupled ? _eParams : Values(model.EncoderParameters, model.GeneratorParameters);
        _gfParams = Values(model.GeneratorParameters, model.MappingParameters);
        _lastLayer = Values(model.G.LastLayerWeights);
    }

    /// <summary>
    /// The perceptual term of a preset: VGG16 on <paramref name="vgg"/> (the caller owns it), feature matching on the
    /// discriminator that judges reconstructions (D in joint mode, D₂ in decoupled), or none.
    /// </summary>
    public static IPerceptualLoss? PerceptualLoss(PerceptualKind kind, AeStyleGan model, Vgg16? vgg) => kind switch
    {
        PerceptualKind.Vgg16 => new Vgg16PerceptualLoss(vgg ?? throw new ArgumentException("the VGG16 perceptual term needs the network")),
        PerceptualKind.DFeatures => new DiscriminatorFeatureLoss(model.D2 ?? model.D),
        _ => null,
    };

    /// <summary>The Adam groups by checkpoint name.</summary>
    public IReadOnlyDictionary<string, Adam> Optimizers
    {
        get
        {
            var all = new Dictionary<string, Adam>
            {
                ["generator"] = _generatorOpt, ["mapping"] = _mappingOpt, ["encoder"] = _encoderOpt, ["discriminator"] = _discriminatorOpt,
            };
            if (_discriminator2Opt != null) all["discriminator2"] = _discriminator2Opt;
            return all;
        }
    }

    /// <summary>Real batches one iteration takes (phymhan's n_step_max: one per E step, the D step uses the first).</summary>
    public int RealBatches => _preset.EncoderSteps;

    /// <summary>The path-length penalty's running mean a (0 at the start, as the official code); checkpointed.</summary>
    public double PathLengthMean { get; set; }

    /// <summary>The adaptive weight β of the last E step (1 before the adaptive weight starts); logged and checkpointed.</summary>
    public double AdaptiveWeightValue { get; set; } = 1;

    /// <summary>
    /// One iteration at iteration index <paramref name="iteration"/> (counted from 0) on <see cref="RealBatches"/> real
    /// batches (N, C, R, R) in [-1, 1]. Runs in its own tensor scope; the losses stay on the device until the whole
    /// iteration is queued and are then read in one copy.
    /// </summary>
    public AeStyleGanLosses Step(IReadOnlyList<Tensor> real, long iteration, RandomStream random)
    {
        if (real.Count != RealBatches) throw new ArgumentException($"AE-StyleGAN: {RealBatches} real batches per iteration, got {real.Count}");
        using var scope = TensorScope.Begin();
        var p = _preset;
        var x0 = real[0];
        var d = DiscriminatorStep(x0, random);
        Tensor? r1 = RegularizeNow(iteration, p.R1Interval) && p.R1Gamma > 0 ? R1Step(_model.D, _dParams, _discriminatorOpt, x0) : null;
        Tensor? d2 = null, r1Second = null;
        if (_model.D2 is { } d2Net)
        {
            foreach (var x in real) d2 = Discriminator2Step(d2Net, x, random);
            if (RegularizeNow(iteration, p.R1Interval) && p.R1Gamma > 0) r1Second = R1Step(d2Net, _d2Params, _discriminator2Opt!, real[^1]);
        }
        EncoderStepLosses e = default;
        foreach (var x in real) e = EncoderStep(x, iteration, random);
        var g = GeneratorStep(x0, random);
        Tensor? pl = null, plMean = null;
        if (p.PathLengthWeight > 0 && RegularizeNow(iteration, p.PathLengthInterval)) (pl, plMean) = PathLengthStep(x0, random);

        using var noGrad = GradMode.NoGrad();
        var zero = Tensor.Scalar(0, x0.DType, x0.Device);
        var parts = new[] { d, r1 ?? zero, d2 ?? zero, r1Second ?? zero, e.Total, e.Pixel, e.Perceptual ?? zero, e.Adversarial, g, pl ?? zero, e.Beta, plMean ?? zero };
        var v = Op.Concat(0, parts.Select(t => Op.Reshape(t, 1)).ToArray()).ToDoubleArray();
        AdaptiveWeightValue = v[10];
        if (plMean != null) PathLengthMean = v[11];
        return new AeStyleGanLosses(v[0], r1 != null ? v[1] : null, d2 != null ? v[2] : null, r1Second != null ? v[3] : null, v[4], v[5],
            e.Perceptual != null ? v[6] : null, v[7], v[8], pl != null ? v[9] : null, AdaptiveWeightValue, PathLengthMean);
    }

    // StyleGAN2's lazy regularisation: iterations 0, k, 2k, … (the official code's i % k == 0, i from 0)
    private static bool RegularizeNow(long iteration, int interval) => iteration % interval == 0;

    // each step returns its loss tensors (0-d, on the device; their graph is already used and freed)
    private Tensor DiscriminatorStep(Tensor x, RandomStream random)
    {
        int b = x.Shape[0];
        Tensor fake, reconstruction = null!;
        bool withReconstructions = _preset.Mode == AeStyleGanMode.Joint && _preset.ReconstructionWeightD > 0;
        using (GradMode.NoGrad())
        {
            fake = _model.Generate(_model.SampleStyles(b, random, x.DType, x.Device), random);
            if (withReconstructions) reconstruction = _model.Reconstruct(x, random);
        }
        var fakeLogits = _model.Discriminate(fake);
        var realLogits = _model.Discriminate(x);
        var loss = withReconstructions
            ? GanLoss.Discriminator(realLogits, fakeLogits, _preset.FakeWeightD, _model.Discriminate(reconstruction), _preset.ReconstructionWeightD)
            : GanLoss.Discriminator(realLogits, fakeLogits, _preset.FakeWeightD);
        AG.Backward(loss, _dParams);
        _discriminatorOpt.Step();
        return loss;
    }

    // the raw penalty (logged as the official code's r1); the update uses (γ/2)·interval·penalty
    private Tensor R1Step(AeStyleGanDiscriminator discriminator, Tensor[] parameters, Adam optimizer, Tensor x)
    {
        var (penalty, _) = R1Penalty.Compute(discriminator.Forward, x);
        AG.Backward(R1Penalty.LazyLoss(penalty, _preset.R1Gamma, _preset.R1Interval), parameters);
        optimizer.Step();
        return penalty;
    }

    private Tensor Discriminator2Step(AeStyleGanDiscriminator d2, Tensor x, RandomStream random)
    {
        Tensor reconstruction;
        using (GradMode.NoGrad()) reconstruction = _model.Reconstruct(x, random);
        var reconstructionLogits = d2.Forward(reconstruction);
        var loss = GanLoss.Discriminator(d2.Forward(x), null, 0, reconstructionLogits, 1);
        AG.Backward(loss, _d2Params);
        _discriminator2Opt!.Step();
        return loss;
    }

    private readonly record struct EncoderStepLosses(Tensor Total, Tensor Pixel, Tensor? Perceptual, Tensor Adversarial, Tensor Beta);

    private EncoderStepLosses EncoderStep(Tensor x, long iteration, RandomStream random)
    {
        var p = _preset;
        var reconstruction = _model.Reconstruct(x, random);
        var pixel = PixelLoss.Compute(reconstruction, x, p.PixelLoss);
        var perceptual = _perceptual?.Loss(x, reconstruction);
        var judge = _model.D2 ?? _model.D;
        var adversarial = GanLoss.Generator(judge.Forward(reconstruction));
        var reconstructionLoss = Op.Scale(pixel, p.PixelWeight);
        if (perceptual != null) reconstructionLoss = Op.Add(reconstructionLoss, Op.Scale(perceptual, p.PerceptualWeight));
        var weightedAdversarial = Op.Scale(adversarial, p.AdversarialWeight);
        var beta = p.AdaptiveWeight && iteration >= p.AdaptiveStart
            ? AdaptiveWeight.Compute(reconstructionLoss, weightedAdversarial, _lastLayer)
            : Tensor.Scalar(1, x.DType, x.Device);
        var total = Op.Add(reconstructionLoss, Op.Mul(beta, weightedAdversarial));
        AG.Backward(total, _eStepParams);
        _encoderOpt.Step();
        if (p.Mode == AeStyleGanMode.Joint) _generatorOpt.Step();
        return new EncoderStepLosses(total, pixel, perceptual, adversarial, beta);
    }

    // the unweighted non-saturating loss (logged as the official code's g); the update uses λ_fake_g times it
    private Tensor GeneratorStep(Tensor x, RandomStream random)
    {
        var fake = _model.Generate(_model.SampleStyles(x.Shape[0], random, x.DType, x.Device), random);
        var loss = GanLoss.Generator(_model.Discriminate(fake));
        AG.Backward(Op.Scale(loss, _preset.FakeWeightG), _gfParams);
        _generatorOpt.Step();
        _mappingOpt.Step();
        return loss;
    }

    private (Tensor penalty, Tensor newMean) PathLengthStep(Tensor x, RandomStream random)
    {
        var p = _preset;
        var styles = _model.SampleStyles(Math.Max(1, x.Shape[0] / p.PathLengthBatchShrink), random, x.DType, x.Device);
        var images = _model.Generate(styles, random);
        var (penalty, newMean, _) = PathLengthPenalty.Compute(images, styles, Tensor.Scalar(PathLengthMean, x.DType, x.Device), random);
        AG.Backward(PathLengthPenalty.LazyLoss(penalty, p.PathLengthWeight, p.PathLengthInterval), _gfParams);
        _generatorOpt.Step();
        _mappingOpt.Step();
        return (penalty, newMean);
    }

    public void Dispose()
    {
        _generatorOpt.Dispose(); _mappingOpt.Dispose(); _encoderOpt.Dispose(); _discriminatorOpt.Dispose();
        _discriminator2Opt?.Dispose();
    }
}

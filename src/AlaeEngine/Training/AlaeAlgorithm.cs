using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Training;

/// <summary>Losses of one iteration: D step (logistic part and R1 part), G step, latent reciprocity step.</summary>
public readonly record struct AlaeLosses(double Discriminator, double R1, double Generator, double Latent)
{
    /// <summary>The losses under their metrics.jsonl names.</summary>
    public IEnumerable<KeyValuePair<string, double>> Named() =>
    [
        new("d_logistic", Discriminator), new("r1", R1), new("g_adv", Generator), new("latent_mse", Latent),
    ];

    /// <summary>The losses as the progress line shows them: "D 2.343 R1 34.701 G 3.876 lat 2.9544".</summary>
    public string Describe() => $"D {Discriminator:F3} R1 {R1:F3} G {Generator:F3} lat {Latent:F4}";
}

/// <summary>
/// Algorithm 1 of ALAE, one iteration = three updates, each on a fresh z ~ N(0, I):
///   I.  E, D ← softplus(D(E(G(F(z))))) + softplus(−D(E(x))) + (γ/2)·‖∇ₓ D(E(x))‖²   (R1 by double backward)
///   II. F, G ← softplus(−D(E(G(F(z)))))
///   III. E, G ← ‖F(z) − E(G(F(z)))‖²  (F(z) is the target; F is not updated, as the paper's Algorithm 1)
/// Reductions as the reference: means over the batch, R1 summed over pixels, the latent error a mean over B·L.
/// A style model (<see cref="IStyleAlaeModel"/>) generates as the reference's training generate(): style mixing in
/// steps I and II, none in III, the w average updated in all three; its random choices come from the same stream.
/// </summary>
public sealed class AlaeAlgorithm
{
    private readonly IAlaeModel _model;
    private readonly Adam _encoderOpt, _decoderOpt;
    private readonly Tensor[] _encoderParams, _decoderParams, _reciprocityParams;

    public AlaeAlgorithm(IAlaeModel model, Adam encoderOptimizer, Adam decoderOptimizer, double r1Gamma = 10)
    {
        _model = model; _encoderOpt = encoderOptimizer; _decoderOpt = decoderOptimizer; R1Gamma = r1Gamma;
        static Tensor[] Values(params IReadOnlyList<Parameter>[] groups) => groups.SelectMany(g => g).Select(p => p.Value).ToArray();
        _encoderParams = Values(model.EncoderParameters, model.DiscriminatorParameters);
        _decoderParams = Values(model.MappingParameters, model.GeneratorParameters);
        _reciprocityParams = Values(model.EncoderParameters, model.GeneratorParameters);
    }

    public double R1Gamma { get; }

    /// <summary>
    /// One full iteration on a real batch x. Runs in its own tensor scope; x is not modified. The losses stay on the
    /// device until the whole iteration is queued and are then read in one copy, so a GPU run waits once per iteration.
    /// </summary>
    public AlaeLosses Step(Tensor x, RandomStream noise)
    {
        using var scope = TensorScope.Begin();
        int b = x.Shape[0], l = _model.LatentSize;
        Tensor Z() => noise.Normal(new Shape(b, l), x.DType, x.Device);
        var dLosses = Isolated(() => { var (d, r) = DiscriminatorStep(x, Z(), noise); return new[] { d, r }; });
        var gLoss = Isolated(() => new[] { GeneratorStep(Z(), noise) })[0];
        var latent = Isolated(() => new[] { ReciprocityStep(Z(), noise) })[0];
        using var noGrad = GradMode.NoGrad();
        var all = Op.Concat(0, Op.Reshape(dLosses[0], 1), Op.Reshape(dLosses[1], 1), Op.Reshape(gLoss, 1), Op.Reshape(latent, 1)).ToDoubleArray();
        return new AlaeLosses(all[0], all[1], all[2], all[3]);
    }

    // one update in a scope of its own: its graph (activations, R1's recorded backward) is freed before the next update
    // builds one, as PyTorch frees a graph after its backward; only the losses are kept
    private static Tensor[] Isolated(Func<Tensor[]> update)
    {
        using var scope = TensorScope.Begin();
        var losses = update();
        foreach (var loss in losses) scope.Keep(loss);
        return losses;
    }

    private Tensor Generate(Tensor w, RandomStream random, bool mix)
        => _model is IStyleAlaeModel style ? style.GenerateForTraining(w, random, mix) : _model.Generate(w);

    // each step returns its loss tensors (0-d, on the device; their graph is already used and freed)
    private (Tensor logistic, Tensor r1) DiscriminatorStep(Tensor xReal, Tensor z, RandomStream random)
    {
        Tensor xFake;
        using (GradMode.NoGrad()) xFake = Generate(_model.Map(z), random, mix: true);
        var x = xReal.Detach();
        x.RequiresGrad = true;
        var dReal = _model.Discriminate(_model.Encode(x));
        var dFake = _model.Discriminate(_model.Encode(xFake));
        int b = x.Shape[0];
        // ∇ₓ Σ_b d_b gives each sample's own gradient (samples are independent), recorded for the second backward
        var g = AG.Grad(new[] { Op.Sum(dReal) }, new[] { x }, createGraph: true)[0];
        var r1 = Op.Scale(Op.Sum(Op.Square(g)), 0.5 * R1Gamma / b);
        var logistic = Op.Add(Op.Mean(Op.Softplus(dFake)), Op.Mean(Op.Softplus(Op.Neg(dReal))));
        var loss = Op.Add(logistic, r1);
        AG.Backward(loss, _encoderParams);
        _encoderOpt.Step();
        return (logistic, r1);
    }

    private Tensor GeneratorStep(Tensor z, RandomStream random)
    {
        var d = _model.Discriminate(_model.Encode(Generate(_model.Map(z), random, mix: true)));
        var loss = Op.Mean(Op.Softplus(Op.Neg(d)));
        AG.Backward(loss, _decoderParams);
        _decoderOpt.Step();
        return loss;
    }

    private Tensor ReciprocityStep(Tensor z, RandomStream random)
    {
        Tensor w;
        using (GradMode.NoGrad()) w = _model.Map(z);
        var wRec = _model.Encode(Generate(w, random, mix: false));
        var loss = Op.Mean(Op.Square(Op.Sub(wRec, w)));
        AG.Backward(loss, _reciprocityParams);
        _encoderOpt.Step();
        _decoderOpt.Step();
        return loss;
    }
}

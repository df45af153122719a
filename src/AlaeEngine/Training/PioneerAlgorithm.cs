using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Training;

/// <summary>
/// One Balanced PIONEER iteration's losses, read back once: the encoder step's total, L1 reconstruction, the weighted
/// KL terms of real and generated images and the KL term after the margin hinge, and the generator steps' KL and
/// cosine latent mismatch (means over the <c>n_generator</c> steps).
/// </summary>
public readonly record struct PioneerLossValues(double Encoder, double Reconstruction, double KlReal, double KlFake, double KlTerm,
    double GeneratorKl, double LatentMismatch)
{
    /// <summary>KL(real) − KL(fake) before the hinge: negative when the encoder tells the data from the decoder's images (paper §3.3).</summary>
    public double KlGap => KlReal - KlFake;

    /// <summary>The losses under their metrics.jsonl names.</summary>
    public IEnumerable<KeyValuePair<string, double>> Named() =>
    [
        new("e_total", Encoder), new("x_l1", Reconstruction), new("kl_real", KlReal), new("kl_fake", KlFake), new("kl_term", KlTerm),
        new("g_kl", GeneratorKl), new("z_mismatch", LatentMismatch),
    ];

    /// <summary>"L1 0.1234 KL r/f 0.012/0.345 G 0.010/1.234" (the official progress line's KL(real/fake/fakeG) and reconstruction).</summary>
    public string Describe() => $"L1 {Reconstruction:F4} KL r/f {KlReal:F3}/{KlFake:F3} G {GeneratorKl:F3}/{LatentMismatch:F3}";
}

/// <summary>
/// The two updates of a Balanced PIONEER iteration (official train.py: encoder_train, then decoder_train n_generator
/// times), on the model's current level and fade-in: the encoder step on real images x with fresh latents on the unit
/// sphere for its fakes (through the image pool when one is given), then <see cref="GeneratorSteps"/> decoder steps,
/// each on fresh latents. Each loss is differentiated in its own network's parameters only (the other network is held
/// fixed, as the reference's switch_grad_updates_to_first_of) and stepped with that network's Adam. The EMA of the
/// decoder is the caller's (the trainer's, after the iteration). All latents and the pool's draws come from one stream.
/// </summary>
public sealed class PioneerAlgorithm
{
    private readonly BalancedPioneer _model;
    private readonly Adam _encoderOpt, _decoderOpt;
    private readonly PioneerLossWeights _weights;

    public PioneerAlgorithm(BalancedPioneer model, Adam encoderOptimizer, Adam decoderOptimizer, int generatorSteps, PioneerLossWeights? weights = null)
    {
        if (generatorSteps < 1) throw new ArgumentException($"PIONEER: generator steps must be ≥ 1, got {generatorSteps}");
        _model = model; _encoderOpt = encoderOptimizer; _decoderOpt = decoderOptimizer;
        GeneratorSteps = generatorSteps;
        _weights = weights ?? new PioneerLossWeights();
    }

    public int GeneratorSteps { get; }

    /// <summary>
    /// One iteration on real images x (B, C, R, R) at the model's level: λ_X <paramref name="reconstructionWeight"/>,
    /// KL <paramref name="margin"/> (code units), <paramref name="pool"/> null while the level fades in.
    /// </summary>
    public PioneerLossValues Step(Tensor x, double reconstructionWeight, double margin, ImagePool? pool, RandomStream noise)
    {
        using var scope = TensorScope.Begin();
        int b = x.Shape[0];
        // only the blocks in use get gradients: Adam leaves the others alone, as torch leaves parameters without one
        var encoderParams = _model.ActiveEncoderParameters.Select(p => p.Value).ToArray();
        var decoderParams = _model.ActiveDecoderParameters.Select(p => p.Value).ToArray();
        var e = PioneerLosses.Encoder(_model, x, _model.SampleLatents(b, noise, x.DType, x.Device), reconstructionWeight, margin, pool, noise, _weights);
        AG.Backward(e.Total, encoderParams);
        _encoderOpt.Step();

        Tensor? kl = null, mismatch = null;
        for (int i = 0; i < GeneratorSteps; i++)
        {
            var g = PioneerLosses.Generator(_model, _model.SampleLatents(b, noise, x.DType, x.Device), _weights);
            AG.Backward(g.Total, decoderParams);
            _decoderOpt.Step();
            using var noGrad = GradMode.NoGrad();
            kl = kl == null ? g.Kl : Op.Add(kl, g.Kl);
            mismatch = mismatch == null ? g.LatentMismatch : Op.Add(mismatch, g.LatentMismatch);
        }
        using (GradMode.NoGrad())
        {
            double n = GeneratorSteps;
            // one read of every scalar (one host wait on a GPU)
            var v = Op.Concat(0, new[] { e.Total, e.Reconstruction, e.KlReal, e.KlFake, e.KlTerm, Op.Scale(kl!, 1 / n), Op.Scale(mismatch!, 1 / n) }
                .Select(t => Op.Reshape(t, 1)).ToArray()).ToDoubleArray();
            return new PioneerLossValues(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        }
    }
}

using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// The fixed loss weights of Balanced PIONEER's official code (config.py), in code units (0.1 × the paper's): every
/// batch KL is scaled by <see cref="Kl"/> (real_x_KL_scale = fake_D_KL_scale = fake_G_KL_scale = 0.1) and the cosine
/// latent mismatch by <see cref="LatentMismatch"/> (match_z = 100). λ_X comes from the schedule.
/// </summary>
public sealed record PioneerLossWeights
{
    public double Kl { get; init; } = 0.1;
    public double LatentMismatch { get; init; } = 100;
}

/// <summary>
/// The encoder step's loss and its parts (scalars, on the model's device): Total = λ_X·Reconstruction + KlTerm with
/// Reconstruction = mean |G(E(x)) − x|, KlReal = 0.1·KL(E(x)), KlFake = 0.1·KL(E(x̂)) and KlTerm = KlReal − KlFake, or
/// max(−m, KlReal − KlFake) when the margin m &gt; 0. <see cref="Fakes"/> are the generated images x̂ the encoder saw
/// (after the pool), constants of the step.
/// </summary>
public sealed record PioneerEncoderLoss(Tensor Total, Tensor Reconstruction, Tensor KlReal, Tensor KlFake, Tensor KlTerm, Tensor Fakes);

/// <summary>One decoder step's loss and its parts: Total = Kl + LatentMismatch, Kl = 0.1·KL(E(G(z))), LatentMismatch = 100·mismatch_cos(E(G(z)), z).</summary>
public sealed record PioneerGeneratorLoss(Tensor Total, Tensor Kl, Tensor LatentMismatch);

/// <summary>
/// The two losses of one Balanced PIONEER iteration (official train.py encoder_train / decoder_train), built on the
/// tape; the trainer differentiates the encoder loss in the encoder's parameters and the generator loss in the decoder's.
/// The networks run in the reference's order (E(x), G(E(x)), G(ẑ), E(x̂); then G(z), E(G(z))), which matters because
/// every forward pass advances the spectral-norm vectors.
/// </summary>
public static class PioneerLosses
{
    /// <summary>
    /// The encoder step on real images x (N, C, R, R) at the model's level: z_r = E(x); L1 = mean |G(z_r) − x| (through
    /// G); x̂ = G(ẑ) without gradient from <paramref name="fakeLatents"/> ẑ (N, L) on the unit sphere
    /// (<see cref="BalancedPioneer.SampleLatents"/>), passed through <paramref name="pool"/> with <paramref name="poolRandom"/> when
    /// a pool is given (the trainer gives it once the fade-in is over); KL terms as in <see cref="PioneerEncoderLoss"/>.
    /// <paramref name="margin"/> in code units (0.02 = the paper's 0.2).
    /// </summary>
    public static PioneerEncoderLoss Encoder(BalancedPioneer model, Tensor real, Tensor fakeLatents, double reconstructionWeight, double margin,
        ImagePool? pool = null, RandomStream? poolRandom = null, PioneerLossWeights? weights = null)
    {
        weights ??= new PioneerLossWeights();
        if (!(margin >= 0)) throw new ArgumentException($"PIONEER encoder loss: margin must be ≥ 0, got {margin}");
        if (pool != null && poolRandom == null) throw new ArgumentException("PIONEER encoder loss: an image pool needs a random stream");
        var zReal = model.Encode(real);
        var klReal = Op.Scale(Op.BatchKl(zReal), weights.Kl);
        var reconstruction = Op.MeanAbsError(model.Decode(zReal), real);

        Tensor fake;
        using (GradMode.NoGrad())
        {
            fake = model.Decode(fakeLatents);
            if (pool != null) fake = pool.Query(fake, poolRandom!);
        }
        var klFake = Op.Scale(Op.BatchKl(model.Encode(fake)), weights.Kl);
        var gap = Op.Sub(klReal, klFake);
        var klTerm = margin > 0 ? Op.ClampMin(gap, -margin) : gap;
        var total = Op.Add(Op.Scale(reconstruction, reconstructionWeight), klTerm);
        return new PioneerEncoderLoss(total, reconstruction, klReal, klFake, klTerm, fake);
    }

    /// <summary>
    /// One decoder step on latents z (N, L) on the unit sphere (<see cref="BalancedPioneer.SampleLatents"/>): ẑ = E(G(z)) through
    /// E; loss 0.1·KL(ẑ) + 100·mismatch_cos(ẑ, z) (<see cref="Op.CosineMismatch"/>, whose mean over the dimensions makes
    /// the effective weight of 1 − cos 100/L).
    /// </summary>
    public static PioneerGeneratorLoss Generator(BalancedPioneer model, Tensor z, PioneerLossWeights? weights = null)
    {
        weights ??= new PioneerLossWeights();
        var zEncoded = model.Encode(model.Decode(z));
        var kl = Op.Scale(Op.BatchKl(zEncoded), weights.Kl);
        var mismatch = Op.Scale(Op.CosineMismatch(zEncoded, z), weights.LatentMismatch);
        return new PioneerGeneratorLoss(Op.Add(kl, mismatch), kl, mismatch);
    }
}

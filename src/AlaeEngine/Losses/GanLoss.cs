using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Losses;

/// <summary>
/// The logistic GAN losses with softplus (A(t) = softplus(t) in AE-StyleGAN's Eq. 1), batch means as phymhan's code.
/// Logits: (N, 1). Every result is a 0-d tensor.
/// </summary>
public static class GanLoss
{
    /// <summary>
    /// D's loss of AE-StyleGAN's joint variant (Eq. 5 as the code computes it): mean softplus(−D(x)) +
    /// fakeWeight·mean softplus(D(G(F(z)))) + reconstructionWeight·mean softplus(D(G(E(x)))). The paper's run uses
    /// weights 0.9 and 0.1 (λ_fake_d, λ_rec_d); the decoupled variant's D₁ uses 1 and no reconstruction term, its D₂
    /// (real against reconstructions) fakeWeight 0 and reconstructionWeight 1.
    /// </summary>
    public static Tensor Discriminator(Tensor realLogits, Tensor? fakeLogits, double fakeWeight, Tensor? reconstructionLogits = null,
        double reconstructionWeight = 0)
    {
        var loss = Op.Mean(Op.Softplus(Op.Neg(realLogits)));
        if (fakeLogits != null && fakeWeight != 0) loss = Op.Add(loss, Op.Scale(Op.Mean(Op.Softplus(fakeLogits)), fakeWeight));
        if (reconstructionLogits != null && reconstructionWeight != 0)
            loss = Op.Add(loss, Op.Scale(Op.Mean(Op.Softplus(reconstructionLogits)), reconstructionWeight));
        return loss;
    }

    /// <summary>
    /// The non-saturating generator loss mean softplus(−D(x̃)), for G's step (weighted λ_fake_g by the caller) and for
    /// the reconstructions' adversarial term L_adv of the E step (the paper prints −λ_adv·A(−D̃); the code minimises this).
    /// </summary>
    public static Tensor Generator(Tensor fakeLogits) => Op.Mean(Op.Softplus(Op.Neg(fakeLogits)));
}

using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Losses;

/// <summary>The R1 penalty on real images and its lazy weighting (StyleGAN2; phymhan's d_r1_loss and its D step).</summary>
public static class R1Penalty
{
    /// <summary>
    /// mean over the batch of Σ_chw (∂ Σ_b D(x)_b / ∂x)², recorded (createGraph) so its gradient in D's parameters can
    /// be taken: the second-order path. x: real images (N, C, H, W), not modified (a detached copy is differentiated).
    /// Returns the penalty (0-d) and D's logits on x.
    /// </summary>
    public static (Tensor penalty, Tensor logits) Compute(Func<Tensor, Tensor> discriminator, Tensor realImages)
    {
        var x = realImages.Detach();
        x.RequiresGrad = true;
        var logits = discriminator(x);
        // ∇ₓ Σ_b D(x)_b, as the official code's autograd.grad of real_pred.sum(): each sample's gradient, plus what
        // the minibatch stddev passes between the samples of a group
        var g = AG.Grad([Op.Sum(logits)], [x], createGraph: true)[0];
        var perSample = Op.Sum(Op.Reshape(Op.Square(g), g.Shape[0], g.Length / g.Shape[0]), 1);
        return (Op.Mean(perSample), logits);
    }

    /// <summary>
    /// The lazy R1 loss of a regularisation step taken every <paramref name="interval"/> iterations with its own D update:
    /// (γ/2)·penalty·interval (so that on average it weighs as γ/2 every step; 0.2048/2·16 in the paper's run).
    /// </summary>
    public static Tensor LazyLoss(Tensor penalty, double gamma, int interval)
    {
        if (interval < 1) throw new ArgumentOutOfRangeException(nameof(interval), interval, "the R1 interval must be ≥ 1");
        return Op.Scale(penalty, gamma / 2 * interval);
    }
}

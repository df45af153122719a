using AlaeEngine.Autograd;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Losses;

/// <summary>
/// AE-StyleGAN's adaptive weight of the adversarial term (Eq. 6, from VQGAN), as phymhan's calculate_adaptive_weight
/// computes it: β = clamp(‖∇_ℓ L_rec‖ / (‖∇_ℓ L_adv‖ + 1e-4), 0, 1e4), detached, where ℓ is G's last layer (the last
/// ToRGB's and last styled conv's weights, their gradients concatenated) and L_adv already carries λ_adv. The paper
/// prints a ratio of gradients with ε 1e-6; the code's ratio of norms is used. The E step then minimises L_rec + β·L_adv.
/// </summary>
public static class AdaptiveWeight
{
    public const double Epsilon = 1e-4;
    public const double Max = 1e4;

    /// <summary>β as a 0-d tensor on the losses' device (no host wait); both losses' graphs stay usable.</summary>
    public static Tensor Compute(Tensor reconstructionLoss, Tensor weightedAdversarialLoss, IReadOnlyList<Tensor> lastLayer)
    {
        if (lastLayer.Count == 0) throw new ArgumentException("adaptive weight: no last-layer weights given");
        var gRec = AG.Grad([reconstructionLoss], lastLayer.ToArray(), allowUnused: true);
        var gAdv = AG.Grad([weightedAdversarialLoss], lastLayer.ToArray(), allowUnused: true);
        using var noGrad = GradMode.NoGrad();
        var ratio = Op.Div(Norm(gRec), Op.AddScalar(Norm(gAdv), Epsilon));
        // the ratio is ≥ 0, so clamping to [0, Max] is min(ratio, Max) = ratio − relu(ratio − Max)
        return Op.Sub(ratio, Op.LeakyRelu(Op.AddScalar(ratio, -Max), 0));
    }

    // the Euclidean norm of the tensors concatenated
    private static Tensor Norm(Tensor[] parts)
    {
        Tensor? sum = null;
        foreach (var p in parts)
        {
            var s = Op.Sum(Op.Square(p));
            sum = sum == null ? s : Op.Add(sum, s);
        }
        return Op.Sqrt(sum!);
    }
}

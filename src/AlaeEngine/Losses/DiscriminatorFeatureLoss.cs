using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Losses;

/// <summary>
/// The perceptual substitute when no VGG16 weights are available (--perceptual d-features; not VGG, and not the paper's
/// loss): feature matching on the current discriminator's activations after its input layer and each residual block,
/// Σ_k mean (φ_k(x) − φ_k(x̂))² (a discriminator-feature loss in the manner of Larsen et al.'s VAE/GAN). D is frozen
/// in the E/G step: the caller updates only E and G, gradients reach x̂ through D.
/// </summary>
public sealed class DiscriminatorFeatureLoss(AeStyleGanDiscriminator discriminator) : IPerceptualLoss
{
    public string Name => "d-features";

    public Tensor Loss(Tensor real, Tensor reconstruction)
    {
        IReadOnlyList<Tensor> targets;
        using (GradMode.NoGrad()) targets = discriminator.Features(real);
        var features = discriminator.Features(reconstruction);
        Tensor? loss = null;
        for (int k = 0; k < features.Count; k++)
        {
            var term = Op.Mean(Op.Square(Op.Sub(features[k], targets[k])));
            loss = loss == null ? term : Op.Add(loss, term);
        }
        return loss!;
    }
}

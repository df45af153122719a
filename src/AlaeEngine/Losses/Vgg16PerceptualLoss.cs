using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Losses;

/// <summary>
/// In-domain inversion's perceptual loss, which AE-StyleGAN uses with weight 5e-5: mean over every element of
/// (VGG16(x) − VGG16(x̂))², features = conv4_3 after its ReLU (<see cref="Vgg16"/>). The network is frozen: the caller
/// never updates its parameters.
/// </summary>
public sealed class Vgg16PerceptualLoss(Vgg16 network) : IPerceptualLoss
{
    public string Name => "vgg16";
    public Vgg16 Network { get; } = network;

    public Tensor Loss(Tensor real, Tensor reconstruction)
    {
        Tensor target;
        using (GradMode.NoGrad()) target = Network.Forward(real);
        return Op.Mean(Op.Square(Op.Sub(Network.Forward(reconstruction), target)));
    }
}

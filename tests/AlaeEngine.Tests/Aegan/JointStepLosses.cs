using AlaeEngine.Autograd;
using AlaeEngine.Losses;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Tests.Aegan;

/// <summary>
/// The losses of one joint AE-StyleGAN iteration (the paper's Algorithm 2 as phymhan's train_aegan.py runs it), built
/// from the model and loss functions without a trainer or optimizer steps, each on its own graph:
/// D: softplus losses with the fake (0.9) and reconstruction (0.1) terms, G and E frozen; R1: the lazy penalty
/// (γ 0.5, ×16); E+G: pixel L2 + 0.1·d-features + β·0.1·L_adv with the adaptive β; G: 0.9·non-saturating on a mixed
/// generation; PL: the path-length penalty (×2·4) on half the batch. Random draws (styles, mixing, per-pixel noise,
/// path-length noise) come from <paramref name="random"/> in a fixed order.
/// </summary>
internal static class JointStepLosses
{
    public static (string Name, Tensor Loss)[] Compute(AeStyleGan model, Tensor x, RandomStream random)
    {
        int b = x.Shape[0];
        Tensor fake, reconstruction;
        using (GradMode.NoGrad())
        {
            fake = model.Generate(model.SampleStyles(b, random, x.DType, x.Device), random);
            reconstruction = model.Reconstruct(x, random);
        }
        var d = GanLoss.Discriminator(model.Discriminate(x), model.Discriminate(fake), 0.9, model.Discriminate(reconstruction), 0.1);
        var r1 = R1Penalty.LazyLoss(R1Penalty.Compute(model.Discriminate, x).penalty, 0.5, 16);

        var xr = model.Reconstruct(x, random);
        var rec = Op.Add(PixelLoss.Compute(xr, x, PixelLossKind.L2), Op.Scale(new DiscriminatorFeatureLoss(model.D).Loss(x, xr), 0.1));
        var adv = Op.Scale(GanLoss.Generator(model.Discriminate(xr)), 0.1);
        var beta = AdaptiveWeight.Compute(rec, adv, model.G.LastLayerWeights.Select(p => p.Value).ToList());
        var encoderGenerator = Op.Add(rec, Op.Mul(beta, adv));

        var g = Op.Scale(GanLoss.Generator(model.Discriminate(model.Generate(model.SampleStyles(b, random, x.DType, x.Device), random))), 0.9);

        var styles = model.SampleStyles(Math.Max(1, b / 2), random, x.DType, x.Device);
        var mean = Tensor.Scalar(0.5, x.DType, x.Device);
        var pl = PathLengthPenalty.LazyLoss(PathLengthPenalty.Compute(model.Generate(styles, random), styles, mean, random).penalty, 2, 4);
        return [("D", d), ("R1", r1), ("E+G", encoderGenerator), ("G", g), ("PL", pl)];
    }
}

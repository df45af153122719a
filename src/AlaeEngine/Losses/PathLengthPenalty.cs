using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Losses;

/// <summary>
/// StyleGAN2's path-length regularisation (phymhan's g_path_regularize; off in the paper's runs). For images G(styles),
/// n ~ N(0, I)/√(H·W) and J = ∂ Σ(images·n) / ∂styles (recorded: the second-order path through G), each sample's
/// length is ℓ_b = √(mean over style layers of Σ_L J²); the running mean moves a ← a + decay·(mean_b ℓ − a), and the
/// penalty is mean_b (ℓ_b − a)². As rosinality's, NVIDIA's TF and stylegan2-ada-pytorch's code, the updated mean in
/// the penalty is not detached, so the gradient also flows through the update (the stored mean is detached).
/// </summary>
public static class PathLengthPenalty
{
    public const double Decay = 0.01;

    /// <summary>
    /// images: G(styles), (N, C, H, W), with styles (N, StyleCount, L) on the tape; mean: the running mean (0-d).
    /// Returns the penalty (0-d), the updated mean (0-d, detached: store it) and the lengths (N).
    /// </summary>
    public static (Tensor penalty, Tensor newMean, Tensor lengths) Compute(Tensor images, Tensor styles, Tensor mean, RandomStream noise,
        double decay = Decay)
    {
        if (images.Rank != 4) throw new ArgumentException($"path length: images must be (N, C, H, W), got {images.Shape}");
        return Compute(images, styles, mean, noise.Normal(images.Shape, images.DType, images.Device), decay);
    }

    /// <summary>The same with the standard normal noise given: (N, C, H, W) like the images (scaled by 1/√(H·W) here).</summary>
    public static (Tensor penalty, Tensor newMean, Tensor lengths) Compute(Tensor images, Tensor styles, Tensor mean, Tensor standardNoise,
        double decay = Decay)
    {
        if (images.Rank != 4 || styles.Rank != 3 || styles.Shape[0] != images.Shape[0])
            throw new ArgumentException($"path length: images must be (N, C, H, W) and styles (N, layers, L), got {images.Shape} and {styles.Shape}");
        if (standardNoise.Shape != images.Shape) throw new ArgumentException($"path length: noise {standardNoise.Shape} must be shaped as the images {images.Shape}");
        if (mean.Length != 1) throw new ArgumentException($"path length: the running mean must be a scalar, got {mean.Shape}");
        var n = Op.Scale(standardNoise, 1 / Math.Sqrt(images.Shape[2] * images.Shape[3]));
        var j = AG.Grad([Op.Sum(Op.Mul(images, n))], [styles], createGraph: true)[0];
        var lengths = Op.Reshape(Op.Sqrt(Op.Mean(Op.Sum(Op.Square(j), 2), 1)), images.Shape[0]);
        var scalarMean = Op.Reshape(mean, new Shape());
        var updated = Op.Add(scalarMean, Op.Scale(Op.Sub(Op.Mean(lengths), scalarMean), decay));
        var penalty = Op.Mean(Op.Square(Op.Sub(lengths, updated)));
        return (penalty, updated.Detach(), lengths);
    }

    /// <summary>The lazy loss of a regularisation step every <paramref name="interval"/> iterations: weight·interval·penalty (2·4 in StyleGAN2).</summary>
    public static Tensor LazyLoss(Tensor penalty, double weight, int interval)
    {
        if (interval < 1) throw new ArgumentOutOfRangeException(nameof(interval), interval, "the path-length interval must be ≥ 1");
        return Op.Scale(penalty, weight * interval);
    }
}

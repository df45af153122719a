using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>
/// Ops on batches of latent codes on the unit sphere (Balanced PIONEER, after AGE): projection onto the sphere, the
/// batch estimate of KL(q ‖ N(0, I)), and the cosine mismatch of two batches. All are compositions of pointwise ops
/// and reductions, so their gradients (and second derivatives) come from those. Codes are (N, D).
/// </summary>
public static partial class Op
{
    /// <summary>x / ‖x‖ per row; x: (N, D). No epsilon (as the reference): a zero row gives NaN.</summary>
    public static Tensor SphereProject(Tensor x)
    {
        RequireRank("SphereProject", x, 2, "codes");
        return Mul(x, Rsqrt(Sum(Square(x), 1)));
    }

    /// <summary>
    /// AGE's batch estimate of KL(q ‖ N(0, I)) in the 'qp' direction, from the per-dimension batch mean μ_d and biased
    /// variance σ²_d: mean_d [(σ²_d + μ²_d)/2 − ½ ln σ²_d − ½]. z: (N, D), N ≥ 2 → scalar ().
    /// The reference's comments note two changes from AGE's code (σ² instead of σ⁴, and the ½ on ln σ²); this is its formula.
    /// </summary>
    public static Tensor BatchKl(Tensor z)
    {
        RequireRank("BatchKl", z, 2, "codes");
        if (z.Shape[0] < 2) throw new ArgumentException($"BatchKl: needs a batch of at least 2 codes for a variance, got {z.Shape}");
        var mean = Mean(z, 0);                                // (1, D)
        var variance = Mean(Square(Sub(z, mean)), 0);         // (1, D)
        var perDim = Sub(Scale(Add(variance, Square(mean)), 0.5), Scale(Log(variance), 0.5));
        return AddScalar(Mean(perDim), -0.5);
    }

    /// <summary>
    /// mean over rows and dimensions of 2 − x̂_d·ŷ_d with x̂, ŷ the rows projected onto the sphere: the reference's
    /// mismatch(·, ·, 'cos') = 2 − mean_b cos(x_b, y_b) / D. x, y: (N, D) → scalar ().
    /// </summary>
    public static Tensor CosineMismatch(Tensor x, Tensor y)
    {
        SameKind("CosineMismatch", x, y);
        if (x.Shape != y.Shape) throw new ArgumentException($"CosineMismatch: shapes {x.Shape} and {y.Shape} differ");
        return AddScalar(Neg(Mean(Mul(SphereProject(x), SphereProject(y)))), 2);
    }
}

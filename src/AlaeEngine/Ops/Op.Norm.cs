using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>Normalisations and style ops of StyleALAE: instance norm with statistic taps, AdaIN, pixel norm, noise, modulated conv.</summary>
public static partial class Op
{
    /// <summary>
    /// Instance norm over the spatial axes with statistic taps; x: (N, C, H, W) → y: (N, C, H, W),
    /// mean: (N, C, 1, 1), std: (N, C, 1, 1). y = (x − mean)/√(var + eps); std = √(var + epsTap).
    /// The reference encoder takes std without an epsilon; a constant channel (black MNIST borders, a 2×2 map in the
    /// last block) then has std = 0 and the R1 second derivative ∝ 1/std³ is infinite, so the tap keeps epsTap = 1e-8:
    /// the value moves by at most 1e-4 and every derivative stays finite.
    /// The forward is one fused kernel; the backward is written in ops (using the op's own outputs), so it has a
    /// second derivative, which R1 needs.
    /// </summary>
    public static (Tensor y, Tensor mean, Tensor std) InstanceNorm(Tensor x, double eps = 1e-8, double epsTap = 1e-8)
    {
        RequireRank("InstanceNorm", x, 4, "input");
        var stat = new Shape(x.Shape[0], x.Shape[1], 1, 1);
        var y = Like(x); var mean = Like(x, stat); var std = Like(x, stat);
        x.Kernels.InstanceNorm(x, y, mean, std, eps, epsTap);
        double n = x.Shape[2] * x.Shape[3];
        Record("InstanceNorm", new[] { y, mean, std }, new[] { x }, (g, need) =>
        {
            var (gy, gm, gs) = (g[0], g[1], g[2]);
            // s = √(var + eps) recovered from the tap, so it carries the tap's dependence on x
            var s = eps == epsTap ? std : Sqrt(AddScalar(Square(std), eps - epsTap));
            Tensor? gx = null;
            if (gy != null)
                gx = Div(Sub(Sub(gy, Mean(gy, 2, 3)), Mul(y, Mean(Mul(gy, y), 2, 3))), s);
            if (gm != null)
                gx = Acc(gx, BroadcastTo(Scale(gm, 1 / n), x.Shape));
            if (gs != null) // ∂std/∂x = (x − mean)/(n·std) = y·s/(n·std)
                gx = Acc(gx, Mul(y, Scale(Div(Mul(gs, s), std), 1 / n)));
            return new[] { gx };
        });
        return (y, mean, std);
    }

    private static Tensor Acc(Tensor? a, Tensor b) => a == null ? b : Add(a, b);

    /// <summary>x · rsqrt(mean over channels of x² + eps); x: (N, C) or (N, C, H, W). Applied to z at the input of F.</summary>
    public static Tensor PixelNorm(Tensor x, double eps = 1e-8)
    {
        if (x.Rank < 2) throw new ArgumentException($"PixelNorm: input must be (N, C, ...), got {x.Shape}");
        return Mul(x, Rsqrt(AddScalar(Mean(Square(x), 1), eps)));
    }

    /// <summary>
    /// Spectral normalisation with one power iteration, as Balanced PIONEER's SpectralNorm: W viewed as W_m (C_out, K),
    /// v = n(W_mᵀu), u′ = n(W_m v), σ = u′ᵀW_m v, weight = W/σ, with n(a) = a/‖a‖. w: (C_out, …), u: (C_out), the
    /// stored vector, a constant here. Unlike Miyato et al. and torch's spectral_norm, v, u′ and σ are not detached:
    /// the gradient flows through the power iteration, as in the official code (about 3e-2 relative on the weight's
    /// gradient). Returns the normalised weight (w's shape) and u′ (C_out), which the caller stores for the next pass.
    /// </summary>
    public static (Tensor weight, Tensor uNext) SpectralNorm(Tensor w, Tensor u)
    {
        SameKind("SpectralNorm", w, u);
        if (w.Rank < 2 || u.Shape != new Shape(w.Shape[0]))
            throw new ArgumentException($"SpectralNorm: expected a weight (C_out, …) and u (C_out), got {w.Shape} and {u.Shape}");
        int cout = w.Shape[0], k = w.Length / cout;
        var wm = Reshape(w, cout, k);
        var v = UnitColumn(MatMul(wm, Reshape(u, cout, 1), transA: true));   // (K, 1)
        var wv = MatMul(wm, v);                                              // (C_out, 1)
        var uNext = UnitColumn(wv);                                          // (C_out, 1)
        var sigma = MatMul(uNext, wv, transA: true);                         // (1, 1)
        return (Div(w, Reshape(sigma, Enumerable.Repeat(1, w.Rank).ToArray())), Reshape(uNext, cout));
    }

    // a / ‖a‖ for a column (n, 1), no epsilon (as the reference)
    private static Tensor UnitColumn(Tensor a) => Mul(a, Rsqrt(Sum(Square(a), 0)));

    /// <summary>AdaIN style modulation x·(1 + s) + b in one kernel; x: (N, C, H, W), style: (N, 2C) = [s, b].</summary>
    public static Tensor StyleMod(Tensor x, Tensor style)
    {
        RequireRank("StyleMod", x, 4, "input"); RequireRank("StyleMod", style, 2, "style");
        SameKind("StyleMod", x, style);
        int n = x.Shape[0], c = x.Shape[1];
        if (style.Shape != new Shape(n, 2 * c)) throw new ArgumentException($"StyleMod: style must be ({n}, {2 * c}) for input {x.Shape}, got {style.Shape}");
        var y = Like(x);
        x.Kernels.StyleModulate(x, style, y);
        return Record("StyleMod", y, new[] { x, style }, (g, needs) =>
        {
            var perChannel = new Shape(n, c, 1, 1);
            Tensor? gx = null, gStyle = null;
            if (needs[0]) gx = Mul(g, AddScalar(Reshape(Slice(style, 1, 0, c), perChannel), 1));
            if (needs[1])
                gStyle = Concat(1, Reshape(SumTo(Mul(g, x), perChannel), n, c), Reshape(SumTo(g, perChannel), n, c));
            return new[] { gx, gStyle };
        });
    }

    /// <summary>x + weight·noise with a per-channel weight, in one kernel; x: (N, C, H, W), weight: (C), noise: (N, 1, H, W).</summary>
    public static Tensor AddNoise(Tensor x, Tensor weight, Tensor noise)
    {
        RequireRank("AddNoise", x, 4, "input");
        SameKind("AddNoise", x, weight); SameKind("AddNoise", x, noise);
        if (weight.Shape != new Shape(x.Shape[1])) throw new ArgumentException($"AddNoise: weight must be ({x.Shape[1]}) for input {x.Shape}, got {weight.Shape}");
        if (noise.Shape != new Shape(x.Shape[0], 1, x.Shape[2], x.Shape[3])) throw new ArgumentException($"AddNoise: noise must be ({x.Shape[0]}, 1, {x.Shape[2]}, {x.Shape[3]}), got {noise.Shape}");
        var y = Like(x);
        x.Kernels.AddNoise(x, weight, noise, y);
        return Record("AddNoise", y, new[] { x, weight, noise }, (g, needs) =>
        {
            var channelWeight = Reshape(weight, 1, x.Shape[1], 1, 1);
            return new[]
            {
                needs[0] ? g : null,
                needs[1] ? Reshape(SumTo(Mul(g, noise), channelWeight.Shape), weight.Shape) : null,
                needs[2] ? SumTo(Mul(g, channelWeight), noise.Shape) : null,
            };
        });
    }

    /// <summary>
    /// StyleGAN2 modulated convolution; x: (N, Cin, H, W), w: (Cout, Cin, k, k), styles: (N, Cin).
    /// Computed as conv(x·s, w)·d, which equals convolving each sample with its own weight w·s·d:
    /// d[n, o] = rsqrt(Σᵢ s[n,i]² Σₖ w[o,i,k]² + eps) when demodulating. Every piece is a differentiable op.
    /// </summary>
    public static Tensor ModulatedConv2d(Tensor x, Tensor w, Tensor styles, int pad, bool demodulate = true, double eps = 1e-8)
    {
        RequireRank("ModulatedConv2d", x, 4, "input"); RequireRank("ModulatedConv2d", styles, 2, "styles");
        int n = x.Shape[0], cin = x.Shape[1];
        if (styles.Shape != new Shape(n, cin)) throw new ArgumentException($"ModulatedConv2d: styles must be ({n}, {cin}) for input {x.Shape}, got {styles.Shape}");
        var y = Conv2d(Mul(x, Reshape(styles, n, cin, 1, 1)), w, 1, pad);
        if (!demodulate) return y;
        int cout = w.Shape[0];
        var w2 = Reshape(Sum(Square(w), 2, 3), cout, cin);                       // (Cout, Cin)
        var d = Rsqrt(AddScalar(MatMul(Square(styles), w2, transB: true), eps));  // (N, Cout)
        return Mul(y, Reshape(d, n, cout, 1, 1));
    }
}

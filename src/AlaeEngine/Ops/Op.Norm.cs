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
    /// The forward is one fused kernel, and so is the backward (<see cref="InstanceNormBackward"/>, from the op's own
    /// outputs), whose own backward is written in ops, so it has a second derivative, which R1 needs.
    /// </summary>
    public static (Tensor y, Tensor mean, Tensor std) InstanceNorm(Tensor x, double eps = 1e-8, double epsTap = 1e-8)
    {
        RequireRank("InstanceNorm", x, 4, "input");
        var stat = new Shape(x.Shape[0], x.Shape[1], 1, 1);
        var y = Like(x); var mean = Like(x, stat); var std = Like(x, stat);
        x.Kernels.InstanceNorm(x, y, mean, std, eps, epsTap);
        Record("InstanceNorm", new[] { y, mean, std }, new[] { x }, (g, need) => new[] { InstanceNormBackward(g[0], y, std, g[1], g[2], eps, epsTap) });
        return (y, mean, std);
    }

    /// <summary>
    /// The gradient of <see cref="InstanceNorm"/> in x from its outputs y and std, in one kernel; per (n, c) plane of
    /// n = H·W elements, with s = √(var + eps) = √(std² + eps − epsTap) (recovered from the tap, so it carries the tap's
    /// dependence on x): gx = (gy − mean(gy) − y·mean(gy·y))/s + gMean/n + y·gStd·s/(std·n), the last term from
    /// ∂std/∂x = (x − mean)/(n·std) = y·s/(n·std). gy, gMean, gStd: the gradients of y, mean and std, each null when
    /// none reached that output. Shapes: gy, y → gx: (N, C, H, W); std, gMean, gStd: (N, C, 1, 1).
    /// Its own backward (the R1 penalty's path through the encoder) is written in ops; its part in gy is this op again,
    /// since the map gy ↦ (gy − mean(gy) − y·mean(gy·y))/s is self-adjoint.
    /// </summary>
    public static Tensor InstanceNormBackward(Tensor? gy, Tensor y, Tensor std, Tensor? gMean, Tensor? gStd, double eps = 1e-8, double epsTap = 1e-8)
    {
        RequireRank("InstanceNormBackward", y, 4, "output");
        var stat = new Shape(y.Shape[0], y.Shape[1], 1, 1);
        void Check(Tensor? t, Shape shape, string what)
        {
            if (t == null) return;
            SameKind("InstanceNormBackward", y, t);
            if (t.Shape != shape) throw new ArgumentException($"InstanceNormBackward: {what} must be {shape} for output {y.Shape}, got {t.Shape}");
        }
        Check(gy, y.Shape, "gy"); Check(std, stat, "std"); Check(gMean, stat, "gMean"); Check(gStd, stat, "gStd");
        if (gy == null && gMean == null && gStd == null) throw new ArgumentException("InstanceNormBackward: gy, gMean and gStd are all null (no gradient to propagate)");
        var gx = Like(y);
        y.Kernels.InstanceNormBackward(gy, y, std, gMean, gStd, gx, eps, epsTap);

        var inputs = new List<Tensor> { y, std };
        int In(Tensor? t) { if (t == null) return -1; inputs.Add(t); return inputs.Count - 1; }
        int iGy = In(gy), iGm = In(gMean), iGs = In(gStd);
        return Record("InstanceNormBackward", gx, inputs.ToArray(), (v, needs) =>
        {
            // with gx = (gy − ḡ − y·P)/s + gMean/n + y·Q, ḡ = mean(gy), P = mean(gy·y), Q = gStd·s/(std·n), and the
            // incoming gradient v of gx, per plane:
            //   ∂/∂y    = (Q − P/s)·v − mean(v·y)/s · gy
            //   ∂/∂std  = −(std/s²)·Σ v·(gy − ḡ − y·P)/s − (eps − epsTap)·gStd·mean(v·y)/(s·std²)
            //   ∂/∂gy   = (v − mean(v) − y·mean(v·y))/s,  ∂/∂gMean = mean(v),  ∂/∂gStd = mean(v·y)·s/std
            double n = y.Shape[2] * y.Shape[3];
            var s = eps == epsTap ? std : Sqrt(AddScalar(Square(std), eps - epsTap));
            bool needY = needs[0], needStd = needs[1];
            var result = new Tensor?[inputs.Count];
            var vy = needY || needStd || (iGs >= 0 && needs[iGs]) ? Mean(Mul(v, y), 2, 3) : null;
            var p = gy != null && needY ? Mean(Mul(gy, y), 2, 3) : null;
            if (needY)
            {
                Tensor? coef = gStd != null ? Scale(Div(Mul(gStd, s), std), 1 / n) : null;
                if (p != null) coef = coef == null ? Neg(Div(p, s)) : Sub(coef, Div(p, s));
                Tensor? dy = coef == null ? null : Mul(v, coef);
                if (gy != null)
                {
                    var t = Mul(gy, Div(vy!, s));
                    dy = dy == null ? Neg(t) : Sub(dy, t);
                }
                result[0] = dy;
            }
            if (needStd)
            {
                Tensor? dStd = null;
                if (gy != null) // Σ v·(gy − ḡ − y·P) formed from the centred values this op computes, not as a difference of means
                    dStd = Neg(Mul(Scale(Mean(Mul(v, InstanceNormBackward(gy, y, std, null, null, eps, epsTap)), 2, 3), n), Div(std, Square(s))));
                if (gStd != null && eps != epsTap)
                    dStd = Acc(dStd, Scale(Div(Mul(gStd, vy!), Mul(s, Square(std))), -(eps - epsTap)));
                result[1] = dStd;
            }
            if (iGy >= 0 && needs[iGy]) result[iGy] = InstanceNormBackward(v, y, std, null, null, eps, epsTap);
            if (iGm >= 0 && needs[iGm]) result[iGm] = Mean(v, 2, 3);
            if (iGs >= 0 && needs[iGs]) result[iGs] = Div(Mul(vy!, s), std);
            return result;
        });
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
            var (gx, gStyle) = StyleModBackward(g, x, style);
            return new[] { needs[0] ? gx : null, needs[1] ? gStyle : null };
        });
    }

    /// <summary>
    /// The gradients of <see cref="StyleMod"/> in one kernel: gx = g·(1 + s) and gStyle = [Σ g·x, Σ g] over each (n, c)
    /// plane; g, x: (N, C, H, W), style: (N, 2C) = [s, b] → gx: (N, C, H, W), gStyle: (N, 2C). Its own backward is in ops.
    /// </summary>
    public static (Tensor gx, Tensor gStyle) StyleModBackward(Tensor g, Tensor x, Tensor style)
    {
        RequireRank("StyleModBackward", g, 4, "gradient"); RequireRank("StyleModBackward", style, 2, "style");
        SameKind("StyleModBackward", g, x); SameKind("StyleModBackward", g, style);
        int n = g.Shape[0], c = g.Shape[1];
        if (x.Shape != g.Shape || style.Shape != new Shape(n, 2 * c))
            throw new ArgumentException($"StyleModBackward: expected input {g.Shape} and style ({n}, {2 * c}) for gradient {g.Shape}, got {x.Shape} and {style.Shape}");
        var gx = Like(g); var gStyle = Like(style);
        g.Kernels.StyleModulateBackward(g, x, style, gx, gStyle);
        Record("StyleModBackward", new[] { gx, gStyle }, new[] { g, x, style }, (v, needs) =>
        {
            // with incoming vx for gx and [vs, vb] for gStyle: ∂/∂g = vx·(1 + s) + x·vs + vb, ∂/∂x = g·vs, ∂/∂s = Σ vx·g
            // over the plane; nothing depends on b
            var perChannel = new Shape(n, c, 1, 1);
            Tensor Part(Tensor t, int start) => Reshape(Slice(t, 1, start, c), perChannel);
            var (vx, vStyle) = (v[0], v[1]);
            Tensor? dg = null, dx = null, dStyle = null;
            if (needs[0] && vx != null) dg = Mul(vx, AddScalar(Part(style, 0), 1));
            if (needs[0] && vStyle != null) dg = Acc(dg, Add(Mul(x, Part(vStyle, 0)), Part(vStyle, c)));
            if (needs[1] && vStyle != null) dx = Mul(g, Part(vStyle, 0));
            if (needs[2] && vx != null) dStyle = PadAxis(Reshape(SumTo(Mul(vx, g), perChannel), n, c), 1, 0, 2 * c);
            return new[] { dg, dx, dStyle };
        });
        return (gx, gStyle);
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
            Tensor? gWeight = null, gNoise = null;
            if (needs[1] || needs[2]) (gWeight, gNoise) = AddNoiseBackward(g, weight, noise);
            return new[] { needs[0] ? g : null, needs[1] ? gWeight : null, needs[2] ? gNoise : null };
        });
    }

    /// <summary>
    /// The gradients of <see cref="AddNoise"/> in its weight and noise, in one pass over g (its gradient in x is g):
    /// gWeight[c] = Σ g·noise over samples and positions, gNoise = Σ over channels of g·weight[c];
    /// g: (N, C, H, W), weight: (C), noise: (N, 1, H, W) → gWeight: (C), gNoise: (N, 1, H, W). Its own backward is in ops.
    /// </summary>
    public static (Tensor gWeight, Tensor gNoise) AddNoiseBackward(Tensor g, Tensor weight, Tensor noise)
    {
        RequireRank("AddNoiseBackward", g, 4, "gradient");
        SameKind("AddNoiseBackward", g, weight); SameKind("AddNoiseBackward", g, noise);
        int n = g.Shape[0], c = g.Shape[1];
        if (weight.Shape != new Shape(c) || noise.Shape != new Shape(n, 1, g.Shape[2], g.Shape[3]))
            throw new ArgumentException($"AddNoiseBackward: expected weight ({c}) and noise ({n}, 1, {g.Shape[2]}, {g.Shape[3]}) for gradient {g.Shape}, got {weight.Shape} and {noise.Shape}");
        var gWeight = Like(weight); var gNoise = Like(noise);
        g.Kernels.AddNoiseBackward(g, weight, noise, gWeight, gNoise);
        Record("AddNoiseBackward", new[] { gWeight, gNoise }, new[] { g, weight, noise }, (v, needs) =>
        {
            // both outputs are bilinear; with incoming vw (C) and vn (N, 1, H, W): ∂/∂g = vw[c]·noise + weight[c]·vn,
            // ∂/∂weight = Σ g·vn over samples and positions, ∂/∂noise = Σ_c g·vw[c] — the last two are this op again
            var (vw, vn) = (v[0], v[1]);
            Tensor? dg = null, dWeight = null, dNoise = null;
            if (needs[0] && vw != null) dg = Mul(Reshape(vw, 1, c, 1, 1), noise);
            if (needs[0] && vn != null) dg = Acc(dg, Mul(Reshape(weight, 1, c, 1, 1), vn));
            if ((needs[1] && vn != null) || (needs[2] && vw != null))
            {
                var (sw, sn) = AddNoiseBackward(g, vw ?? Tensor.Zeros(weight.Shape, g.DType, g.Device), vn ?? Tensor.Zeros(noise.Shape, g.DType, g.Device));
                dWeight = vn != null ? sw : null;
                dNoise = vw != null ? sn : null;
            }
            return new[] { dg, needs[1] ? dWeight : null, needs[2] ? dNoise : null };
        });
        return (gWeight, gNoise);
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

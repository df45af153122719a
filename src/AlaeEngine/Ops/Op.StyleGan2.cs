using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>
/// The layer ops of StyleGAN2 config-f (rosinality's model.py, which AE-StyleGAN builds on), composed of the engine's
/// differentiable ops so their backward passes are differentiable again (R1 through D, the path-length penalty through G):
/// the upsampling modulated convolution, the FIR-blurred stride-2 convolution and the minibatch standard deviation.
/// Filters fir: (k, k) are applied as upfirdn2d does (a true convolution); StyleGAN2's [1, 3, 3, 1] is symmetric.
/// </summary>
public static partial class Op
{
    /// <summary>
    /// StyleGAN2's upsampling modulated convolution: x·s → transposed convolution with stride 2, no padding → FIR
    /// (up-gain filter, e.g. [1,3,3,1]⊗[1,3,3,1]/64·4) → ·d, with d[n, o] = rsqrt(Σᵢ s[n,i]² Σₖ w[i,o,k]² + eps) when
    /// demodulating. x: (N, Cin, H, W), w: (Cin, Cout, k, k) (a transposed convolution's layout), styles: (N, Cin)
    /// → (N, Cout, 2H, 2W). The FIR padding is rosinality's: p = (kf − 2) − (k − 1), pads (⌊(p+1)/2⌋ + 1, ⌊p/2⌋ + 1).
    /// </summary>
    public static Tensor ModulatedConv2dUp(Tensor x, Tensor w, Tensor styles, Tensor fir, bool demodulate = true, double eps = 1e-8)
    {
        RequireRank("ModulatedConv2dUp", x, 4, "input"); RequireRank("ModulatedConv2dUp", w, 4, "weight");
        RequireRank("ModulatedConv2dUp", styles, 2, "styles"); RequireRank("ModulatedConv2dUp", fir, 2, "filter");
        int n = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], wd = x.Shape[3], cout = w.Shape[1], k = w.Shape[2];
        if (w.Shape[0] != cin || w.Shape[3] != k)
            throw new ArgumentException($"ModulatedConv2dUp: weight must be ({cin}, Cout, k, k) for input {x.Shape}, got {w.Shape}");
        if (styles.Shape != new Shape(n, cin)) throw new ArgumentException($"ModulatedConv2dUp: styles must be ({n}, {cin}) for input {x.Shape}, got {styles.Shape}");
        if (fir.Shape[0] != fir.Shape[1]) throw new ArgumentException($"ModulatedConv2dUp: filter must be square, got {fir.Shape}");
        var up = Conv2dBackwardData(Mul(x, Reshape(styles, n, cin, 1, 1)), w, new Shape(n, cout, 2 * h - 2 + k, 2 * wd - 2 + k), stride: 2, pad: 0);
        int p = fir.Shape[0] - 2 - (k - 1), pad0 = FloorDiv(p + 1, 2) + 1, pad1 = FloorDiv(p, 2) + 1;
        var y = Upfirdn2d(up, fir, 1, 1, pad0, pad1, pad0, pad1);
        if (!demodulate) return y;
        var w2 = Reshape(Sum(Square(w), 2, 3), cin, cout);                // (Cin, Cout)
        var d = Rsqrt(AddScalar(MatMul(Square(styles), w2), eps));        // (N, Cout)
        return Mul(y, Reshape(d, n, cout, 1, 1));
    }

    /// <summary>
    /// StyleGAN2's downsampling convolution (rosinality's ConvLayer with downsample): FIR blur with pads
    /// (⌊(p+1)/2⌋, ⌊p/2⌋), p = (kf − 2) + (k − 1), then a k×k convolution with stride 2 and no padding.
    /// x: (N, Cin, H, W), w: (Cout, Cin, k, k), H and W even → (N, Cout, H/2, W/2). A 1×1 kernel (the residual skip)
    /// filters with stride 2 first and convolves at the low resolution: the same numbers, a quarter of the GEMM.
    /// </summary>
    public static Tensor DownConv2d(Tensor x, Tensor w, Tensor fir)
    {
        RequireRank("DownConv2d", x, 4, "input"); RequireRank("DownConv2d", w, 4, "weight"); RequireRank("DownConv2d", fir, 2, "filter");
        if (x.Shape[2] % 2 != 0 || x.Shape[3] % 2 != 0) throw new ArgumentException($"DownConv2d: spatial size of {x.Shape} must be even");
        if (fir.Shape[0] != fir.Shape[1]) throw new ArgumentException($"DownConv2d: filter must be square, got {fir.Shape}");
        int k = w.Shape[2], p = fir.Shape[0] - 2 + (k - 1), pad0 = FloorDiv(p + 1, 2), pad1 = FloorDiv(p, 2);
        if (k == 1) return Conv2d(Upfirdn2d(x, fir, 1, 2, pad0, pad1, pad0, pad1), w);
        return Conv2d(Upfirdn2d(x, fir, 1, 1, pad0, pad1, pad0, pad1), w, stride: 2, pad: 0);
    }

    /// <summary>
    /// The minibatch standard deviation of StyleGAN2's D (one feature): the batch split into G = min(N, group) groups
    /// of N/G samples taken with stride N/G (sample b is in slot b mod N/G); for each slot, σ = √(population variance
    /// over the G samples + 1e-8) averaged over C, H, W; that value is appended as one more channel to each sample of
    /// the slot. x: (N, C, H, W) → (N, C + 1, H, W). N must be below the group size or a multiple of it.
    /// </summary>
    public static Tensor MinibatchStddev(Tensor x, int group = 4)
    {
        RequireRank("MinibatchStddev", x, 4, "input");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (group < 1) throw new ArgumentException($"MinibatchStddev: group must be ≥ 1, got {group}");
        int g = Math.Min(n, group);
        if (n % g != 0) throw new ArgumentException($"MinibatchStddev: a batch of {n} does not split into groups of {g}: use a batch below {group} or a multiple of it");
        int slots = n / g;
        var grouped = Reshape(x, g, slots, c, h, w);
        var centred = Sub(grouped, Mean(grouped, 0));
        var sigma = Sqrt(AddScalar(Mean(Square(centred), 0), 1e-8));                       // (1, slots, C, H, W)
        var perSlot = Reshape(Mean(sigma, 2, 3, 4), 1, slots, 1, 1, 1);
        var tiled = Reshape(BroadcastTo(perSlot, new Shape(g, slots, 1, h, w)), n, 1, h, w);
        return Concat(1, x, tiled);
    }

    private static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);
}

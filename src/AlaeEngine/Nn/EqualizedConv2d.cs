using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>How an <see cref="EqualizedConv2d"/> changes the resolution.</summary>
public enum ConvResample
{
    /// <summary>k×k convolution, same size (padding k/2).</summary>
    None,

    /// <summary>
    /// The reference's "fused_scale" down: the 3×3 kernel summed over its four 1-pixel shifts and ×¼ (= 3×3 ⊛ 2×2 box
    /// average) applied as a 4×4 convolution with stride 2, pad 1 — equal to AvgPool2x2(conv3×3(x)) at a quarter of the cost.
    /// </summary>
    FusedDown,

    /// <summary>
    /// The reference's "fused_scale" up: the 3×3 kernel summed over its four shifts (no ¼) applied as a 4×4 transposed
    /// convolution with stride 2, pad 1 (weight laid out (Cin, Cout, 3, 3) as torch's ConvTranspose2d) — a nearest 2×
    /// upsample followed by a 3×3 convolution in one op.
    /// </summary>
    FusedUp,

    /// <summary>
    /// StyleGAN2's down (rosinality's ConvLayer with downsample): FIR blur, then the k×k convolution with stride 2 and no
    /// padding (<see cref="Op.DownConv2d"/>); any kernel size (1×1 for the residual skip).
    /// </summary>
    BlurDown,
}

/// <summary>
/// Equalized-learning-rate 2-D convolution: weight stored at N(0, 1) and scaled at run time by gain/√(Cin·k·k);
/// lrMul becomes the parameter's <see cref="Parameter.LrCoef"/> (see <see cref="EqualizedLinear"/>).
/// x: (N, Cin, H, W) → (N, Cout, H', W'), H' = H, H/2 (FusedDown, BlurDown) or 2H (FusedUp). The bias (Cout) is optional;
/// the style blocks keep theirs separate because it is added after the noise.
/// </summary>
public sealed class EqualizedConv2d : Module
{
    private readonly double _scale;
    private readonly Tensor? _fir;

    /// <param name="fir">the FIR filter (k, k) of <see cref="ConvResample.BlurDown"/> (the caller owns it); unused otherwise</param>
    public EqualizedConv2d(int inChannels, int outChannels, int kernel, Init init, double gain = 1.4142135623730951,
        double lrMul = 1.0, bool bias = true, ConvResample resample = ConvResample.None, Tensor? fir = null)
    {
        if (resample is ConvResample.FusedDown or ConvResample.FusedUp && kernel != 3)
            throw new ArgumentException($"fused up/down sampling needs a 3×3 kernel, got {kernel}×{kernel}");
        if (resample == ConvResample.BlurDown && fir == null)
            throw new ArgumentException("blurred down sampling needs its FIR filter");
        In = inChannels; Out = outChannels; Kernel = kernel; Resample = resample; _fir = fir;
        _scale = gain / Math.Sqrt(inChannels * kernel * kernel);
        var shape = resample == ConvResample.FusedUp ? new Shape(inChannels, outChannels, kernel, kernel) : new Shape(outChannels, inChannels, kernel, kernel);
        Weight = AddParameter("weight", shape, s => init.Normal(s), lrMul);
        Bias = bias ? AddParameter("bias", new Shape(outChannels), init.Zeros, lrMul) : null;
    }

    public int In { get; }
    public int Out { get; }
    public int Kernel { get; }
    public ConvResample Resample { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    /// <summary>The convolution + bias, then activationGain·leaky ReLU (0.2) when asked: bias and activation in one kernel.</summary>
    public Tensor Forward(Tensor x, bool leakyRelu = false, double activationGain = 1)
    {
        if (x.Rank != 4 || x.Shape[1] != In)
            throw new ArgumentException($"EqualizedConv2d({In}→{Out}): input must be (N, {In}, H, W), got {x.Shape}");
        var w = Op.Scale(Weight.Value, _scale);
        var y = Resample switch
        {
            ConvResample.FusedDown => Op.Conv2d(x, Op.Scale(ShiftSum(w), 0.25), stride: 2, pad: 1),
            ConvResample.FusedUp => Op.Conv2dBackwardData(x, ShiftSum(w), new Shape(x.Shape[0], Out, 2 * x.Shape[2], 2 * x.Shape[3]), stride: 2, pad: 1),
            ConvResample.BlurDown => Op.DownConv2d(x, w, _fir!),
            _ => Op.Conv2d(x, w, stride: 1, pad: Kernel / 2),
        };
        if (Bias == null) return leakyRelu ? (activationGain == 1 ? Op.LeakyRelu(y) : Op.Scale(Op.LeakyRelu(y), activationGain)) : y;
        return leakyRelu ? Op.BiasLeakyRelu(y, Bias.Value, 0.2, activationGain) : Op.Add(y, Op.Reshape(Bias.Value, 1, Out, 1, 1));
    }

    // w: (A, B, 3, 3) → (A, B, 4, 4), the sum of w placed at the four offsets (0|1, 0|1): 3×3 ⊛ 2×2 box
    private static Tensor ShiftSum(Tensor w)
    {
        Tensor? sum = null;
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                var shifted = Op.PadAxis(Op.PadAxis(w, 2, dy, 4), 3, dx, 4);
                sum = sum == null ? shifted : Op.Add(sum, shifted);
            }
        return sum!;
    }
}

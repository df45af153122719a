namespace AlaeEngine.Tensors;

public enum BinaryOp { Add, Sub, Mul, Div }

public enum UnaryOp
{
    Neg, Square, Sqrt, Rsqrt, Exp, Log, Reciprocal,
    /// <summary>log(1 + eᵡ), computed without overflow.</summary>
    Softplus,
    Sigmoid,
    /// <summary>x for x &gt; 0, alpha·x otherwise.</summary>
    LeakyRelu,
    /// <summary>alpha·x.</summary>
    Scale,
    /// <summary>x + alpha.</summary>
    AddScalar,
    /// <summary>|x|.</summary>
    Abs,
    /// <summary>1 for x &gt; 0, −1 for x &lt; 0, 0 for ±0 and NaN: the mask of |x|'s gradient.</summary>
    Sign,
}

/// <summary>
/// The primitive, non-differentiable operations of one device. <see cref="Cpu.CpuKernels"/> is the reference;
/// the CUDA backend implements the same list, so both are checked against each other method by method.
/// Conventions: outputs are preallocated by the caller and fully overwritten unless a method says it accumulates;
/// all tensors are contiguous and of one dtype and device.
/// </summary>
public interface IKernels
{
    Storage Allocate(int length, DType dtype, bool clear);

    void Fill(Tensor dst, double value);

    /// <summary>dst ← src; converts between float32 and float64.</summary>
    void Copy(Tensor src, Tensor dst);

    /// <summary>dst ← a ∘ b with NumPy broadcasting; dst has the broadcast shape.</summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor dst);

    void Unary(UnaryOp op, Tensor x, Tensor dst, double alpha = 0);

    /// <summary>dst ← g · (x &gt; 0 ? gain : gain·slope): the derivative of gain·leaky_relu applied to g.</summary>
    void LeakyReluGrad(Tensor g, Tensor x, Tensor dst, double slope, double gain = 1);

    /// <summary>
    /// y ← gain · leaky_relu(x + bias[c], slope); x, y: (N, C, ...), bias: (C). A layer's bias and activation in one pass
    /// (StyleGAN2's layers use gain √2, ALAE's 1).
    /// </summary>
    void BiasLeakyRelu(Tensor x, Tensor bias, Tensor y, double slope, double gain = 1);

    /// <summary>
    /// The backward of <see cref="BiasLeakyRelu"/> from its output y: gx ← g · (y &gt; 0 ? gain : gain·slope) and gBias[c] ← Σ
    /// of gx over samples and positions; g, y, gx: (N, C, ...), gBias: (C). With slope ≥ 0 and gain &gt; 0, y &gt; 0 exactly
    /// where x + bias &gt; 0.
    /// </summary>
    void BiasLeakyReluBackward(Tensor g, Tensor y, Tensor gx, Tensor gBias, double slope, double gain);

    /// <summary>y ← x + weight[c] · noise[n]; x, y: (N, C, H, W), weight: (C), noise: (N, 1, H, W) (one plane per sample).</summary>
    void AddNoise(Tensor x, Tensor weight, Tensor noise, Tensor y);

    /// <summary>
    /// The backward of <see cref="AddNoise"/> in its weight and noise (its gradient in x is g itself):
    /// gWeight[c] ← Σ g·noise over samples and positions, gNoise[n, pixel] ← Σ over channels of g·weight[c];
    /// g: (N, C, H, W), weight, gWeight: (C), noise, gNoise: (N, 1, H, W).
    /// </summary>
    void AddNoiseBackward(Tensor g, Tensor weight, Tensor noise, Tensor gWeight, Tensor gNoise);

    /// <summary>AdaIN modulation y ← x · (1 + style[n, c]) + style[n, C + c]; x, y: (N, C, H, W), style: (N, 2C).</summary>
    void StyleModulate(Tensor x, Tensor style, Tensor y);

    /// <summary>
    /// The backward of <see cref="StyleModulate"/>: gx ← g · (1 + style[n, c]), gStyle[n, c] ← Σ g·x and gStyle[n, C + c] ← Σ g
    /// over each (n, c) plane; g, x, gx: (N, C, H, W), style, gStyle: (N, 2C).
    /// </summary>
    void StyleModulateBackward(Tensor g, Tensor x, Tensor style, Tensor gx, Tensor gStyle);

    /// <summary>dst ← sum of x over the axes where dst's (right-aligned) shape has 1 or is missing.</summary>
    void SumTo(Tensor x, Tensor dst);

    /// <summary>dst ← x broadcast to dst's shape.</summary>
    void BroadcastTo(Tensor x, Tensor dst);

    /// <summary>c ← alpha · op(a) · op(b) + beta · c for 2-D a, b, c; op transposes when asked.</summary>
    void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, double alpha, double beta);

    /// <summary>y ← conv2d(x, w); x: (N, Cin, H, W), w: (Cout, Cin, k, k), y: (N, Cout, Ho, Wo). Cross-correlation.</summary>
    void Conv2d(Tensor x, Tensor w, Tensor y, int stride, int pad);

    /// <summary>gx ← the adjoint of conv2d in x applied to gy (= transposed convolution with w).</summary>
    void Conv2dBackwardData(Tensor gy, Tensor w, Tensor gx, int stride, int pad);

    /// <summary>gw ← the adjoint of conv2d in w applied to gy (overwrites gw).</summary>
    void Conv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int stride, int pad);

    /// <summary>
    /// y ← downsample(FIR(pad(upsample(x)))) per channel; x: (N, C, H, W); f: (kh, kw) applied as a true convolution.
    /// pad = (x0, x1, y0, y1) may be negative (crop).
    /// </summary>
    void Upfirdn2d(Tensor x, Tensor f, Tensor y, int up, int down, int padX0, int padX1, int padY0, int padY1);

    /// <summary>gx ← the adjoint of <see cref="Upfirdn2d"/> (same filter and factors) applied to gy.</summary>
    void Upfirdn2dAdjoint(Tensor gy, Tensor f, Tensor gx, int up, int down, int padX0, int padX1, int padY0, int padY1);

    /// <summary>y ← scale · (sum of each 2×2 block of x); x: (N, C, 2H, 2W), y: (N, C, H, W). Average pool is scale ¼.</summary>
    void Pool2x2(Tensor x, Tensor y, double scale);

    /// <summary>y ← scale · nearest-neighbour 2× upsample of x; x: (N, C, H, W), y: (N, C, 2H, 2W).</summary>
    void Upsample2x(Tensor x, Tensor y, double scale);

    /// <summary>
    /// y ← the maximum of each 2×2 block of x; x: (N, C, H, W), y: (N, C, ⌊H/2⌋, ⌊W/2⌋) (an odd last row or column is
    /// dropped, as torch's max_pool2d). VGG16's pooling.
    /// </summary>
    void MaxPool2x2(Tensor x, Tensor y);

    /// <summary>gx ← gy routed to the first maximum (row-major) of each 2×2 block of x, zero elsewhere (overwrites gx).</summary>
    void MaxPool2x2Backward(Tensor x, Tensor gy, Tensor gx);

    /// <summary>
    /// Instance norm with statistic taps over the spatial axes; x: (N, C, H, W) → y: same, mean, std: (N, C, 1, 1).
    /// y = (x − mean) / √(var + eps); std = √(var + epsTap) (the encoder's style tap).
    /// </summary>
    void InstanceNorm(Tensor x, Tensor y, Tensor mean, Tensor std, double eps, double epsTap);

    /// <summary>
    /// The backward of <see cref="InstanceNorm"/> from its outputs, over each (n, c) plane of n = H·W elements:
    /// gx ← (gy − mean(gy) − y·mean(gy·y)) / s + gMean / n + y · gStd·s / (std·n), s = √(std² + eps − epsTap).
    /// gy, gMean and gStd may each be null (no gradient reached that output; not all three).
    /// gy, y, gx: (N, C, H, W), std, gMean, gStd: (N, C, 1, 1).
    /// </summary>
    void InstanceNormBackward(Tensor? gy, Tensor y, Tensor std, Tensor? gMean, Tensor? gStd, Tensor gx, double eps, double epsTap);

    /// <summary>dst[.., dstStart + i, ..] ← src[.., srcStart + i, ..] for i &lt; count along one axis (concat, slice).</summary>
    void CopyAxisRange(Tensor src, int srcStart, Tensor dst, int dstStart, int count, int axis);

    /// <summary>Standard normal (or uniform [0, 1)) numbers from the counter-based generator: element i is a function of (seed, offset + i) alone.</summary>
    void FillRandom(Tensor dst, ulong seed, ulong offset, bool normal);

    /// <summary>
    /// The reference's Adam variant with β1 = 0 on several parameters at once (on a GPU one launch per
    /// <see cref="Cuda.AdamTable.Capacity"/> of them): for each slot v ← β2·v + (1−β2)·g²;
    /// p ← p − lr·√(1−β2ᵗ)·coef·g / (√v + eps), the step size formed in double, then rounded to the dtype.
    /// A parameter or second moment that appears twice in one call is an error (<see cref="UpdateAliasing"/>).
    /// </summary>
    void AdamStep(IReadOnlyList<AdamSlot> slots, double lr, double beta2, double eps, long step);

    /// <summary>
    /// a ← a + t · (b − a) in place for each pair (EMA of weights; on a GPU one launch per 128 pairs); a target that
    /// appears twice in one call is an error (<see cref="UpdateAliasing"/>).
    /// </summary>
    void LerpInPlace(IReadOnlyList<(Tensor A, Tensor B)> pairs, double t);
}

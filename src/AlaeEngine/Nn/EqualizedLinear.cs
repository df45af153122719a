using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// Equalized-learning-rate linear layer (PGGAN/StyleGAN): weight (out, in) stored at N(0, 1) and scaled at run time by
/// gain/√in — folded into the GEMM's alpha, so it costs nothing. lrMul scales the learning rate of weight and bias
/// (through <see cref="Parameter.LrCoef"/>). x: (N, in) → (N, out). StyleGAN2's layers (rosinality's EqualLinear) use
/// gain 1 with the activation's gain √2, and their style affines a bias initialised to 1.
/// </summary>
public sealed class EqualizedLinear : Module
{
    private readonly double _scale;

    public EqualizedLinear(int inFeatures, int outFeatures, Init init, double gain = 1.4142135623730951, double lrMul = 1.0, bool bias = true,
        double biasInit = 0)
    {
        In = inFeatures; Out = outFeatures;
        _scale = gain / Math.Sqrt(inFeatures);
        Weight = AddParameter("weight", new Shape(outFeatures, inFeatures), s => init.Normal(s), lrMul);
        Bias = bias ? AddParameter("bias", new Shape(outFeatures), s => init.Full(s, biasInit), lrMul) : null;
    }

    public int In { get; }
    public int Out { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    /// <summary>x·Wᵀ·scale + bias, then activationGain·leaky ReLU (0.2) when asked: bias and activation in one kernel.</summary>
    public Tensor Forward(Tensor x, bool leakyRelu = false, double activationGain = 1)
    {
        if (x.Rank != 2 || x.Shape[1] != In)
            throw new ArgumentException($"EqualizedLinear({In}→{Out}): input must be (N, {In}), got {x.Shape}");
        var y = Op.MatMul(x, Weight.Value, transB: true, alpha: _scale);
        if (Bias == null) return leakyRelu ? (activationGain == 1 ? Op.LeakyRelu(y) : Op.Scale(Op.LeakyRelu(y), activationGain)) : y;
        return leakyRelu ? Op.BiasLeakyRelu(y, Bias.Value, 0.2, activationGain) : Op.Add(y, Bias.Value);
    }
}

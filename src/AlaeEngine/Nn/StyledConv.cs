using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// StyleGAN2's styled convolution (rosinality's StyledConv): style s = affine(w) (bias initialised to 1), a modulated and
/// demodulated k×k convolution — or, when up-sampling, the transposed stride-2 convolution followed by the FIR
/// (<see cref="Op.ModulatedConv2dUp"/>) — then noise with one scalar weight, bias and √2·leaky ReLU.
/// x: (N, Cin, H, W), w: (N, L) → (N, Cout, H, W), or (N, Cout, 2H, 2W) up-sampling.
/// The weight is (Cout, Cin, k, k), or (Cin, Cout, k, k) up-sampling (a transposed convolution's layout), at N(0, 1)
/// scaled by 1/√(Cin·k²) at run time.
/// </summary>
public sealed class StyledConv : Module
{
    private readonly EqualizedLinear _affine;
    private readonly NoiseInjection _noise;
    private readonly Tensor? _upFir;
    private readonly double _scale;

    /// <param name="upFir">the up-sampling FIR filter (gain 4; the caller owns it), or null for a same-size convolution</param>
    public StyledConv(int inChannels, int outChannels, int kernel, int latentSize, Init init, Tensor? upFir = null)
    {
        In = inChannels; Out = outChannels; Kernel = kernel; _upFir = upFir;
        _scale = 1 / Math.Sqrt(inChannels * kernel * kernel);
        var shape = upFir == null ? new Shape(outChannels, inChannels, kernel, kernel) : new Shape(inChannels, outChannels, kernel, kernel);
        Weight = AddParameter("weight", shape, s => init.Normal(s));
        _affine = AddModule("affine", new EqualizedLinear(latentSize, inChannels, init, gain: 1, biasInit: 1));
        _noise = AddModule("noise", new NoiseInjection(1, init));
        Bias = AddParameter("bias", new Shape(outChannels), init.Zeros);
    }

    public int In { get; }
    public int Out { get; }
    public int Kernel { get; }
    public bool Upsamples => _upFir != null;
    public Parameter Weight { get; }
    public Parameter Bias { get; }

    /// <summary>Noise drawn from <paramref name="noise"/> (one (N, 1, H', W') map), none when null.</summary>
    public Tensor Forward(Tensor x, Tensor w, RandomStream? noise)
    {
        if (x.Rank != 4 || x.Shape[1] != In)
            throw new ArgumentException($"StyledConv({In}→{Out}): input must be (N, {In}, H, W), got {x.Shape}");
        var s = _affine.Forward(w);
        var weight = Op.Scale(Weight.Value, _scale);
        var y = _upFir == null ? Op.ModulatedConv2d(x, weight, s, Kernel / 2) : Op.ModulatedConv2dUp(x, weight, s, _upFir);
        return Op.BiasLeakyRelu(_noise.Forward(y, noise), Bias.Value, 0.2, LeakyReluGain.StyleGan2);
    }
}

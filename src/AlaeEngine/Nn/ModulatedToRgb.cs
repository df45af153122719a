using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// StyleGAN2's ToRGB of the skip generator: a modulated 1×1 convolution without demodulation (style bias initialised to
/// 1) plus a bias, added to the previous resolution's image up-sampled by the FIR (upfirdn2d, up 2, pads 2/1).
/// x: (N, Cin, H, W), w: (N, L), skip: (N, imageChannels, H/2, W/2) or null → (N, imageChannels, H, W).
/// </summary>
public sealed class ModulatedToRgb : Module
{
    private readonly EqualizedLinear _affine;
    private readonly double _scale;

    public ModulatedToRgb(int inChannels, int imageChannels, int latentSize, Init init)
    {
        In = inChannels;
        _scale = 1 / Math.Sqrt(inChannels);
        Weight = AddParameter("weight", new Shape(imageChannels, inChannels, 1, 1), s => init.Normal(s));
        _affine = AddModule("affine", new EqualizedLinear(latentSize, inChannels, init, gain: 1, biasInit: 1));
        Bias = AddParameter("bias", new Shape(imageChannels), init.Zeros);
    }

    public int In { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }

    /// <param name="upFir">the up-sampling FIR filter (gain 4) for the skip image</param>
    public Tensor Forward(Tensor x, Tensor w, Tensor? skip, Tensor upFir)
    {
        if (x.Rank != 4 || x.Shape[1] != In)
            throw new ArgumentException($"ModulatedToRgb({In}): input must be (N, {In}, H, W), got {x.Shape}");
        var rgb = Op.ModulatedConv2d(x, Op.Scale(Weight.Value, _scale), _affine.Forward(w), 0, demodulate: false);
        rgb = Op.Add(rgb, Op.Reshape(Bias.Value, 1, Bias.Shape[0], 1, 1));
        return skip == null ? rgb : Op.Add(rgb, Op.Upfirdn2d(skip, upFir, 2, 1, 2, 1, 2, 1));
    }
}

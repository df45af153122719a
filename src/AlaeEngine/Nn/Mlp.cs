using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// A stack of equalized-LR linear layers with leaky ReLU (0.2) between them; widths = [in, h1, …, out].
/// x: (N, in) → (N, out). ALAE's layers put the gain √2 in the weight; StyleGAN2's (its mapping F) put it after the
/// activation (weight gain 1, activation gain √2).
/// </summary>
public sealed class Mlp : Module
{
    private readonly EqualizedLinear[] _layers;
    private readonly bool _activateLast, _activateHidden, _pixelNormInput;
    private readonly double _activationGain;

    public Mlp(int[] widths, Init init, bool activateHidden = true, bool activateLast = false, double lrMul = 1.0, bool pixelNormInput = false,
        double gain = 1.4142135623730951, double activationGain = 1)
    {
        if (widths.Length < 2) throw new ArgumentException($"an MLP needs at least an input and an output width, got [{string.Join(", ", widths)}]");
        Widths = widths;
        _activateHidden = activateHidden; _activateLast = activateLast; _pixelNormInput = pixelNormInput; _activationGain = activationGain;
        _layers = new EqualizedLinear[widths.Length - 1];
        for (int i = 0; i < _layers.Length; i++)
            _layers[i] = AddModule($"fc{i + 1}", new EqualizedLinear(widths[i], widths[i + 1], init, gain, lrMul));
    }

    public int[] Widths { get; }

    public Tensor Forward(Tensor x)
    {
        var h = _pixelNormInput ? Op.PixelNorm(x) : x;
        for (int i = 0; i < _layers.Length; i++)
        {
            bool last = i == _layers.Length - 1;
            h = _layers[i].Forward(h, leakyRelu: last ? _activateLast : _activateHidden, _activationGain);
        }
        return h;
    }
}

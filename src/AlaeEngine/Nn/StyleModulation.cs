using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// AdaIN style input of a generator layer: [s, b] = EqualizedLinear(w → 2C, gain 1), then x·(1 + s) + b
/// (<see cref="Op.StyleMod"/>; the linear bias starts at 0 so the scale starts at 1). x: (N, C, H, W), w: (N, L).
/// </summary>
public sealed class StyleModulation : Module
{
    private readonly EqualizedLinear _affine;

    public StyleModulation(int latentSize, int channels, Init init)
        => _affine = AddModule("affine", new EqualizedLinear(latentSize, 2 * channels, init, gain: 1.0));

    public Tensor Forward(Tensor x, Tensor w) => Op.StyleMod(x, _affine.Forward(w));
}

using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// StyleGAN's per-pixel noise: x + weight[c]·n[b, 0, h, w] with one N(0, 1) map per sample shared by all channels and a
/// per-channel weight initialised to 0 (so noise enters only as training finds it useful); StyleGAN2 uses one weight
/// for all channels (<paramref name="channels"/> = 1).
/// x: (N, C, H, W). The noise is drawn from the stream passed in, so a run's noise is part of its reproducible state.
/// </summary>
public sealed class NoiseInjection : Module
{
    public NoiseInjection(int channels, Init init) => Weight = AddParameter("weight", new Shape(channels), init.Zeros);

    public Parameter Weight { get; }

    /// <summary>Adds noise drawn from <paramref name="noise"/>; with no stream, x is returned unchanged.</summary>
    public Tensor Forward(Tensor x, RandomStream? noise)
    {
        if (noise == null) return x;
        int c = x.Shape[1];
        if (Weight.Shape[0] != c && Weight.Shape[0] != 1)
            throw new ArgumentException($"NoiseInjection: {Weight.Shape[0]} weights for input {x.Shape} (needs {c} or 1)");
        var n = noise.Normal(new Shape(x.Shape[0], 1, x.Shape[2], x.Shape[3]), x.DType, x.Device);
        var weight = Weight.Shape[0] == c ? Weight.Value : Op.BroadcastTo(Weight.Value, new Shape(c));
        return Op.AddNoise(x, weight, n);
    }
}

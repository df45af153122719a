using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// StyleGAN's per-pixel noise: x + weight[c]·n[b, 0, h, w] with one N(0, 1) map per sample shared by all channels and a
/// per-channel weight initialised to 0 (so noise enters only as training finds it useful).
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
        var n = noise.Normal(new Shape(x.Shape[0], 1, x.Shape[2], x.Shape[3]), x.DType, x.Device);
        return Op.AddNoise(x, Weight.Value, n);
    }
}

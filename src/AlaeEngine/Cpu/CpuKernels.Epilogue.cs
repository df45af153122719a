using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>
/// The per-channel epilogues of a layer, each one pass over the activations instead of two or three broadcast ops:
/// bias + leaky ReLU (with an output gain), noise injection, AdaIN modulation. Each computes exactly what its composition of
/// <see cref="Binary"/> and <see cref="Unary"/> calls computes (same operations in the same order), so fusing changes
/// no bit on the CPU.
/// </summary>
public sealed partial class CpuKernels
{
    public void BiasLeakyRelu(Tensor x, Tensor bias, Tensor y, double slope, double gain = 1)
    {
        var (n, c, inner) = ChannelLayout.ForBias(x, bias, y);
        if (IsF32(x)) BiasLeakyReluAs(x.Span<float>(), bias.Span<float>(), y.Span<float>(), n, c, inner, (float)slope, (float)gain);
        else BiasLeakyReluAs(x.Span<double>(), bias.Span<double>(), y.Span<double>(), n, c, inner, slope, gain);
    }

    // gain 1 gives exactly t and slope·t (multiplying by 1 is exact), so ALAE's layers are unchanged to the bit
    private static void BiasLeakyReluAs<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> bias, Span<T> y, int n, int c, int inner, T slope, T gain)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T negative = gain * slope;
        for (int row = 0; row < n * c; row++)
        {
            T b = bias[row % c];
            int o = row * inner;
            for (int i = o; i < o + inner; i++)
            {
                T t = x[i] + b;
                y[i] = t > T.Zero ? gain * t : negative * t;
            }
        }
    }

    // gx = g·(y > 0 ? gain : gain·slope) as LeakyReluGrad computes it, gBias as SumTo(gx, (1, C, 1, …)) sums it
    public void BiasLeakyReluBackward(Tensor g, Tensor y, Tensor gx, Tensor gBias, double slope, double gain)
    {
        var (n, c, inner) = ChannelLayout.ForBiasBackward(g, y, gx, gBias);
        if (IsF32(g)) BiasLeakyReluBackwardAs(g.Span<float>(), y.Span<float>(), gx.Span<float>(), gBias.Span<float>(), n, c, inner, (float)slope, (float)gain);
        else BiasLeakyReluBackwardAs(g.Span<double>(), y.Span<double>(), gx.Span<double>(), gBias.Span<double>(), n, c, inner, slope, gain);
    }

    private static void BiasLeakyReluBackwardAs<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> y, Span<T> gx, Span<T> gBias, int n, int c, int inner,
        T slope, T gain) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sums = new ChannelSums<T>(gBias);
        T negative = gain * slope;
        for (int row = 0; row < n * c; row++)
        {
            T s = sums.Start();
            int o = row * inner;
            for (int i = o; i < o + inner; i++)
            {
                T v = y[i] > T.Zero ? gain * g[i] : negative * g[i];
                gx[i] = v;
                s += v;
            }
            sums.Add(row % c, s);
        }
        sums.Finish();
    }

    // gx = g·(1 + s) as Mul(g, AddScalar(s, 1)), the style gradient as SumTo over each plane of g·x and of g
    public void StyleModulateBackward(Tensor g, Tensor x, Tensor style, Tensor gx, Tensor gStyle)
    {
        var (n, c, inner) = ChannelLayout.ForStyleBackward(g, x, style, gx, gStyle);
        if (IsF32(g)) StyleModulateBackwardAs(g.Span<float>(), x.Span<float>(), style.Span<float>(), gx.Span<float>(), gStyle.Span<float>(), n, c, inner);
        else StyleModulateBackwardAs(g.Span<double>(), x.Span<double>(), style.Span<double>(), gx.Span<double>(), gStyle.Span<double>(), n, c, inner);
    }

    private static void StyleModulateBackwardAs<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> style, Span<T> gx, Span<T> gStyle,
        int n, int c, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < n * c; row++)
        {
            int s = row / c * 2 * c + row % c;
            T scale = style[s] + T.One, gScale = T.Zero, gShift = T.Zero;
            int o = row * inner;
            for (int i = o; i < o + inner; i++)
            {
                gx[i] = g[i] * scale;
                gScale += g[i] * x[i];
                gShift += g[i];
            }
            gStyle[s] = gScale;
            gStyle[s + c] = gShift;
        }
    }

    /// <summary>
    /// Per-channel sums over samples and positions of an (N, C, inner) walk, added in the order SumTo (N, C, inner) → (C)
    /// adds them, so a fused backward rounds like the composition it replaces: each (n, c) plane is summed from zero and
    /// added into dst[c] in sample order; with one channel SumTo's plan merges the samples into one run summed from zero.
    /// </summary>
    private ref struct ChannelSums<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Span<T> _dst;
        private readonly bool _oneRun;
        private T _run;

        public ChannelSums(Span<T> dst)
        {
            _dst = dst; _oneRun = dst.Length == 1; _run = T.Zero;
            dst.Clear();
        }

        /// <summary>The value a plane's sum starts from.</summary>
        public readonly T Start() => _oneRun ? _run : T.Zero;

        public void Add(int channel, T planeSum)
        {
            if (_oneRun) _run = planeSum;
            else _dst[channel] += planeSum;
        }

        public readonly void Finish()
        {
            if (_oneRun) _dst[0] += _run;
        }
    }

    public void AddNoise(Tensor x, Tensor weight, Tensor noise, Tensor y)
    {
        var (n, c, inner) = ChannelLayout.ForNoise(x, weight, noise, y);
        if (IsF32(x)) AddNoiseAs(x.Span<float>(), weight.Span<float>(), noise.Span<float>(), y.Span<float>(), n, c, inner);
        else AddNoiseAs(x.Span<double>(), weight.Span<double>(), noise.Span<double>(), y.Span<double>(), n, c, inner);
    }

    private static void AddNoiseAs<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> noise, Span<T> y, int n, int c, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < n * c; row++)
        {
            T w = weight[row % c];
            var plane = noise.Slice(row / c * inner, inner);
            int o = row * inner;
            for (int i = 0; i < inner; i++) y[o + i] = x[o + i] + w * plane[i];
        }
    }

    // gWeight as SumTo(g·noise, (1, C, 1, 1)) and gNoise as SumTo(g·weight, (N, 1, H, W)) sum them: channels in order
    public void AddNoiseBackward(Tensor g, Tensor weight, Tensor noise, Tensor gWeight, Tensor gNoise)
    {
        var (n, c, inner) = ChannelLayout.ForNoiseBackward(g, weight, noise, gWeight, gNoise);
        if (IsF32(g)) AddNoiseBackwardAs(g.Span<float>(), weight.Span<float>(), noise.Span<float>(), gWeight.Span<float>(), gNoise.Span<float>(), n, c, inner);
        else AddNoiseBackwardAs(g.Span<double>(), weight.Span<double>(), noise.Span<double>(), gWeight.Span<double>(), gNoise.Span<double>(), n, c, inner);
    }

    private static void AddNoiseBackwardAs<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> weight, ReadOnlySpan<T> noise, Span<T> gWeight, Span<T> gNoise,
        int n, int c, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sums = new ChannelSums<T>(gWeight);
        gNoise.Clear();
        for (int row = 0; row < n * c; row++)
        {
            T w = weight[row % c], s = sums.Start();
            var plane = noise.Slice(row / c * inner, inner);
            var gPlane = gNoise.Slice(row / c * inner, inner);
            var gRow = g.Slice(row * inner, inner);
            for (int i = 0; i < inner; i++)
            {
                s += gRow[i] * plane[i];
                gPlane[i] += gRow[i] * w;
            }
            sums.Add(row % c, s);
        }
        sums.Finish();
    }

    public void StyleModulate(Tensor x, Tensor style, Tensor y)
    {
        var (n, c, inner) = ChannelLayout.ForStyle(x, style, y);
        if (IsF32(x)) StyleModulateAs(x.Span<float>(), style.Span<float>(), y.Span<float>(), n, c, inner);
        else StyleModulateAs(x.Span<double>(), style.Span<double>(), y.Span<double>(), n, c, inner);
    }

    private static void StyleModulateAs<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> style, Span<T> y, int n, int c, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < n * c; row++)
        {
            int s = row / c * 2 * c + row % c;
            T scale = style[s] + T.One, shift = style[s + c];
            int o = row * inner;
            for (int i = o; i < o + inner; i++) y[i] = x[i] * scale + shift;
        }
    }
}

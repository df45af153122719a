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

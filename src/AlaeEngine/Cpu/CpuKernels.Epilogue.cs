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
        if (IsF32(x)) BiasLeakyReluAs(x, bias, y, n, c, inner, (float)slope, (float)gain);
        else BiasLeakyReluAs(x, bias, y, n, c, inner, slope, gain);
    }

    private static void BiasLeakyReluAs<T>(Tensor xt, Tensor bt, Tensor yt, int n, int c, int inner, T slope, T gain)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            // (N, C): one row per sample, the bias a vector along it
            ForRows<T>(n, c, (_, x, y) => BiasLeakyReluRow(x, bt.Span<T>(), y, slope, gain), xt, yt);
            return;
        }
        ForRows<T>(n * c, inner, (row, x, y) => BiasLeakyReluRow(x, new ReadOnlySpan<T>(in bt.Span<T>()[row % c]), y, slope, gain), xt, yt);
    }

    // y = gain·leaky_relu(x + bias) where bias has one element (broadcast) or one per element of the row; gain 1 gives
    // exactly t and slope·t (multiplying by 1 is exact), so ALAE's layers are unchanged to the bit
    private static void BiasLeakyReluRow<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> bias, Span<T> y, T slope, T gain) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool perElement = bias.Length > 1 || x.Length == 1;
        T negative = gain * slope;
        var vGain = new Vector<T>(gain); var vNegative = new Vector<T>(negative); var vBias = new Vector<T>(bias[0]);
        int i = 0, w = Vector<T>.Count;
        for (; i <= x.Length - w; i += w)
        {
            var t = new Vector<T>(x[i..]) + (perElement ? new Vector<T>(bias[i..]) : vBias);
            Vector.ConditionalSelect(Vector.GreaterThan(t, Vector<T>.Zero), vGain * t, vNegative * t).CopyTo(y[i..]);
        }
        for (; i < x.Length; i++)
        {
            T t = x[i] + bias[perElement ? i : 0];
            y[i] = t > T.Zero ? gain * t : negative * t;
        }
    }

    public void AddNoise(Tensor x, Tensor weight, Tensor noise, Tensor y)
    {
        var (n, c, inner) = ChannelLayout.ForNoise(x, weight, noise, y);
        if (IsF32(x)) AddNoiseAs<float>(x, weight, noise, y, n, c, inner);
        else AddNoiseAs<double>(x, weight, noise, y, n, c, inner);
    }

    private static void AddNoiseAs<T>(Tensor xt, Tensor weight, Tensor noise, Tensor yt, int n, int c, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ForRows<T>(n * c, inner, (row, x, y) =>
        {
            T wc = weight.Span<T>()[row % c];
            ReadOnlySpan<T> plane = noise.Span<T>().Slice(row / c * inner, inner);
            var vw = new Vector<T>(wc);
            int i = 0, w = Vector<T>.Count;
            for (; i <= inner - w; i += w) (new Vector<T>(x[i..]) + vw * new Vector<T>(plane[i..])).CopyTo(y[i..]);
            for (; i < inner; i++) y[i] = x[i] + wc * plane[i];
        }, xt, yt);
    }

    public void StyleModulate(Tensor x, Tensor style, Tensor y)
    {
        var (n, c, inner) = ChannelLayout.ForStyle(x, style, y);
        if (IsF32(x)) StyleModulateAs<float>(x, style, y, n, c, inner);
        else StyleModulateAs<double>(x, style, y, n, c, inner);
    }

    private static void StyleModulateAs<T>(Tensor xt, Tensor style, Tensor yt, int n, int c, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ForRows<T>(n * c, inner, (row, x, y) =>
        {
            int s = row / c * 2 * c + row % c;
            var st = style.Span<T>();
            T scale = st[s] + T.One, shift = st[s + c];
            var vscale = new Vector<T>(scale); var vshift = new Vector<T>(shift);
            int i = 0, w = Vector<T>.Count;
            for (; i <= inner - w; i += w) (new Vector<T>(x[i..]) * vscale + vshift).CopyTo(y[i..]);
            for (; i < inner; i++) y[i] = x[i] * scale + shift;
        }, xt, yt);
    }

    private delegate void RowBody<T>(int row, ReadOnlySpan<T> x, Span<T> y);

    // body(row, x row, y row) for the rows × inner layout of x and y, rows split over the workers
    private static void ForRows<T>(int rows, int inner, RowBody<T> body, Tensor x, Tensor y) where T : unmanaged
    {
        CpuParallel.For(rows, inner, (lo, hi) =>
        {
            var X = x.Span<T>(); var Y = y.Span<T>();
            for (int row = lo; row < hi; row++) body(row, X.Slice(row * inner, inner), Y.Slice(row * inner, inner));
        });
    }
}

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

    // gx = g·(y > 0 ? gain : gain·slope) as LeakyReluGrad computes it, gBias as SumTo(gx, (1, C, 1, …)) sums it
    public void BiasLeakyReluBackward(Tensor g, Tensor y, Tensor gx, Tensor gBias, double slope, double gain)
    {
        var (n, c, inner) = ChannelLayout.ForBiasBackward(g, y, gx, gBias);
        if (IsF32(g)) BiasLeakyReluBackwardAs(g, y, gx, gBias, n, c, inner, (float)slope, (float)gain);
        else BiasLeakyReluBackwardAs(g, y, gx, gBias, n, c, inner, slope, gain);
    }

    // rows of gx in parallel (vectorised), each row's sum as SumTo takes it, then the channel sums in sample order
    private static void BiasLeakyReluBackwardAs<T>(Tensor gt, Tensor yt, Tensor gxt, Tensor gBias, int n, int c, int inner, T slope, T gain)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = inner == 1 ? n : n * c, length = inner == 1 ? c : inner;
        var sums = new ChannelSums<T>(n, c, inner);
        CpuParallel.For(rows, 2L * length, (lo, hi) =>
        {
            ReadOnlySpan<T> G = gt.Span<T>(), Y = yt.Span<T>(); var GX = gxt.Span<T>();
            for (int row = lo; row < hi; row++)
            {
                var gxRow = GX.Slice(row * length, length);
                LeakyReluGradRow(G.Slice(row * length, length), Y.Slice(row * length, length), gxRow, slope, gain);
                sums.SetPlane(row, gxRow);
            }
        });
        sums.Finish(gxt.Span<T>(), gBias.Span<T>());
    }

    // d = g·(x > 0 ? gain : gain·slope), LeakyReluGrad's arithmetic
    private static void LeakyReluGradRow<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, Span<T> d, T slope, T gain) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T negative = gain * slope;
        int i = 0, w = Vector<T>.Count;
        var vGain = new Vector<T>(gain); var vNegative = new Vector<T>(negative);
        for (; i <= g.Length - w; i += w)
        {
            var gv = new Vector<T>(g[i..]);
            Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(x[i..]), Vector<T>.Zero), vGain * gv, vNegative * gv).CopyTo(d[i..]);
        }
        for (; i < g.Length; i++) d[i] = x[i] > T.Zero ? gain * g[i] : negative * g[i];
    }

    // gx = g·(1 + s) as Mul(g, AddScalar(s, 1)), the style gradient as SumTo over each plane of g·x and of g; planes in parallel
    public void StyleModulateBackward(Tensor g, Tensor x, Tensor style, Tensor gx, Tensor gStyle)
    {
        var (n, c, inner) = ChannelLayout.ForStyleBackward(g, x, style, gx, gStyle);
        if (IsF32(g)) StyleModulateBackwardAs<float>(g, x, style, gx, gStyle, n, c, inner);
        else StyleModulateBackwardAs<double>(g, x, style, gx, gStyle, n, c, inner);
    }

    private static void StyleModulateBackwardAs<T>(Tensor gt, Tensor xt, Tensor styleT, Tensor gxt, Tensor gStyleT, int n, int c, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(n * c, 3L * inner, (lo, hi) =>
        {
            ReadOnlySpan<T> G = gt.Span<T>(), X = xt.Span<T>(), style = styleT.Span<T>(); var GX = gxt.Span<T>(); var gStyle = gStyleT.Span<T>();
            for (int row = lo; row < hi; row++)
            {
                int s = row / c * 2 * c + row % c;
                T scale = style[s] + T.One;
                var g = G.Slice(row * inner, inner); var gx = GX.Slice(row * inner, inner);
                var vScale = new Vector<T>(scale);
                int i = 0, w = Vector<T>.Count;
                for (; i <= inner - w; i += w) (new Vector<T>(g[i..]) * vScale).CopyTo(gx[i..]);
                for (; i < inner; i++) gx[i] = g[i] * scale;
                gStyle[s] = SumOfProducts<T>(g, X.Slice(row * inner, inner));
                gStyle[s + c] = Sum<T>(g);
            }
        });
    }

    /// <summary>
    /// Per-channel sums over samples and positions of an (N, C, inner) walk, added in the order SumTo (N, C, inner) → (C)
    /// adds them, so a fused backward rounds like the composition it replaces: each (n, c) plane is summed from zero (in
    /// Sum's lane order) and added into dst[c] in sample order; with inner 1 SumTo adds the rows (N, C) in sample order,
    /// and with one channel its plan merges the samples into one run summed from zero. Planes may be set from any thread.
    /// </summary>
    private readonly struct ChannelSums<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[]? _planes;   // (N, C) sums of the planes, where each plane is summed on its own
        private readonly int _n, _c, _inner;

        public ChannelSums(int n, int c, int inner)
        {
            _n = n; _c = c; _inner = inner;
            _planes = c > 1 && inner > 1 ? new T[n * c] : null;
        }

        /// <summary>Records plane p's values (a no-op where Finish sums the whole walk).</summary>
        public void SetPlane(int p, ReadOnlySpan<T> values)
        {
            if (_planes != null) _planes[p] = Sum<T>(values);
        }

        /// <summary>Like <see cref="SetPlane"/> for a plane of products a·b, which are not stored.</summary>
        public void SetPlaneOfProducts(int p, ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        {
            if (_planes != null) _planes[p] = SumOfProducts<T>(a, b);
        }

        /// <summary>dst = the channel sums; all holds the whole walk's values (the planes' values or products' a).</summary>
        public void Finish(ReadOnlySpan<T> all, Span<T> dst, ReadOnlySpan<T> allB = default)
        {
            dst.Clear();
            if (_planes != null)
                for (int p = 0; p < _n * _c; p++) dst[p % _c] += _planes[p];
            else if (_c == 1)
                dst[0] += allB.IsEmpty ? Sum<T>(all) : SumOfProducts<T>(all, allB);
            else
                for (int row = 0; row < _n; row++)
                {
                    var a = all.Slice(row * _c, _c); var b = allB.IsEmpty ? default : allB.Slice(row * _c, _c);
                    int ch = 0, w = Vector<T>.Count;
                    for (; ch <= _c - w; ch += w)
                        (new Vector<T>(dst[ch..]) + (b.IsEmpty ? new Vector<T>(a[ch..]) : new Vector<T>(a[ch..]) * new Vector<T>(b[ch..]))).CopyTo(dst[ch..]);
                    for (; ch < _c; ch++) dst[ch] += b.IsEmpty ? a[ch] : a[ch] * b[ch];
                }
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

    // gWeight as SumTo(g·noise, (1, C, 1, 1)) and gNoise as SumTo(g·weight, (N, 1, H, W)) sum them: channels in order
    public void AddNoiseBackward(Tensor g, Tensor weight, Tensor noise, Tensor gWeight, Tensor gNoise)
    {
        var (n, c, inner) = ChannelLayout.ForNoiseBackward(g, weight, noise, gWeight, gNoise);
        if (IsF32(g)) AddNoiseBackwardAs<float>(g, weight, noise, gWeight, gNoise, n, c, inner);
        else AddNoiseBackwardAs<double>(g, weight, noise, gWeight, gNoise, n, c, inner);
    }

    // samples in parallel: each sample's noise gradient adds its channels' rows in order (vectorised along the pixels) and
    // records its planes' sums of g·noise; then the weight gradient from those in sample order
    private static void AddNoiseBackwardAs<T>(Tensor gt, Tensor weightT, Tensor noiseT, Tensor gWeight, Tensor gNoiseT, int n, int c, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sums = new ChannelSums<T>(n, c, inner);
        CpuParallel.For(n, 3L * c * inner, (lo, hi) =>
        {
            ReadOnlySpan<T> G = gt.Span<T>(), weight = weightT.Span<T>(), noise = noiseT.Span<T>(); var gNoise = gNoiseT.Span<T>();
            for (int s = lo; s < hi; s++)
            {
                var plane = noise.Slice(s * inner, inner); var gPlane = gNoise.Slice(s * inner, inner);
                if (inner == 1)
                {
                    // SumTo (N, C, 1, 1) → (N, 1, 1, 1) sums each sample's row of products like Sum
                    gPlane[0] = T.Zero + SumOfProducts<T>(G.Slice(s * c, c), weight[..c]);
                    continue;
                }
                gPlane.Clear();
                for (int ch = 0; ch < c; ch++)
                {
                    int row = s * c + ch;
                    var gRow = G.Slice(row * inner, inner);
                    var vw = new Vector<T>(weight[ch]);
                    int i = 0, w = Vector<T>.Count;
                    for (; i <= inner - w; i += w) (new Vector<T>(gPlane[i..]) + new Vector<T>(gRow[i..]) * vw).CopyTo(gPlane[i..]);
                    for (; i < inner; i++) gPlane[i] += gRow[i] * weight[ch];
                    sums.SetPlaneOfProducts(row, gRow, plane);
                }
            }
        });
        // (N, C) with inner 1 multiplies g by the noise per sample: the noise is (N, 1, 1, 1), spread over the row
        var g = gt.Span<T>(); var noiseAll = noiseT.Span<T>();
        if (inner == 1 && c > 1)
        {
            var spread = new T[n * c];
            for (int i = 0; i < spread.Length; i++) spread[i] = noiseAll[i / c];
            sums.Finish(g, gWeight.Span<T>(), spread);
        }
        else sums.Finish(g, gWeight.Span<T>(), noiseAll);
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

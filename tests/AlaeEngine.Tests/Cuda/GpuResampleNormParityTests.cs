using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>GPU against CPU: upfirdn2d and its adjoint, pooling, upsampling, instance norm, axis copies, Philox, Adam, EMA.</summary>
[GpuFixture]
public class GpuResampleNormParityTests : GpuParity
{
    // up, down, padX0, padX1, padY0, padY1, kh, kw (the tiled kernels take rates 1 and 2 and filters up to 8 a side)
    private static readonly int[][] FirCases =
    [
        [2, 1, 2, 1, 2, 1, 4, 4],      // StyleGAN 2× upsample, 4 taps: pads ((k − up + 1)/2 + up − 1, (k − up)/2)
        [1, 2, 1, 1, 1, 1, 4, 4],      // StyleGAN 2× downsample, 4 taps: pads ((k − down + 1)/2, (k − down)/2)
        [1, 1, 1, 1, 1, 1, 3, 3],      // blur
        [1, 1, -1, 0, 0, -1, 1, 1],    // crop
        [2, 1, 1, 2, 0, 3, 3, 2],      // uneven pads, non-square filter
        [1, 2, 0, 1, 2, 0, 2, 3],
        [2, 2, 3, 2, 2, 3, 8, 5],      // both rates, the largest tiled filter
        [1, 1, 4, 4, 4, 4, 9, 9],      // a filter past the tiled kernels' 8 taps: the per-element kernels
        [3, 2, 2, 1, 1, 2, 3, 3],      // rate 3: the per-element kernels
    ];

    private static (Shape X, Shape F, Shape Y, int[] P) Fir(int c, bool large = false)
    {
        var p = FirCases[c];
        // large: several output tiles (32 × 16) per plane, the last ones partial
        int n = 2, ch = 3, h = large ? 37 : 7, w = large ? 70 : 9;
        int ho = (h * p[0] + p[4] + p[5] - p[6]) / p[1] + 1, wo = (w * p[0] + p[2] + p[3] - p[7]) / p[1] + 1;
        return (new Shape(n, ch, h, w), new Shape(p[6], p[7]), new Shape(n, ch, ho, wo), p);
    }

    [Test]
    public void Upfirdn2d([Values] DType dtype, [Range(0, 8)] int c, [Values] bool large)
    {
        var (sx, sf, sy, p) = Fir(c, large);
        Parity($"Upfirdn2d {sx}→{sy} {string.Join(",", p)}", [Rand(sx, dtype, 40), Rand(sf, dtype, 41), Rand(sy, dtype, 42)], [2],
            (k, t) => k.Upfirdn2d(t[0], t[1], t[2], p[0], p[1], p[2], p[3], p[4], p[5]), Tolerance.Reduction);
    }

    [Test]
    public void Upfirdn2dAdjoint([Values] DType dtype, [Range(0, 8)] int c, [Values] bool large)
    {
        var (sx, sf, sy, p) = Fir(c, large);
        Parity($"Upfirdn2dAdjoint {sy}→{sx} {string.Join(",", p)}", [Rand(sy, dtype, 43), Rand(sf, dtype, 44), Rand(sx, dtype, 45)], [2],
            (k, t) => k.Upfirdn2dAdjoint(t[0], t[1], t[2], p[0], p[1], p[2], p[3], p[4], p[5]), Tolerance.Reduction);
    }

    [Test]
    public void Pool2x2([Values] DType dtype, [Values(new[] { 2, 3, 8, 6 }, new[] { 1, 2, 7, 9 })] int[] sx)
    {
        int[] sy = [sx[0], sx[1], sx[2] / 2, sx[3] / 2];
        Parity($"Pool2x2 {string.Join(",", sx)}", [Rand(sx, dtype, 46), Rand(sy, dtype, 47)], [1], (k, t) => k.Pool2x2(t[0], t[1], 0.25), Tolerance.Elementwise);
    }

    [Test]
    public void Upsample2x([Values] DType dtype, [Values(1.0, 2.0)] double scale)
    {
        Parity("Upsample2x", [Rand([2, 3, 5, 7], dtype, 48), Rand([2, 3, 10, 14], dtype, 49)], [1],
            (k, t) => k.Upsample2x(t[0], t[1], scale), Tolerance.Elementwise);
    }

    // registers (32, 256 and 1024 threads; f64 up to 512), split in 16384-element pieces (2 and 3 of them), a 1×1 plane
    [Test]
    public void InstanceNorm([Values] DType dtype,
        [Values(new[] { 2, 3, 7, 9 }, new[] { 1, 4, 64, 64 }, new[] { 1, 2, 128, 128 }, new[] { 1, 2, 129, 128 }, new[] { 1, 1, 160, 250 }, new[] { 3, 2, 1, 1 })] int[] sx,
        [Values(2.0, 1000.0)] double offset)
    {
        int[] ss = [sx[0], sx[1], 1, 1];
        // offset from zero so a one-pass variance would lose digits
        Parity($"InstanceNorm {string.Join(",", sx)} from {offset}", [Rand(sx, dtype, 50, offset, offset + 2), Rand(sx, dtype, 51), Rand(ss, dtype, 52), Rand(ss, dtype, 53)],
            [1, 2, 3], (k, t) => k.InstanceNorm(t[0], t[1], t[2], t[3], 1e-8, 1e-5), Tolerance.Reduction);
    }

    // registers (32, 256 and 1024 threads; f64 only up to 512), split in 16384-element pieces, a 1×1 plane;
    // which: 0 every gradient, 1 gy only, 2 the taps only
    [Test]
    public void InstanceNormBackward([Values] DType dtype, [Values(0, 1, 2)] int which,
        [Values(new[] { 2, 3, 7, 9 }, new[] { 1, 2, 64, 64 }, new[] { 1, 1, 128, 128 }, new[] { 1, 2, 129, 128 }, new[] { 3, 2, 1, 1 })] int[] sx)
    {
        int[] ss = [sx[0], sx[1], 1, 1];
        Parity($"InstanceNormBackward {string.Join(",", sx)} gradients {which}",
            [Rand(sx, dtype, 58), Rand(sx, dtype, 59), Rand(ss, dtype, 60, 0.5, 2), Rand(ss, dtype, 61), Rand(ss, dtype, 62), Rand(sx, dtype, 63)], [5],
            (k, t) => k.InstanceNormBackward(which == 2 ? null : t[0], t[1], t[2], which == 1 ? null : t[3], which == 1 ? null : t[4], t[5], 1e-5, 1e-8),
            Tolerance.Reduction);
    }

    [Test]
    public void CopyAxisRange([Values] DType dtype, [Values(0, 1, 2)] int axis)
    {
        int[] ss = [4, 5, 6], sd = [4, 5, 6];
        ss[axis] = 5; sd[axis] = 7;
        Parity($"CopyAxisRange axis {axis}", [Rand(ss, dtype, 54), Rand(sd, dtype, 55)], [1],
            (k, t) => k.CopyAxisRange(t[0], 1, t[1], 2, 3, axis), Tolerance.Exact);
    }

    [Test]
    public void FillRandomUniformIsExact([Values] DType dtype)
    {
        // the offset crosses a 2³² boundary of the counter's low word
        Parity("FillRandom uniform", [Rand([1000], dtype, 56)], [0], (k, t) => k.FillRandom(t[0], 0x0123456789ABCDEFUL, (1UL << 32) - 500, false),
            Tolerance.Exact);
    }

    [Test]
    public void FillRandomNormal([Values] DType dtype)
    {
        Parity("FillRandom normal", [Rand([4096], dtype, 57)], [0], (k, t) => k.FillRandom(t[0], 42, 7, true),
            new Tolerance(1e-6, 1e-7, 1e-13, 1e-14));
    }

    /// <summary>Multi-tensor Adam: odd sizes, an empty parameter, a coefficient per slot, and more slots than one launch's table.</summary>
    [Test]
    public void AdamStep([Values] DType dtype, [Values(1, 5, 100)] int count)
    {
        var sizes = Enumerable.Range(0, count).Select(i => i == 3 ? 0 : 1 + (i * 397) % 2331).ToArray();
        var tensors = sizes.SelectMany((n, i) => new[] { Rand([n], dtype, 1000 + 3 * i), Rand([n], dtype, 1001 + 3 * i), Rand([n], dtype, 1002 + 3 * i, 0, 1) }).ToArray();
        int[] compare = Enumerable.Range(0, count).SelectMany(i => new[] { 3 * i, 3 * i + 2 }).ToArray();   // p and v of each slot
        Parity($"AdamStep ×{count}", tensors, compare, (k, t) =>
        {
            var slots = Enumerable.Range(0, count).Select(i => new AdamSlot(t[3 * i], t[3 * i + 1], t[3 * i + 2], 0.5 + 0.01 * i)).ToList();
            k.AdamStep(slots, 0.002, 0.99, 1e-8, 7);
        }, Tolerance.Elementwise);
    }

    /// <summary>Multi-tensor lerp: odd sizes, an empty pair, and more pairs than one launch's table.</summary>
    [Test]
    public void LerpInPlace([Values] DType dtype, [Values(1, 7, 130)] int count)
    {
        var sizes = Enumerable.Range(0, count).Select(i => i == 2 ? 0 : 1 + (i * 293) % 1777).ToArray();
        var tensors = sizes.SelectMany((n, i) => new[] { Rand([n], dtype, 2000 + 2 * i), Rand([n], dtype, 2001 + 2 * i) }).ToArray();
        Parity($"LerpInPlace ×{count}", tensors, Enumerable.Range(0, count).Select(i => 2 * i).ToArray(),
            (k, t) => k.LerpInPlace(Enumerable.Range(0, count).Select(i => (t[2 * i], t[2 * i + 1])).ToList(), 0.001), Tolerance.Elementwise);
    }
}

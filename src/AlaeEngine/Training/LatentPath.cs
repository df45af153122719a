using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// Points between two latent codes. Z is a Gaussian, so a straight line between two samples passes through
/// low-norm codes the mapping never saw; the spherical path (slerp, as in the StyleGAN and ALAE interpolation
/// figures) keeps the norm. W is learned to be more linear, and the ALAE paper interpolates there with lerp.
/// </summary>
public static class LatentPath
{
    /// <summary>The ends of <paramref name="rows"/> random paths in Z: a then b, each (rows, size) ~ N(0, I) from <paramref name="seed"/>.</summary>
    public static (Tensor A, Tensor B) RandomEnds(ulong seed, int rows, int size, Device device)
    {
        var random = new RandomStream(seed);
        var a = random.Normal(new Shape(rows, size), DType.Float32, device);
        return (a, random.Normal(new Shape(rows, size), DType.Float32, device));
    }

    /// <summary>
    /// <paramref name="steps"/> points from a to b, ends included, for each row of a and b (N, L) → (N·steps, L) row-major
    /// (row i's points together), spherical when <paramref name="spherical"/> else straight. Float32 on a's device.
    /// </summary>
    public static Tensor Points(Tensor a, Tensor b, int steps, bool spherical)
    {
        if (a.Rank != 2 || a.Shape != b.Shape) throw new ArgumentException($"latent paths need two (N, L) tensors of one shape, got {a.Shape} and {b.Shape}");
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "a path needs at least its two ends");
        int n = a.Shape[0], l = a.Shape[1];
        var va = a.ToDoubleArray(); var vb = b.ToDoubleArray();
        var result = new float[n * steps * l];
        for (int i = 0; i < n; i++)
        {
            var pa = va.AsSpan(i * l, l); var pb = vb.AsSpan(i * l, l);
            for (int k = 0; k < steps; k++)
            {
                double t = k / (double)(steps - 1);
                var (ca, cb) = spherical ? SlerpWeights(pa, pb, t) : (1 - t, t);
                var dst = result.AsSpan((i * steps + k) * l, l);
                for (int j = 0; j < l; j++) dst[j] = (float)(ca * pa[j] + cb * pb[j]);
            }
        }
        return Tensor.FromArray(result, new Shape(n * steps, l), a.Device);
    }

    // sin((1−t)Ω)/sin Ω and sin(tΩ)/sin Ω, Ω the angle between a and b; nearly parallel codes fall back to lerp
    private static (double, double) SlerpWeights(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double t)
    {
        double dot = 0, na = 0, nb = 0;
        for (int j = 0; j < a.Length; j++) { dot += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j]; }
        double cos = Math.Clamp(dot / Math.Sqrt(Math.Max(na * nb, 1e-300)), -1, 1);
        double omega = Math.Acos(cos), sin = Math.Sin(omega);
        if (sin < 1e-6) return (1 - t, t);
        return (Math.Sin((1 - t) * omega) / sin, Math.Sin(t * omega) / sin);
    }
}

namespace AlaeEngine.Tensors;

/// <summary>
/// Philox4x32-10 (Salmon et al., 2011), a counter-based generator: the numbers for element i depend on (seed, i) alone,
/// so every backend, thread count and machine draws the same ones. kernels/random.cu implements the same function.
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    public static (uint, uint, uint, uint) Block(ulong seed, ulong counter)
        => Block((uint)counter, (uint)(counter >> 32), 0, 0, (uint)seed, (uint)(seed >> 32));

    /// <summary>
    /// The full Philox4x32-10 bijection on a 128-bit counter (c0 the lowest word) and a 64-bit key, as Random123's
    /// philox4x32_R(10, ctr, key); the public overload is this with c2 = c3 = 0. Exposed so the generator can be
    /// checked against the published known-answer vectors, which use all four counter words.
    /// </summary>
    internal static (uint, uint, uint, uint) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int r = 0; r < 10; r++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
            k0 += W0; k1 += W1;
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public static double Uniform(ulong seed, ulong counter) => Block(seed, counter).Item1 * (1.0 / 4294967296.0);

    /// <summary>Standard normal by Box–Muller on two of the block's words.</summary>
    public static double Normal(ulong seed, ulong counter)
    {
        var (r0, r1, _, _) = Block(seed, counter);
        double u1 = (r0 + 1.0) * (1.0 / 4294967296.0); // (0, 1]: log stays finite
        double u2 = r1 * (1.0 / 4294967296.0);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

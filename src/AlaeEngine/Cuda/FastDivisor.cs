using System.Runtime.InteropServices;

namespace AlaeEngine.Cuda;

/// <summary>
/// A divisor d in [1, 2³¹) with the constants that let a kernel divide by it with a multiply-high, an add and a shift:
/// n / d = (umulhi(n, Magic) + n) >> Shift for every n in [0, 2³¹), where Shift = ⌈log₂ d⌉ and
/// Magic = ⌊2³²·(2^Shift − d) / d⌋ + 1 (Granlund and Montgomery's round-up method). Mirrors struct Divisor of
/// kernels/common.cuh.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct FastDivisor
{
    public readonly uint D, Magic, Shift;

    public FastDivisor(int d)
    {
        if (d < 1) throw new ArgumentOutOfRangeException(nameof(d), d, "a divisor must be at least 1");
        int shift = 0;
        while ((1L << shift) < d) shift++;
        D = (uint)d;
        Shift = (uint)shift;
        Magic = (uint)((1UL << 32) * (ulong)((1L << shift) - d) / (ulong)d + 1);
    }

    /// <summary>n / d as the kernels compute it (n in [0, 2³¹)).</summary>
    public uint Divide(uint n) => (uint)(((ulong)n * Magic >> 32) + n) >> (int)Shift;
}

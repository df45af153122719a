using AlaeEngine.Cuda;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>The multiply-shift division the kernels use for merged-axes indices (kernels/common.cuh), against '/'.</summary>
[TestFixture]
public class FastDivisorTests
{
    [Test]
    public void DividesEveryNumeratorBelowTwoToThe31Exactly()
    {
        var random = new Random(11);
        int[] divisors = [.. Enumerable.Range(1, 300), 511, 512, 513, 1000, 4095, 4096, 4097, 65535, 65536, 65537, 1 << 20, (1 << 20) + 1,
            1 << 30, (1 << 30) + 1, int.MaxValue - 1, int.MaxValue, .. Enumerable.Range(0, 200).Select(_ => random.Next(1, int.MaxValue))];
        foreach (int d in divisors)
        {
            var f = new FastDivisor(d);
            // around every multiple of d near the ends of the range, and random numerators
            var numerators = new List<long> { 0, 1, d - 1L, d, d + 1L, int.MaxValue, int.MaxValue - 1L };
            long top = int.MaxValue / d * (long)d;
            numerators.AddRange([top - 1, top, top + 1, top - d, top - d + 1]);
            for (int i = 0; i < 2000; i++) numerators.Add(random.NextInt64(0, (long)int.MaxValue + 1));
            foreach (long n in numerators.Where(n => n is >= 0 and <= int.MaxValue))
                Assert.That(f.Divide((uint)n), Is.EqualTo((uint)(n / d)), $"{n} / {d} (magic {f.Magic}, shift {f.Shift})");
        }
    }

    [Test]
    public void RefusesZero()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastDivisor(0));
    }
}

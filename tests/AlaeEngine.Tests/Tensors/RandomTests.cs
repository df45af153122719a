using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Tensors;

/// <summary>
/// The counter-based generator every backend must reproduce bit for bit: first the cipher against the published
/// Random123 answers, then the properties the engine relies on (determinism, seed separation, distribution, and the
/// CPU kernel drawing exactly Philox.Normal/Uniform at counter offset + i).
/// </summary>
public class RandomTests
{
    // Random123 tests/kat_vectors, rows "philox4x32 10": counter[4] key[2] -> expected[4], words in the library's order
    // (counter word 0 first). Cross-checked in two independent copies of that file's rows (a Python port's embedded
    // table and TensorFlow's stateful random test, which cites Random123-Boost test_philox.cpp), not derived from our code.
    private static IEnumerable<TestCaseData> KnownAnswers()
    {
        yield return new TestCaseData(new uint[] { 0, 0, 0, 0 }, new uint[] { 0, 0 },
            new uint[] { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 }).SetName("Philox4x32_10 KAT counter=0 key=0");
        yield return new TestCaseData(new uint[] { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, new uint[] { 0xffffffff, 0xffffffff },
            new uint[] { 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd }).SetName("Philox4x32_10 KAT counter=ones key=ones");
        yield return new TestCaseData(new uint[] { 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344 }, new uint[] { 0xa4093822, 0x299f31d0 },
            new uint[] { 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 }).SetName("Philox4x32_10 KAT pi digits");
    }

    [TestCaseSource(nameof(KnownAnswers))]
    public void FullCounterBlockMatchesRandom123KnownAnswers(uint[] counter, uint[] key, uint[] expected)
    {
        var (r0, r1, r2, r3) = Philox.Block(counter[0], counter[1], counter[2], counter[3], key[0], key[1]);
        Assert.That(new[] { r0, r1, r2, r3 }, Is.EqualTo(expected), $"got {r0:x8} {r1:x8} {r2:x8} {r3:x8}");
    }

    [Test]
    public void PublicBlockWithZeroSeedAndCounterIsTheZeroKnownAnswer()
    {
        // the only KAT reachable through the public (seed, counter) form: it pins the public word order as well
        var (r0, r1, r2, r3) = Philox.Block(0UL, 0UL);
        Assert.That(new[] { r0, r1, r2, r3 }, Is.EqualTo(new uint[] { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 }));
    }

    [TestCase(0x0123456789abcdefUL, 0xfedcba9876543210UL)]
    [TestCase(7UL, 0UL)]
    [TestCase(0UL, 0x1_0000_0000UL)]
    public void PublicBlockPutsCounterLowWordFirstAndSeedInTheKey(ulong seed, ulong counter)
    {
        // documented layout: counter in words 0-1 (low word first), words 2-3 zero, key = (low, high) of the seed.
        // The CUDA kernel must use the same layout, so a swap here would silently change every draw.
        var pub = Philox.Block(seed, counter);
        var full = Philox.Block((uint)(counter & 0xffffffff), (uint)(counter >> 32), 0, 0, (uint)(seed & 0xffffffff), (uint)(seed >> 32));
        Assert.That(pub, Is.EqualTo(full));
        var swapped = Philox.Block((uint)(counter >> 32), (uint)(counter & 0xffffffff), 0, 0, (uint)(seed >> 32), (uint)(seed & 0xffffffff));
        if (counter >> 32 != (counter & 0xffffffff) || seed >> 32 != (seed & 0xffffffff))
            Assert.That(pub, Is.Not.EqualTo(swapped), "the check above cannot tell the word order apart");
    }

    [Test]
    public void SameSeedAndCounterGiveTheSameNumbers()
    {
        // counter-based: no hidden state, so repeated and out-of-order evaluation agree
        var first = Enumerable.Range(0, 1000).Select(i => Philox.Normal(42, (ulong)i)).ToArray();
        var again = Enumerable.Range(0, 1000).Reverse().Select(i => Philox.Normal(42, (ulong)i)).Reverse().ToArray();
        Assert.That(again, Is.EqualTo(first));
        Assert.That(Philox.Uniform(42, 17), Is.EqualTo(Philox.Uniform(42, 17)));
    }

    [Test]
    public void DifferentSeedsGiveDifferentStreams()
    {
        const int n = 1000;
        foreach (var (s1, s2) in new[] { (1UL, 2UL), (0UL, 1UL << 32), (123UL, 124UL) })
        {
            var a = Enumerable.Range(0, n).Select(i => Philox.Block(s1, (ulong)i)).ToArray();
            var b = Enumerable.Range(0, n).Select(i => Philox.Block(s2, (ulong)i)).ToArray();
            int equal = a.Zip(b).Count(p => p.First == p.Second);
            Assert.That(equal, Is.Zero, $"seeds {s1} and {s2} share {equal} of {n} blocks");
            // and the normals derived from them are uncorrelated (|r| < 5/√n)
            var x = Enumerable.Range(0, n).Select(i => Philox.Normal(s1, (ulong)i)).ToArray();
            var y = Enumerable.Range(0, n).Select(i => Philox.Normal(s2, (ulong)i)).ToArray();
            Assert.That(Math.Abs(Correlation(x, y)), Is.LessThan(5 / Math.Sqrt(n)), $"seeds {s1}, {s2}");
        }
    }

    [Test]
    public void NormalDrawsHaveZeroMeanAndUnitVarianceWithinFiveSigma()
    {
        const int n = 200_000;
        double sum = 0, sumSq = 0, sum4 = 0;
        for (int i = 0; i < n; i++)
        {
            double v = Philox.Normal(2024, (ulong)i);
            Assert.That(double.IsFinite(v), $"draw {i} is {v}");
            sum += v; sumSq += v * v; sum4 += v * v * v * v;
        }
        double mean = sum / n, variance = sumSq / n - mean * mean;
        // standard errors for N(0, 1): mean 1/√n, sample variance √(2/n), fourth moment √(96/n) (E z⁸ − (E z⁴)² = 105 − 9)
        Assert.That(Math.Abs(mean), Is.LessThan(5 / Math.Sqrt(n)), $"mean {mean}");
        Assert.That(Math.Abs(variance - 1), Is.LessThan(5 * Math.Sqrt(2.0 / n)), $"variance {variance}");
        Assert.That(Math.Abs(sum4 / n - 3), Is.LessThan(5 * Math.Sqrt(96.0 / n)), $"fourth moment {sum4 / n} (a non-Gaussian shape)");
    }

    [Test]
    public void UniformDrawsLieInTheHalfOpenUnitIntervalWithMeanOneHalf()
    {
        const int n = 200_000;
        double sum = 0, min = 1, max = 0;
        for (int i = 0; i < n; i++)
        {
            double u = Philox.Uniform(99, (ulong)i);
            Assert.That(u, Is.GreaterThanOrEqualTo(0.0).And.LessThan(1.0), $"draw {i}");
            sum += u; min = Math.Min(min, u); max = Math.Max(max, u);
        }
        Assert.That(Math.Abs(sum / n - 0.5), Is.LessThan(5 * Math.Sqrt(1.0 / 12 / n)), $"mean {sum / n}");
        Assert.That(min, Is.LessThan(1e-3)); // covers the whole interval
        Assert.That(max, Is.GreaterThan(1 - 1e-3));
    }

    [Test]
    public void UniformIsTheFirstWordOverTwoToThe32()
    {
        // the largest word must map strictly below 1 ([0, 1) is what callers assume, e.g. for index sampling)
        for (ulong c = 0; c < 100; c++)
            Assert.That(Philox.Uniform(5, c), Is.EqualTo(Philox.Block(5, c).Item1 / 4294967296.0));
        Assert.That(uint.MaxValue / 4294967296.0, Is.LessThan(1.0));
    }

    [TestCase(DType.Float64, true)]
    [TestCase(DType.Float32, true)]
    [TestCase(DType.Float64, false)]
    [TestCase(DType.Float32, false)]
    public void CpuFillRandomDrawsPhiloxAtOffsetPlusIndex(DType dtype, bool normal)
    {
        const ulong seed = 31337, offset = (1UL << 32) + 5; // an offset past 2³² exercises counter word 1
        using var t = Tensor.Empty(new Shape(3, 5, 7), dtype);
        t.Kernels.FillRandom(t, seed, offset, normal);
        var got = t.ToDoubleArray();
        for (int i = 0; i < got.Length; i++)
        {
            double want = normal ? Philox.Normal(seed, offset + (ulong)i) : Philox.Uniform(seed, offset + (ulong)i);
            if (dtype == DType.Float32) want = (float)want;
            Assert.That(got[i], Is.EqualTo(want), $"element {i}");
        }
    }

    [Test]
    public void CpuFillRandomOfTwoHalvesEqualsOneFill()
    {
        // the offset is what lets a tensor be filled in pieces (or on another device) with the same numbers
        using var whole = Tensor.Empty(new Shape(100), DType.Float64);
        using var a = Tensor.Empty(new Shape(40), DType.Float64);
        using var b = Tensor.Empty(new Shape(60), DType.Float64);
        whole.Kernels.FillRandom(whole, 8, 1000, true);
        a.Kernels.FillRandom(a, 8, 1000, true);
        b.Kernels.FillRandom(b, 8, 1040, true);
        Assert.That(a.ToDoubleArray().Concat(b.ToDoubleArray()).ToArray(), Is.EqualTo(whole.ToDoubleArray()));
    }

    private static double Correlation(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my); }
        return sxy / Math.Sqrt(sxx * syy);
    }
}

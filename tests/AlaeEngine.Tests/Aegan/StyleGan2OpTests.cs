using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Aegan;

/// <summary>The StyleGAN2 layer ops against loops written from their definitions (the op table checks their gradients).</summary>
public class StyleGan2OpTests
{
    private static Tensor Normal(ulong seed, params int[] dims) => new RandomStream(seed).Normal(new Shape(dims), DType.Float64);

    [TestCase(8, 4), TestCase(3, 4), TestCase(4, 2), TestCase(1, 4)]
    public void MinibatchStddevGroupsSamplesWithStrideAndAppendsOneChannel(int n, int group)
    {
        using var scope = TensorScope.Begin();
        int c = 3, h = 2, w = 3;
        var x = Normal(1, n, c, h, w);
        var y = Op.MinibatchStddev(x, group).ToDoubleArray();
        var xs = x.ToDoubleArray();
        int g = Math.Min(n, group), slots = n / g, plane = h * w;
        for (int b = 0; b < n; b++)
        {
            // samples b mod slots, b mod slots + slots, … form sample b's group
            var members = Enumerable.Range(0, g).Select(k => b % slots + k * slots).ToArray();
            double sigma = 0;
            for (int e = 0; e < c * plane; e++)
            {
                var v = members.Select(m => xs[m * c * plane + e]).ToArray();
                double mean = v.Average();
                sigma += Math.Sqrt(v.Sum(t => (t - mean) * (t - mean)) / g + 1e-8);
            }
            sigma /= c * plane;
            for (int e = 0; e < c * plane; e++) Assert.That(y[b * (c + 1) * plane + e], Is.EqualTo(xs[b * c * plane + e]), "input channels pass through");
            for (int p = 0; p < plane; p++) Assert.That(y[(b * (c + 1) + c) * plane + p], Is.EqualTo(sigma).Within(1e-12), $"sample {b}'s stddev channel");
        }
    }

    [Test]
    public void MinibatchStddevRejectsABatchThatDoesNotSplit()
    {
        using var scope = TensorScope.Begin();
        Assert.That(() => Op.MinibatchStddev(Normal(1, 6, 2, 2, 2), 4), Throws.ArgumentException.With.Message.Contains("batch of 6"));
    }
}

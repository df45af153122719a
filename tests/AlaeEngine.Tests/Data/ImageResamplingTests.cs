using NUnit.Framework;
using AlaeEngine.Data;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Tests.Data;

public class ImageResamplingTests
{
    [Test]
    public void SixToFourUsesHandComputedFractionalWeights()
    {
        // Output pixel j covers source [1.5 j, 1.5 j + 1.5): weights (2/3, 1/3) or (1/3, 2/3) on two source pixels.
        double t = 2.0 / 3, o = 1.0 / 3;
        double[,] w =
        {
            { t, o, 0, 0, 0, 0 },
            { 0, o, t, 0, 0, 0 },
            { 0, 0, 0, t, o, 0 },
            { 0, 0, 0, 0, o, t },
        };
        const int C = 2;
        var src = new float[C * 36];
        for (int i = 0; i < src.Length; i++) src[i] = (i * 37 % 23) / 11f - 1f;

        var got = ImageResampling.AreaResize(src, C, 6, 4);

        Assert.That(got, Has.Length.EqualTo(C * 16));
        for (int c = 0; c < C; c++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                {
                    double e = 0;
                    for (int sy = 0; sy < 6; sy++)
                        for (int sx = 0; sx < 6; sx++)
                            e += w[y, sy] * w[x, sx] * src[(c * 6 + sy) * 6 + sx];
                    Assert.That(got[(c * 4 + y) * 4 + x], Is.EqualTo(e).Within(1e-6), $"c {c} y {y} x {x}");
                }
    }

    [Test]
    public void ExactHalvingIsTheMeanOfTwoByTwoBlocksAndMatchesAvgPool2x2()
    {
        const int C = 3, S = 8;
        var src = new float[C * S * S];
        for (int i = 0; i < src.Length; i++) src[i] = MathF.Sin(i * 0.7f);

        var got = ImageResampling.AreaResize(src, C, S, S / 2);

        for (int c = 0; c < C; c++)
            for (int y = 0; y < S / 2; y++)
                for (int x = 0; x < S / 2; x++)
                {
                    int p = (c * S + 2 * y) * S + 2 * x;
                    double mean = (src[p] + (double)src[p + 1] + src[p + S] + src[p + S + 1]) / 4;
                    Assert.That(got[(c * S / 2 + y) * S / 2 + x], Is.EqualTo(mean).Within(1e-6));
                }
        using var pooled = Op.AvgPool2x2(Tensor.FromArray(src, new Shape(1, C, S, S)));
        Assert.That(got, Is.EqualTo(pooled.ToFloatArray()).Within(1e-6));
    }

    [Test]
    public void IntegerValuedHalvingIsBitExact()
    {
        var src = Enumerable.Range(0, 3 * 16 * 16).Select(i => (float)(i * 13 % 256)).ToArray();
        var got = ImageResampling.AreaResize(src, 3, 16, 8);
        using var pooled = Op.AvgPool2x2(Tensor.FromArray(src, new Shape(1, 3, 16, 16)));
        Assert.That(got, Is.EqualTo(pooled.ToFloatArray()));
    }

    [Test]
    public void SameSideIsACopyAndEnlargingReplicatesOrBlends()
    {
        float[] src = [1, 2, 3, 4];
        Assert.That(ImageResampling.AreaResize(src, 1, 2, 2), Is.EqualTo(src));
        Assert.That(ImageResampling.AreaResize(src, 1, 2, 4), Is.EqualTo(new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }));
        // 2 → 3: the middle output pixel straddles both source pixels equally.
        Assert.That(ImageResampling.AreaResize(src, 1, 2, 3),
            Is.EqualTo(new float[] { 1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4 }).Within(1e-6));
    }

    [Test]
    public void CentreCropTakesTheMiddleSquare()
    {
        // (1, 3, 5): value = 10 y + x. The middle 3 × 3 is columns 1..3.
        var wide = Enumerable.Range(0, 15).Select(i => (float)(10 * (i / 5) + i % 5)).ToArray();
        Assert.That(ImageResampling.CentreCrop(wide, 1, 3, 5), Is.EqualTo(new float[] { 1, 2, 3, 11, 12, 13, 21, 22, 23 }));

        // (2, 4, 2) tall with an even excess: rows 1..2 of each channel.
        var tall = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        Assert.That(ImageResampling.CentreCrop(tall, 2, 4, 2), Is.EqualTo(new float[] { 2, 3, 4, 5, 10, 11, 12, 13 }));

        // (1, 2, 5): odd excess of 3 columns, one dropped on the left and two on the right.
        var odd = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();
        Assert.That(ImageResampling.CentreCrop(odd, 1, 2, 5), Is.EqualTo(new float[] { 1, 2, 6, 7 }));
    }

    [Test]
    public void HalveRoundsTheExactMeanHalfToEven()
    {
        // Blocks (in a 4×4 plane, 2×2 blocks) with sums 1, 2, 6, 10 → means 0.25, 0.5, 1.5, 2.5 → 0, 0, 2, 2.
        byte[] src =
        [
            0, 0, 0, 1,
            0, 1, 0, 1,
            1, 2, 2, 3,
            1, 2, 2, 3,
        ];
        Assert.That(ImageResampling.Halve(src, 1, 4), Is.EqualTo(new byte[] { 0, 0, 2, 2 }));
        Assert.That(ImageResampling.Halve([255, 255, 255, 254, 3, 3, 3, 0], 2, 2), Is.EqualTo(new byte[] { 255, 2 }));
        Assert.Throws<ArgumentException>(() => ImageResampling.Halve(new byte[9], 1, 3));
    }
}

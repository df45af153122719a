using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Style;

/// <summary>The paths of `alae interpolate`: ends included, lerp straight, slerp on the sphere.</summary>
public class LatentPathTests
{
    [Test]
    public void LerpAndSlerpHitTheEndsAndSlerpKeepsTheNorm()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray(new float[] { 1, 0, 0, 2 }, new Shape(2, 2));
        var b = Tensor.FromArray(new float[] { 0, 1, 2, 0 }, new Shape(2, 2));
        var lerp = Latents(LatentPath.Points(a, b, 3, spherical: false));
        var slerp = Latents(LatentPath.Points(a, b, 3, spherical: true));
        Assert.That(lerp, Has.Length.EqualTo(6));
        Assert.That(lerp[0], Is.EqualTo(new[] { 1f, 0f }));
        Assert.That(lerp[1], Is.EqualTo(new[] { 0.5f, 0.5f }));
        Assert.That(lerp[2], Is.EqualTo(new[] { 0f, 1f }));
        Assert.That(lerp[3], Is.EqualTo(new[] { 0f, 2f }), "row 1 starts at a's second code");
        Assert.That(slerp[0][0], Is.EqualTo(1f).Within(1e-6)); Assert.That(slerp[2][1], Is.EqualTo(1f).Within(1e-6));
        Assert.That(slerp[1][0], Is.EqualTo(Math.Sqrt(0.5)).Within(1e-6), "the midpoint of a quarter circle");
        Assert.That(Math.Sqrt(slerp[4][0] * slerp[4][0] + slerp[4][1] * slerp[4][1]), Is.EqualTo(2).Within(1e-5));
    }

    private static float[][] Latents(Tensor t) => t.ToFloatArray().Chunk(t.Shape[1]).ToArray();
}

using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Style;

/// <summary>The bands and rows of `alae mix` and the images they compose, on the tiny preset.</summary>
public class StyleMixingTests
{
    [Test]
    public void BandsFollowTheStyleGanResolutions()
    {
        // 1024²: 9 blocks, 18 style layers; coarse 4²–8², middle 16²–32², fine 64²–1024²
        Assert.That(StyleMixing.Bands(18), Is.EqualTo(new[] { new StyleBand("coarse", 0, 4), new StyleBand("middle", 4, 8), new StyleBand("fine", 8, 18) }));
        Assert.That(StyleMixing.Bands(6), Is.EqualTo(new[] { new StyleBand("coarse", 0, 4), new StyleBand("middle", 4, 6) }), "16²: middle is cut at the last layer");
        Assert.That(StyleMixing.Bands(2), Is.EqualTo(new[] { new StyleBand("coarse", 0, 2) }), "4²: only coarse styles exist");
    }

    [Test]
    public void RowsAreBothReconstructionsThenOneBandFromA()
    {
        var rows = StyleMixing.Rows(6);
        Assert.That(rows.Select(r => r.Label), Is.EqualTo(new[] { "G(E(A))", "G(E(B))", "coarse from A, rest from B", "middle from A, rest from B" }));
        Assert.That(rows[0].FromA, Is.All.True);
        Assert.That(rows[1].FromA, Is.All.False);
        Assert.That(rows[2].FromA, Is.EqualTo(new[] { true, true, true, true, false, false }));
        Assert.That(rows[3].FromA, Is.EqualTo(new[] { false, false, false, false, true, true }));
        using var scope = TensorScope.Begin();
        var wa = Tensor.Zeros(new Shape(1, 2)); var wb = Tensor.Zeros(new Shape(1, 2));
        Assert.That(StyleMixing.Styles(rows[3], wa, wb), Is.EqualTo(new[] { wb, wb, wb, wb, wa, wa }));
    }

    [Test]
    public void MixedImagesComposeTheCodesOfAAndB()
    {
        using var model = new StyleAlae(StyleAlaePreset.Tiny.Model, new Init(4));
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var images = new SmoothImageSource(4, 3, 16, seed: 8).Batch(16, [0, 1, 2, 3], flip: false);
        var a = Op.Slice(images, 0, 0, 2); var b = Op.Slice(images, 0, 2, 2);
        var grid = StyleMixing.Generate(model, a, b, noiseSeed: 5);
        Assert.That(grid, Has.Count.EqualTo(4));
        Assert.That(grid.Select(g => g.Shape), Is.All.EqualTo(new Shape(2, 3, 16, 16)));

        model.Noise = new RandomStream(5);
        Assert.That(grid[0].ToFloatArray(), Is.EqualTo(model.Reconstruct(a).ToFloatArray()), "row G(E(A)) is A's reconstruction");
        var wa = model.Encode(a); var wb = model.Encode(b);
        model.Noise = new RandomStream(5);
        var coarse = model.GenerateStyles([wa, wa, wa, wa, wb, wb], model.Noise);
        Assert.That(grid[2].ToFloatArray(), Is.EqualTo(coarse.ToFloatArray()), "A's 4²–8² styles, B's 16²");
        Assert.That(grid[2].ToFloatArray(), Is.Not.EqualTo(grid[0].ToFloatArray()));
        Assert.That(grid[2].ToFloatArray(), Is.Not.EqualTo(grid[1].ToFloatArray()));
    }
}

using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Tensors;
using AlaeEngine.Tests.Data;
using NUnit.Framework;
using StbImageSharp;
using StbImageWriteSharp;

namespace AlaeEngine.Tests.IO;

public class ImageGridTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = DataIoPaths.NewTempDir();
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    // Value of pixel (y, x) of channel ch of image i in the synthetic tensors; spans beyond [-1, 1] to exercise clamping.
    private static float V(int i, int ch, int y, int x) => -1.4f + 0.1f * x + 0.35f * y + 0.5f * ch + 0.2f * i;

    private static byte Expected(float v) => (byte)Math.Round((Math.Min(1, Math.Max(-1, v)) + 1) * 255 / 2, MidpointRounding.ToEven);

    private static Tensor Synthetic(int n, int c, int h, int w)
    {
        var d = new float[n * c * h * w];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        d[((i * c + ch) * h + y) * w + x] = V(i, ch, y, x);
        return Tensor.FromArray(d, new Shape(n, c, h, w));
    }

    private static ImageResult ReadPng(string path)
        => ImageResult.FromMemory(File.ReadAllBytes(path), StbImageSharp.ColorComponents.RedGreenBlue);

    private static (byte R, byte G, byte B) At(ImageResult img, int x, int y)
    {
        int o = (y * img.Width + x) * 3;
        return (img.Data[o], img.Data[o + 1], img.Data[o + 2]);
    }

    [Test]
    public void GreyGridPlacesEveryPixelWithBorders()
    {
        var p = Path.Combine(_dir, "grid.png");
        using var t = Synthetic(3, 1, 4, 5);
        ImageGrid.Save(p, t, cols: 2);
        var img = ReadPng(p);

        // 2 columns of 5 px + 3 borders of 2 px; 2 rows of 4 px + 3 borders.
        Assert.That(img.Width, Is.EqualTo(16));
        Assert.That(img.Height, Is.EqualTo(14));
        for (int i = 0; i < 3; i++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 5; x++)
                {
                    int px = 2 + (i % 2) * 7 + x, py = 2 + (i / 2) * 6 + y;
                    var e = Expected(V(i, 0, y, x));
                    Assert.That(At(img, px, py), Is.EqualTo((e, e, e)), $"image {i} pixel ({y}, {x})");
                }
        Assert.That(At(img, 0, 0), Is.EqualTo(((byte)64, (byte)64, (byte)64)), "corner border");
        Assert.That(At(img, 7, 3), Is.EqualTo(((byte)64, (byte)64, (byte)64)), "border between columns");
        Assert.That(At(img, 9 + 2, 8 + 1), Is.EqualTo(((byte)64, (byte)64, (byte)64)), "empty fourth cell");
    }

    [Test]
    public void GroupsSideBySideAreSeparatedAndKeepColour()
    {
        var p = Path.Combine(_dir, "groups.png");
        using var rgb = Synthetic(2, 3, 4, 5);
        using var grey = Synthetic(1, 1, 4, 5);
        ImageGrid.Save(p, [rgb, grey], cols: 2, GridArrangement.SideBySide);
        var img = ReadPng(p);

        Assert.That(img.Width, Is.EqualTo(16 + 4 + 16));
        Assert.That(img.Height, Is.EqualTo(8));
        // Image 1 of the RGB group, pixel (2, 3).
        Assert.That(At(img, 2 + 7 + 3, 2 + 2), Is.EqualTo((Expected(V(1, 0, 2, 3)), Expected(V(1, 1, 2, 3)), Expected(V(1, 2, 2, 3)))));
        // White gap between the blocks.
        Assert.That(At(img, 17, 5), Is.EqualTo(((byte)255, (byte)255, (byte)255)));
        // Image 0 of the grey group, pixel (3, 4), after the 16-px block and the 4-px gap.
        var e = Expected(V(0, 0, 3, 4));
        Assert.That(At(img, 20 + 2 + 4, 2 + 3), Is.EqualTo((e, e, e)));
    }

    [Test]
    public void StackedGroupsPadToTheirOwnRowCount()
    {
        var p = Path.Combine(_dir, "stacked.png");
        using var a = Synthetic(3, 1, 4, 5);
        using var b = Synthetic(1, 3, 4, 5);
        ImageGrid.Save(p, [a, b], cols: 3, GridArrangement.Stacked);
        var img = ReadPng(p);

        Assert.That(img.Width, Is.EqualTo(3 * 5 + 4 * 2));
        Assert.That(img.Height, Is.EqualTo(8 + 4 + 8));
        Assert.That(At(img, 5, 9), Is.EqualTo(((byte)255, (byte)255, (byte)255)), "gap row");
        Assert.That(At(img, 2 + 1, 12 + 2 + 0), Is.EqualTo((Expected(V(0, 0, 0, 1)), Expected(V(0, 1, 0, 1)), Expected(V(0, 2, 0, 1)))));
    }

    /// <summary>True where the 5×7 glyph of <paramref name="c"/> drawn at (x0, y0), scale 1, should be ink.</summary>
    private static void AssertGlyph(ImageResult img, char c, int x0, int y0)
    {
        for (int gy = 0; gy < BitmapFont.GlyphHeight; gy++)
            for (int gx = 0; gx < BitmapFont.GlyphWidth; gx++)
            {
                var expected = BitmapFont.Ink(c, gx, gy) ? ((byte)0, (byte)0, (byte)0) : ((byte)255, (byte)255, (byte)255);
                Assert.That(At(img, x0 + gx, y0 + gy), Is.EqualTo(expected), $"'{c}' pixel ({gx}, {gy})");
            }
    }

    [Test]
    public void StackedGroupsAreLabelledInTheImage()
    {
        var p = Path.Combine(_dir, "labelled.png");
        using var a = Synthetic(3, 1, 9, 5);
        using var b = Synthetic(2, 3, 9, 5);
        ImageGrid.Save(p, [a, b], cols: 3, GridArrangement.Stacked, labels: ["x", "G(E(x))"]);
        var img = ReadPng(p);

        // a left margin: the longer label (7 glyphs, 41 px) and 3 px either side
        int margin = BitmapFont.Width("G(E(x))", 1) + 6;
        Assert.That(img.Width, Is.EqualTo(margin + 3 * 5 + 4 * 2));
        Assert.That(img.Height, Is.EqualTo(13 + 4 + 13));
        // each label level with its block's first row: 2 px border, (9 − 7) / 2 = 1 px down
        AssertGlyph(img, 'x', 3, 2 + 1);
        AssertGlyph(img, 'G', 3, 13 + 4 + 2 + 1);
        AssertGlyph(img, 'E', 3 + 2 * BitmapFont.Advance, 13 + 4 + 2 + 1);
        // the images moved right by the margin, unchanged
        Assert.That(At(img, margin + 2 + 7 + 4, 2 + 3), Is.EqualTo((Expected(V(1, 0, 3, 4)), Expected(V(1, 0, 3, 4)), Expected(V(1, 0, 3, 4)))));
    }

    [Test]
    public void SideBySideGroupsAreLabelledAbove()
    {
        var p = Path.Combine(_dir, "above.png");
        using var a = Synthetic(2, 1, 4, 5);
        using var b = Synthetic(2, 1, 4, 5);
        ImageGrid.Save(p, [a, b], cols: 2, GridArrangement.SideBySide, labels: ["A", "B"]);
        var img = ReadPng(p);

        Assert.That(img.Height, Is.EqualTo(3 + 7 + 3 + 8));
        // centred over each 16-px block
        AssertGlyph(img, 'A', (16 - 5) / 2, 3);
        AssertGlyph(img, 'B', 16 + 4 + (16 - 5) / 2, 3);
    }

    [Test]
    public void ALabelPerGroupIsRequired()
    {
        using var a = Tensor.Zeros(new Shape(1, 1, 4, 4));
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.Render([a, a], 2, GridArrangement.Stacked, ["only one"]))!;
        Assert.That(e.Message, Does.Contain("1 labels given for 2 image groups"));
    }

    [Test]
    public void BadShapesAreRefused()
    {
        using var flat = Tensor.Zeros(new Shape(2, 784));
        using var two = Tensor.Zeros(new Shape(1, 2, 4, 4));
        using var a = Tensor.Zeros(new Shape(1, 1, 4, 4));
        using var b = Tensor.Zeros(new Shape(1, 1, 5, 4));
        Assert.Throws<ArgumentException>(() => ImageGrid.Render([flat], 2, GridArrangement.Stacked));
        Assert.Throws<ArgumentException>(() => ImageGrid.Render([two], 2, GridArrangement.Stacked));
        Assert.Throws<ArgumentException>(() => ImageGrid.Render([a, b], 2, GridArrangement.Stacked));
    }

    [Test]
    public void LoadRgbReadsPngAsChannelMajorUnitRange()
    {
        var p = Path.Combine(_dir, "in.png");
        int w = 3, h = 2;
        var pixels = new byte[w * h * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 13 % 256);
        using (var fs = File.Create(p))
            new ImageWriter().WritePng(pixels, w, h, StbImageWriteSharp.ColorComponents.RedGreenBlue, fs);

        using var t = ImageIO.LoadRgb(p);
        Assert.That(t.Shape, Is.EqualTo(new Shape(3, h, w)));
        var d = t.ToFloatArray();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    Assert.That(d[(c * h + y) * w + x], Is.EqualTo(pixels[(y * w + x) * 3 + c] / 127.5 - 1).Within(1e-6));
    }

    [Test]
    public void LoadRgbReadsJpeg()
    {
        var p = Path.Combine(_dir, "in.jpg");
        int w = 16, h = 8;
        var pixels = new byte[w * h * 3];
        for (int i = 0; i < pixels.Length; i += 3) { pixels[i] = 200; pixels[i + 1] = 40; pixels[i + 2] = 90; }
        using (var fs = File.Create(p))
            new ImageWriter().WriteJpg(pixels, w, h, StbImageWriteSharp.ColorComponents.RedGreenBlue, fs, 95);

        using var t = ImageIO.LoadRgb(p);
        Assert.That(t.Shape, Is.EqualTo(new Shape(3, h, w)));
        var d = t.ToFloatArray();
        int plane = w * h;
        // JPEG is lossy: a flat colour comes back within a few levels.
        Assert.That(d[0 * plane + 20], Is.EqualTo(200 / 127.5 - 1).Within(0.05));
        Assert.That(d[1 * plane + 20], Is.EqualTo(40 / 127.5 - 1).Within(0.05));
        Assert.That(d[2 * plane + 20], Is.EqualTo(90 / 127.5 - 1).Within(0.05));
    }

    [Test]
    public void UndecodableImageIsReported()
    {
        var p = Path.Combine(_dir, "junk.png");
        File.WriteAllBytes(p, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var e = Assert.Throws<DataFormatException>(() => ImageIO.LoadRgb(p))!;
        Assert.That(e.Message, Does.StartWith(p));
        Assert.Throws<DataFormatException>(() => ImageIO.LoadRgb(Path.Combine(_dir, "missing.png")));
    }
}

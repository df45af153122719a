using System.Runtime.Versioning;
using NUnit.Framework;
using AlaeEngine.Data;
using AlaeEngine.IO;
using StbImageWriteSharp;

namespace AlaeEngine.Tests.Data;

public class ImageFolderTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = DataIoPaths.NewTempDir();
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    internal static string SampleDir => Path.Combine(DataIoPaths.RepoRoot, "data", "faces128-sample");

    [Test]
    public void BundledSampleLoadsAllThirtyTwoFacesInNameOrder()
    {
        var warnings = new List<string>();
        var folder = ImageFolder.Load(SampleDir, 128, warn: warnings.Add);

        Assert.That(folder.Count, Is.EqualTo(32));
        Assert.That(folder.SkippedCount, Is.Zero);
        Assert.That(warnings, Is.Empty);
        Assert.That(folder.Files.Select(Path.GetFileName), Is.EqualTo(Enumerable.Range(0, 32).Select(i => $"{i:D5}.png")));
        Assert.That(folder.Pixels(31).Length, Is.EqualTo(3 * 128 * 128));
        // At the native size the pipeline is the identity: the bytes are the decoded pixels.
        Assert.That(folder.Pixels(5).ToArray(), Is.EqualTo(DecodedBytes(folder.Files[5])));
    }

    [Test]
    public void HalfSizeIsTheRoundedMeanOfTwoByTwoBlocks()
    {
        var file = Path.Combine(SampleDir, "00003.png");
        var full = DecodedBytes(file);
        var half = ImageFolder.LoadSquare(file, 64);

        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                {
                    int p = (c * 128 + 2 * y) * 128 + 2 * x;
                    int sum = full[p] + full[p + 1] + full[p + 128] + full[p + 129];
                    int got = half[(c * 64 + y) * 64 + x];
                    // A mean ending in .5 may round either way after the float conversion; all others exactly.
                    if (sum % 4 == 2) Assert.That(got, Is.EqualTo(sum / 4).Or.EqualTo(sum / 4 + 1));
                    else Assert.That(got, Is.EqualTo((int)Math.Round(sum / 4.0)), $"c {c} y {y} x {x}");
                }
    }

    [Test]
    public void GreyAndRgbaImagesBecomeRgb()
    {
        var grey = Enumerable.Range(0, 16).Select(i => (byte)(i * 16)).ToArray();
        ImageIO.SavePng(Path.Combine(_dir, "a-grey.png"), grey, 4, 4, 1);
        var rgba = new byte[4 * 4 * 4];
        for (int p = 0; p < 16; p++) (rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]) = ((byte)p, (byte)(100 + p), (byte)(200 + p), (byte)(p * 8));
        ImageIO.SavePng(Path.Combine(_dir, "b-rgba.png"), rgba, 4, 4, 4);

        var folder = ImageFolder.Load(_dir, 4);

        Assert.That(folder.Count, Is.EqualTo(2));
        var g = folder.Pixels(0).ToArray();
        for (int c = 0; c < 3; c++) Assert.That(g[(c * 16)..(c * 16 + 16)], Is.EqualTo(grey), $"grey copied to channel {c}");
        var rgb = folder.Pixels(1).ToArray();
        for (int p = 0; p < 16; p++)
        {
            // Alpha is dropped, not blended: a transparent pixel keeps its colour.
            Assert.That(rgb[p], Is.EqualTo(p));
            Assert.That(rgb[16 + p], Is.EqualTo(100 + p));
            Assert.That(rgb[32 + p], Is.EqualTo(200 + p));
        }
    }

    [Test]
    public void NonSquareImageIsCentreCroppedBeforeResizing()
    {
        // 6 wide, 4 high, grey value 40·column + 4·row: the middle square is columns 1..4.
        var pixels = new byte[24];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 6; x++) pixels[y * 6 + x] = (byte)(40 * x + 4 * y);
        ImageIO.SavePng(Path.Combine(_dir, "wide.png"), pixels, 6, 4, 1);

        var square = ImageFolder.LoadSquare(Path.Combine(_dir, "wide.png"), 4);
        var expected = new byte[16];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) expected[y * 4 + x] = (byte)(40 * (x + 1) + 4 * y);
        Assert.That(square[..16], Is.EqualTo(expected));

        // Then 4 → 2 averages 2×2 blocks of the crop, e.g. (40 + 80 + 44 + 84) / 4 = 62.
        var small = ImageFolder.LoadSquare(Path.Combine(_dir, "wide.png"), 2);
        Assert.That(small[..4], Is.EqualTo(new byte[] { 62, 142, 70, 150 }));
    }

    [Test]
    public void JpegAndUpperCaseExtensionsAreReadInOrdinalPathOrder()
    {
        var rgb = new byte[8 * 8 * 3];
        Array.Fill(rgb, (byte)128);
        ImageIO.SavePng(Path.Combine(_dir, "b.PNG"), rgb, 8, 8, 3);
        ImageIO.SavePng(Path.Combine(_dir, "a.png"), rgb, 8, 8, 3);
        using (var s = File.Create(Path.Combine(_dir, "c.JPEG"))) new ImageWriter().WriteJpg(rgb, 8, 8, ColorComponents.RedGreenBlue, s, 95);
        using (var s = File.Create(Path.Combine(_dir, "B2.jpg"))) new ImageWriter().WriteJpg(rgb, 8, 8, ColorComponents.RedGreenBlue, s, 95);
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "not an image, not a candidate");
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        ImageIO.SavePng(Path.Combine(_dir, "sub", "a.png"), rgb, 8, 8, 3);

        var flat = ImageFolder.Load(_dir, 4);
        Assert.That(flat.Files.Select(Path.GetFileName), Is.EqualTo(new[] { "B2.jpg", "a.png", "b.PNG", "c.JPEG" }));
        Assert.That(flat.SkippedCount, Is.Zero);
        Assert.That(flat.Pixels(0).ToArray(), Has.All.InRange(126, 130), "JPEG decodes close to the flat grey");

        var deep = ImageFolder.Load(_dir, 4, recursive: true);
        Assert.That(deep.Files.Select(f => Path.GetRelativePath(_dir, f).Replace('\\', '/')),
            Is.EqualTo(new[] { "B2.jpg", "a.png", "b.PNG", "c.JPEG", "sub/a.png" }));
    }

    [Test]
    public void CorruptFilesAreSkippedWithAWarningAndCounted()
    {
        var rgb = new byte[8 * 8 * 3];
        ImageIO.SavePng(Path.Combine(_dir, "good1.png"), rgb, 8, 8, 3);
        ImageIO.SavePng(Path.Combine(_dir, "good2.png"), rgb, 8, 8, 3);
        var text = Path.Combine(_dir, "text.png");
        File.WriteAllText(text, "this is not a PNG");
        var truncated = Path.Combine(_dir, "truncated.png");
        File.WriteAllBytes(truncated, File.ReadAllBytes(Path.Combine(SampleDir, "00000.png"))[..200]);

        var warnings = new List<string>();
        var folder = ImageFolder.Load(_dir, 8, warn: warnings.Add);

        Assert.That(folder.Count, Is.EqualTo(2));
        Assert.That(folder.SkippedCount, Is.EqualTo(2));
        Assert.That(folder.Skipped.Select(s => s.File), Is.EqualTo(new[] { text, truncated }));
        Assert.That(folder.Skipped.Select(s => s.Reason), Is.EqualTo(new[]
        {
            "cannot decode image (unknown image type)",
            "truncated PNG: the file ends inside the IDAT chunk at byte 33 (30495 data bytes announced, 159 present)",
        }));
        Assert.That(warnings, Has.Count.EqualTo(2));
        Assert.That(warnings[0], Does.Contain(text).And.Contain("skipped"));
        Assert.That(warnings[1], Does.Contain(truncated));
    }

    [Test]
    public void DecodeStreamsOneFileAtATime()
    {
        var rgb = new byte[8 * 8 * 3];
        ImageIO.SavePng(Path.Combine(_dir, "a.png"), rgb, 8, 8, 3);
        File.WriteAllText(Path.Combine(_dir, "b.png"), "text");
        ImageIO.SavePng(Path.Combine(_dir, "c.png"), rgb, 8, 8, 3);
        var skipped = new List<SkippedImage>();
        var warnings = new List<string>();

        using var e = ImageFolder.Decode(_dir, ImageFolder.List(_dir), 4, skipped, warnings.Add).GetEnumerator();
        Assert.That(e.MoveNext(), Is.True);
        Assert.That(Path.GetFileName(e.Current.File), Is.EqualTo("a.png"));
        Assert.That(e.Current.Pixels, Has.Length.EqualTo(3 * 4 * 4));
        Assert.That(skipped, Is.Empty, "b.png is not decoded before it is needed");
        Assert.That(e.MoveNext(), Is.True);
        Assert.That(Path.GetFileName(e.Current.File), Is.EqualTo("c.png"));
        Assert.That(skipped.Select(s => Path.GetFileName(s.File)), Is.EqualTo(new[] { "b.png" }));
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(e.MoveNext(), Is.False);
    }

    [Test]
    public void FolderWithoutImageFilesIsAnError()
    {
        File.WriteAllText(Path.Combine(_dir, "readme.txt"), "no images here");
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(_dir, 8))!;
        Assert.That(e.FilePath, Is.EqualTo(_dir));
        Assert.That(e.Message, Does.Contain(_dir).And.Contain("no image files").And.Contain(".png"));
    }

    [Test]
    public void FolderWithOnlyUndecodableImagesIsAnError()
    {
        File.WriteAllText(Path.Combine(_dir, "fake.jpg"), "text");
        var warnings = new List<string>();
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(_dir, 8, warn: warnings.Add))!;
        Assert.That(e.Message, Does.Contain(_dir).And.Contain("no usable image").And.Contain("fake.jpg"));
        Assert.That(warnings, Has.Count.EqualTo(1));
    }

    [Test]
    public void MissingFolderIsAnError()
    {
        var missing = Path.Combine(_dir, "nope");
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(missing, 8))!;
        Assert.That(e.Message, Does.Contain(missing).And.Contain("not found"));
    }

    [Test]
    [UnsupportedOSPlatform("windows")]
    public void UnreadableFolderIsAnError()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root") Assert.Ignore("needs POSIX permissions that bind the user");
        var locked = Path.Combine(_dir, "locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.None);
        try
        {
            var e = Assert.Throws<DataFormatException>(() => ImageFolder.List(locked))!;
            Assert.That(e.Message, Does.Contain(locked).And.Contain("cannot list"));
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The file's pixels as (3, H, W) bytes, decoded by ImageIO (exact: byte → [-1, 1] → byte round-trips).</summary>
    internal static byte[] DecodedBytes(string path)
    {
        using var t = ImageIO.LoadRgb(path);
        return t.ToFloatArray().Select(ImageIO.ToByte).ToArray();
    }
}

using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Tests.Data;
using NUnit.Framework;
using StbImageWriteSharp;

namespace AlaeEngine.Tests.IO;

/// <summary>
/// Cut-off and damaged PNG and JPEG files, made from the bundled faces, are skipped with a reason instead of decoding to
/// grey-green noise; sound files of every JPEG flavour (stb's baseline 4:2:0, and libjpeg's progressive, 4:4:4 and grey
/// fixtures from tools/make-jpeg-fixtures.py) still load.
/// </summary>
public class ImageStructureTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = DataIoPaths.NewTempDir();
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Face(int i) => Path.Combine(ImageFolderTests.SampleDir, $"{i:D5}.png");
    /// <summary>An embedded fixture (Data/Fixtures/) written to the test's folder, as the image readers take files.</summary>
    private string Fixture(string name)
    {
        using var stream = typeof(ImageStructureTests).Assembly.GetManifestResourceStream("fixtures/" + name)
            ?? throw new FileNotFoundException($"embedded resource fixtures/{name}");
        var path = Path.Combine(_dir, name);
        using (var file = File.Create(path)) stream.CopyTo(file);
        return path;
    }

    /// <summary>A bundled face encoded by the stb JPEG writer (baseline, 4:2:0 at quality 90).</summary>
    private static byte[] FaceJpeg(int i)
    {
        var rgb = ImageFolderTests.DecodedBytes(Face(i));
        var interleaved = new byte[rgb.Length];
        int plane = rgb.Length / 3;
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++) interleaved[3 * p + c] = rgb[c * plane + p];
        using var s = new MemoryStream();
        new ImageWriter().WriteJpg(interleaved, 128, 128, ColorComponents.RedGreenBlue, s, 90);
        return s.ToArray();
    }

    /// <summary>The offset just past the start-of-scan header: where the entropy-coded data begins.</summary>
    private static int ScanDataStart(byte[] jpeg)
    {
        for (int i = 0; i + 3 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) return i + 2 + (jpeg[i + 2] << 8 | jpeg[i + 3]);
        throw new InvalidDataException("no SOS marker");
    }

    [Test]
    public void TruncatedJpegsAreSkippedWithAWarningAndCounted()
    {
        var jpeg = FaceJpeg(0);
        int scan = ScanDataStart(jpeg);
        var files = new Dictionary<string, byte[]>
        {
            ["a-whole.jpg"] = jpeg,
            ["b-cut-at-60-percent.jpg"] = jpeg[..(jpeg.Length * 6 / 10)],
            ["c-200-byte-header.jpg"] = jpeg[..200],
            ["d-no-end-marker.jpg"] = jpeg[..^2],
            // cut inside the scan, then closed with an end-of-image marker, as some download tools leave a file
            ["e-short-scan.jpg"] = [.. jpeg[..(scan + 40)], 0xFF, 0xD9],
        };
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(_dir, name), bytes);

        var warnings = new List<string>();
        var folder = ImageFolder.Load(_dir, 32, warn: warnings.Add);

        Assert.That(folder.Files.Select(Path.GetFileName), Is.EqualTo(new[] { "a-whole.jpg" }));
        Assert.That(folder.SkippedCount, Is.EqualTo(4));
        Assert.That(warnings, Has.Count.EqualTo(4));
        var reasons = folder.Skipped.ToDictionary(s => Path.GetFileName(s.File), s => s.Reason);
        Assert.That(reasons.Values, Has.All.StartWith("truncated JPEG"));
        Assert.That(reasons["b-cut-at-60-percent.jpg"], Does.Contain("inside the image data"));
        Assert.That(reasons["c-200-byte-header.jpg"], Does.Contain("segment"));
        Assert.That(reasons["d-no-end-marker.jpg"], Does.Contain("no end-of-image marker"));
        Assert.That(reasons["e-short-scan.jpg"], Does.Contain("40 bytes of image data").And.Contain("128×128"));
    }

    [Test]
    public void EveryCutOfAJpegIsFound()
    {
        // the decoder accepts every one of these lengths; the structure check must refuse all of them
        var jpeg = FaceJpeg(3);
        for (int length = 2; length < jpeg.Length; length += 97)
            Assert.That(ImageStructure.FindDamage(jpeg.AsSpan(0, length)), Does.StartWith("truncated JPEG"), $"cut at {length} of {jpeg.Length} bytes");
    }

    [TestCase("face-progressive.jpg")]
    [TestCase("face-444.jpg")]
    [TestCase("face-grey.jpg")]
    public void SoundJpegsOfOtherEncodersLoadAndTheirCutsDoNot(string name)
    {
        var file = Fixture(name);
        var bytes = File.ReadAllBytes(file);
        Assert.That(ImageStructure.FindDamage(bytes), Is.Null);
        var pixels = ImageFolder.LoadSquare(file, 32);
        Assert.That(pixels.Length, Is.EqualTo(3 * 32 * 32));
        // Pillow's libjpeg encodes the same face: close to the stb decode of the PNG, mean error well under a grey level step of 8
        var reference = ImageFolder.LoadSquare(Face(7), 32);
        double meanError = pixels.Zip(reference, (a, b) => Math.Abs(a - b)).Average();
        Assert.That(meanError, Is.LessThan(name == "face-grey.jpg" ? 40 : 8), "the fixture is the bundled face 00007");
        foreach (double cut in new[] { 0.1, 0.5, 0.9, 0.999 })
            Assert.That(ImageStructure.FindDamage(bytes.AsSpan(0, (int)(bytes.Length * cut))), Does.StartWith("truncated JPEG"), $"{name} cut at {cut:P1}");
    }

    [Test]
    public void BytesAfterTheEndOfImageAreAllowed()
    {
        // cameras and editors append data after the end marker; decoders ignore it
        var jpeg = FaceJpeg(1);
        byte[] padded = [.. jpeg, .. new byte[100]];
        Assert.That(ImageStructure.FindDamage(padded), Is.Null);
        Assert.That(ImageStructure.FindDamage(jpeg), Is.Null);
    }

    [Test]
    public void TruncatedPngsSayWhatIsMissingWithoutNulCharacters()
    {
        var png = File.ReadAllBytes(Face(2));
        File.WriteAllBytes(Path.Combine(_dir, "a-200-bytes.png"), png[..200]);
        File.WriteAllBytes(Path.Combine(_dir, "b-60-percent.png"), png[..(png.Length * 6 / 10)]);
        File.WriteAllBytes(Path.Combine(_dir, "c-no-iend.png"), png[..^12]);
        File.WriteAllBytes(Path.Combine(_dir, "d-whole.png"), png);

        var folder = ImageFolder.Load(_dir, 32, warn: _ => { });

        Assert.That(folder.Count, Is.EqualTo(1));
        var reasons = folder.Skipped.Select(s => s.Reason).ToList();
        Assert.That(reasons, Has.Count.EqualTo(3));
        Assert.That(reasons, Has.All.StartWith("truncated PNG"));
        Assert.That(reasons[0], Does.Contain("inside the IDAT chunk"));
        Assert.That(reasons[2], Does.Contain("before the IEND chunk"));
        Assert.That(string.Concat(reasons), Does.Not.Contain("\0"));
    }

    [Test]
    public void ADecoderFailureIsSaidCleanly()
    {
        // sound chunk structure, damaged compressed data: left to the decoder, whose message is passed on
        var png = File.ReadAllBytes(Face(4));
        for (int i = 100; i < 400; i++) png[i] ^= 0x5A;
        var file = Path.Combine(_dir, "damaged.png");
        File.WriteAllBytes(file, png);
        Assert.That(ImageStructure.FindDamage(png), Is.Null, "the chunk structure is intact");
        var e = Assert.Throws<DataFormatException>(() => ImageIO.LoadRgb(file))!;
        Assert.That(e.Problem, Does.Match(@"^cannot decode image \([a-z ]+\)$"));

        // stb's message for a cut-off PNG chunk is 25 NUL characters (that case is now caught before decoding)
        Assert.That(ImageIO.DecoderReason(new string('\0', 25)), Is.EqualTo("the decoder gave no reason"));
        Assert.That(ImageIO.DecoderReason("unknown image type\0\0"), Is.EqualTo("unknown image type"));
    }
}

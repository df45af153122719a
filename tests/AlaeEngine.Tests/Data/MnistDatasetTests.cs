using NUnit.Framework;
using System.Buffers.Binary;
using System.IO.Compression;
using AlaeEngine.Data;
using AlaeEngine.Tensors;

namespace AlaeEngine.Tests.Data;

public class MnistDatasetTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = DataIoPaths.NewTempDir();
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string MnistDir => Path.Combine(DataIoPaths.RepoRoot, "data", "mnist");

    // Expected values below were computed from the bundled files with Python's gzip + struct, independently of the engine.
    [Test]
    public void BundledTrainSplitLoadsWithExpectedCountsAndClasses()
    {
        var ds = MnistDataset.LoadFolder(MnistDir, train: true);
        Assert.That(ds.Count, Is.EqualTo(8004));
        Assert.That(ds.RawImages, Has.Length.EqualTo(8004 * 784));
        Assert.That(ds.Images, Has.Length.EqualTo(8004 * 784));
        Assert.That(ds.Labels, Has.All.InRange((byte)0, (byte)9));
        var histogram = new int[10];
        foreach (var l in ds.Labels) histogram[l]++;
        Assert.That(histogram, Has.All.GreaterThan(0));
        Assert.That(histogram, Is.EqualTo(new[] { 801, 902, 793, 826, 784, 691, 812, 856, 756, 783 }));
        Assert.That(ds.Labels.Take(10), Is.EqualTo(new byte[] { 3, 3, 3, 0, 3, 0, 0, 4, 0, 4 }));
        Assert.That(ds.RawImages.AsSpan(0, 784).ToArray().Sum(b => (int)b), Is.EqualTo(21267));
        Assert.That(ds.RawImages[14 * 28 + 14], Is.EqualTo(125));
        Assert.That(ds.RawImages.AsSpan(ds.RawImages.Length - 784).ToArray().Sum(b => (int)b), Is.EqualTo(24573));
    }

    [Test]
    public void BundledTestSplitLoadsWithExpectedCountsAndClasses()
    {
        var ds = MnistDataset.LoadFolder(MnistDir, train: false);
        Assert.That(ds.Count, Is.EqualTo(1996));
        Assert.That(ds.Labels, Has.All.InRange((byte)0, (byte)9));
        var histogram = new int[10];
        foreach (var l in ds.Labels) histogram[l]++;
        Assert.That(histogram, Is.EqualTo(new[] { 200, 225, 198, 206, 196, 172, 202, 214, 188, 195 }));
        Assert.That(ds.Images, Has.All.InRange(-1f, 1f));
        Assert.That(ds.Images.Max(), Is.EqualTo(1f), "the test split holds a 255 pixel");
        Assert.That(ds.Images.Min(), Is.EqualTo(-1f));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void SyntheticFilesLoadRawOrGzippedAndScaleToUnitRange(bool gzip)
    {
        var raw = SyntheticPixels(3);
        // The names deliberately lie about compression: detection must use the 1F 8B header.
        var images = Path.Combine(_dir, gzip ? "images.bin" : "images.gz");
        var labels = Path.Combine(_dir, gzip ? "labels.bin" : "labels.gz");
        WriteFile(images, ImagesFile(3, 28, 28, raw), gzip);
        WriteFile(labels, LabelsFile([7, 0, 9]), gzip);

        var ds = MnistDataset.Load(images, labels);

        Assert.That(ds.Count, Is.EqualTo(3));
        Assert.That(ds.Labels, Is.EqualTo(new byte[] { 7, 0, 9 }));
        Assert.That(ds.RawImages, Is.EqualTo(raw));
        for (int i = 0; i < raw.Length; i++)
            Assert.That(ds.Images[i], Is.EqualTo(2.0 * raw[i] / 255.0 - 1.0).Within(1e-6), $"pixel {i}");
    }

    [Test]
    public void BatchGathersRequestedImagesInOrder()
    {
        var raw = SyntheticPixels(4);
        var images = Path.Combine(_dir, "i");
        var labels = Path.Combine(_dir, "l");
        WriteFile(images, ImagesFile(4, 28, 28, raw), false);
        WriteFile(labels, LabelsFile([1, 2, 3, 4]), false);
        var ds = MnistDataset.Load(images, labels);

        int[] idx = [3, 0, 3];
        using var batch = ds.Batch(idx);

        Assert.That(batch.Shape, Is.EqualTo(new Shape(3, 784)));
        Assert.That(batch.DType, Is.EqualTo(DType.Float32));
        var got = batch.ToFloatArray();
        for (int b = 0; b < idx.Length; b++)
            for (int p = 0; p < 784; p++)
                Assert.That(got[b * 784 + p], Is.EqualTo(raw[idx[b] * 784 + p] / 127.5 - 1.0).Within(1e-6));
        Assert.That(ds.BatchLabels(idx), Is.EqualTo(new byte[] { 4, 1, 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Batch([4]));
    }

    [Test]
    public void MissingFileIsNamed()
    {
        var labels = Path.Combine(_dir, "l");
        WriteFile(labels, LabelsFile([1]), false);
        var missing = Path.Combine(_dir, "nope-images");
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(missing, labels))!;
        Assert.That(e.Message, Does.Contain(missing).And.Contain("not found"));
    }

    [Test]
    public void MissingFolderFileListsTheNamesTried()
    {
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.LoadFolder(_dir, train: false))!;
        Assert.That(e.Message, Does.Contain(_dir).And.Contain("t10k-images-idx3-ubyte.gz"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void TruncatedImagesAreReported(bool gzip)
    {
        var full = ImagesFile(2, 28, 28, SyntheticPixels(2));
        var images = Path.Combine(_dir, "i");
        var labels = Path.Combine(_dir, "l");
        WriteFile(images, full.AsSpan(0, full.Length - 100).ToArray(), gzip);
        WriteFile(labels, LabelsFile([1, 2]), false);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(images, labels))!;
        Assert.That(e.Message, Does.Contain(images).And.Contain("truncated").And.Contain($"{full.Length}").And.Contain($"{full.Length - 100}"));
    }

    [Test]
    public void TruncatedHeaderIsReported()
    {
        var images = Path.Combine(_dir, "i");
        File.WriteAllBytes(images, [0, 0, 8, 3, 0, 0]);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(images, Idx.ImagesMagic))!;
        Assert.That(e.Message, Does.Contain(images).And.Contain("truncated"));
    }

    [Test]
    public void CorruptGzipIsReported()
    {
        var gz = Gzip(ImagesFile(2, 28, 28, SyntheticPixels(2)));
        for (int i = 20; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        var images = Path.Combine(_dir, "i");
        File.WriteAllBytes(images, gz);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(images, Idx.ImagesMagic))!;
        Assert.That(e.Message, Does.Contain(images));
    }

    [Test]
    public void SwappedFilesReportWrongMagicWithExpectedAndFound()
    {
        var images = Path.Combine(_dir, "i");
        var labels = Path.Combine(_dir, "l");
        WriteFile(images, ImagesFile(1, 28, 28, SyntheticPixels(1)), false);
        WriteFile(labels, LabelsFile([5]), false);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(labels, images))!;
        Assert.That(e.Message, Does.Contain(labels).And.Contain("magic").And.Contain("0x00000803").And.Contain("0x00000801"));
    }

    [Test]
    public void WrongImageSizeIsReported()
    {
        var images = Path.Combine(_dir, "i");
        var labels = Path.Combine(_dir, "l");
        WriteFile(images, ImagesFile(2, 32, 32, new byte[2 * 32 * 32]), false);
        WriteFile(labels, LabelsFile([1, 2]), false);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(images, labels))!;
        Assert.That(e.Message, Does.Contain(images).And.Contain("image size").And.Contain("32 x 32"));
    }

    [Test]
    public void DisagreeingCountsAreReported()
    {
        var images = Path.Combine(_dir, "i");
        var labels = Path.Combine(_dir, "l");
        WriteFile(images, ImagesFile(3, 28, 28, SyntheticPixels(3)), false);
        WriteFile(labels, LabelsFile([1, 2]), false);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(images, labels))!;
        Assert.That(e.Message, Does.Contain(labels).And.Contain("2 labels").And.Contain("3 images"));
    }

    [Test]
    public void LabelOutsideDigitsIsReported()
    {
        var images = Path.Combine(_dir, "i");
        var labels = Path.Combine(_dir, "l");
        WriteFile(images, ImagesFile(2, 28, 28, SyntheticPixels(2)), false);
        WriteFile(labels, LabelsFile([1, 12]), false);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(images, labels))!;
        Assert.That(e.Message, Does.Contain(labels).And.Contain("12"));
    }

    [Test]
    public void TrailingBytesAreReported()
    {
        var images = Path.Combine(_dir, "i");
        var bytes = ImagesFile(1, 28, 28, SyntheticPixels(1)).Concat(new byte[5]).ToArray();
        WriteFile(images, bytes, false);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(images, Idx.ImagesMagic))!;
        Assert.That(e.Message, Does.Contain("5 unexpected bytes"));
    }

    [Test]
    public void HeaderWhoseElementCountOverflowsIsReported()
    {
        // 2^31−1 cubed is about 2^93 elements: the product wraps around a long unless it is checked
        var images = Path.Combine(_dir, "i");
        var bytes = new byte[16 + 10];
        BinaryPrimitives.WriteInt32BigEndian(bytes, Idx.ImagesMagic);
        for (int d = 0; d < 3; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), int.MaxValue);
        File.WriteAllBytes(images, bytes);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(images, Idx.ImagesMagic))!;
        Assert.That(e.Problem, Is.EqualTo("corrupt header: its dimensions (2147483647 x 2147483647 x 2147483647) announce more than 2^63 elements; the file has 26 bytes"));
    }

    /// <summary>Pixels covering 0..255 with a pattern that differs per image.</summary>
    private static byte[] SyntheticPixels(int n)
    {
        var r = new byte[n * 784];
        for (int i = 0; i < r.Length; i++) r[i] = (byte)((i * 7 + i / 784 * 13) % 256);
        return r;
    }

    private static byte[] ImagesFile(int n, int rows, int cols, byte[] pixels)
    {
        var b = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), n);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(12), cols);
        pixels.CopyTo(b, 16);
        return b;
    }

    private static byte[] LabelsFile(byte[] labels)
    {
        var b = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), labels.Length);
        labels.CopyTo(b, 8);
        return b;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(data);
        return ms.ToArray();
    }

    private static void WriteFile(string path, byte[] bytes, bool gzip) => File.WriteAllBytes(path, gzip ? Gzip(bytes) : bytes);
}

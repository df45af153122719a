using NUnit.Framework;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Tensors;

namespace AlaeEngine.Tests.Data;

public class MultiResolutionCacheTests
{
    private string _dir = "";
    private string _cacheDir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = DataIoPaths.NewTempDir();
        _cacheDir = Path.Combine(_dir, "cache");
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static readonly int[] AllLevels = [128, 64, 32, 16, 8, 4];

    [Test]
    public void BundledSampleGivesEveryLevelAndTheSecondOpenReadsTheCache()
    {
        int[] idx = [0, 31, 7, 7];
        float[][] first;
        using (var cache = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 128, _cacheDir))
        {
            Assert.That(cache.LoadedFromCache, Is.False);
            Assert.That(cache.Count, Is.EqualTo(32));
            Assert.That(cache.Channels, Is.EqualTo(3));
            Assert.That(cache.Levels, Is.EqualTo(AllLevels));
            Assert.That(cache.Files, Is.EqualTo(Enumerable.Range(0, 32).Select(i => $"{i:D5}.png")));
            Assert.That(Path.GetDirectoryName(cache.CachePath), Is.EqualTo(_cacheDir));
            Assert.That(cache.CachePath, Does.EndWith(".alaecache"));
            first = AllLevels.Select(r =>
            {
                using var b = cache.Batch(r, idx, flip: false);
                Assert.That(b.Shape, Is.EqualTo(new Shape(4, 3, r, r)));
                Assert.That(b.DType, Is.EqualTo(DType.Float32));
                return b.ToFloatArray();
            }).ToArray();
        }
        var stamp = File.GetLastWriteTimeUtc(Directory.GetFiles(_cacheDir).Single());

        using var again = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 128, _cacheDir);
        Assert.That(again.LoadedFromCache, Is.True);
        Assert.That(File.GetLastWriteTimeUtc(again.CachePath), Is.EqualTo(stamp), "not rewritten");
        for (int l = 0; l < AllLevels.Length; l++)
        {
            using var b = again.Batch(AllLevels[l], idx, flip: false);
            Assert.That(b.ToFloatArray(), Is.EqualTo(first[l]), $"level {AllLevels[l]}");
        }
        Assert.That(first[0], Has.All.InRange(-1f, 1f));
    }

    [Test]
    public void FinestLevelIsTheImageAndEachLevelHalvesTheOneAbove()
    {
        using var cache = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 128, _cacheDir);
        var expected = ImageFolderTests.DecodedBytes(Path.Combine(ImageFolderTests.SampleDir, "00012.png"));
        for (int l = 0; l < AllLevels.Length; l++)
        {
            int side = AllLevels[l];
            using var b = cache.Batch(side, [12], flip: false);
            var got = b.ToFloatArray();
            for (int i = 0; i < got.Length; i++)
                Assert.That(got[i], Is.EqualTo(expected[i] / 127.5f - 1f), $"level {side} element {i}");
            if (side > 4) expected = Halve(expected, side);
        }
    }

    [Test]
    public void FlipMirrorsEachRow()
    {
        using var cache = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 32, _cacheDir);
        Assert.That(cache.Levels, Is.EqualTo(new[] { 32, 16, 8, 4 }));
        using var plain = cache.Batch(16, [3, 4], flip: false);
        using var flipped = cache.Batch(16, [3, 4], flip: true);
        using var mixed = cache.Batch(16, [3, 4], [true, false]);
        var p = plain.ToFloatArray();
        var f = flipped.ToFloatArray();
        var m = mixed.ToFloatArray();
        for (int row = 0; row < 2 * 3 * 16; row++)
            for (int x = 0; x < 16; x++)
            {
                Assert.That(f[row * 16 + x], Is.EqualTo(p[row * 16 + 15 - x]));
                Assert.That(m[row * 16 + x], Is.EqualTo(row < 3 * 16 ? p[row * 16 + 15 - x] : p[row * 16 + x]));
            }
        Assert.That(f, Is.Not.EqualTo(p), "faces are not symmetric to the last bit");
    }

    [Test]
    public void RandomFlipsAreReproducibleFromTheSeed()
    {
        var a = MultiResolutionCache.RandomFlips(new RandomStream(7), 1000);
        var b = MultiResolutionCache.RandomFlips(new RandomStream(7), 1000);
        var c = MultiResolutionCache.RandomFlips(new RandomStream(8), 1000);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(c));
        Assert.That(a.Count(f => f), Is.InRange(430, 570));
    }

    [Test]
    public void UnknownLevelNamesTheAvailableOnes()
    {
        using var cache = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 16, _cacheDir);
        var e = Assert.Throws<ArgumentException>(() => cache.Batch(64, [0], flip: false))!;
        Assert.That(e.Message, Does.Contain("64").And.Contain("16, 8, 4"));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Batch(8, [32], flip: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => MultiResolutionCache.Open(ImageFolderTests.SampleDir, 48, _cacheDir));
        Assert.Throws<ArgumentOutOfRangeException>(() => MultiResolutionCache.Open(ImageFolderTests.SampleDir, 2, _cacheDir));
    }

    [Test]
    public void TruncatedCacheIsRebuiltWithAWarning()
    {
        float[] before;
        string path;
        using (var cache = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 16, _cacheDir))
        {
            using var b = cache.Batch(16, [0, 1, 30], flip: false);
            before = b.ToFloatArray();
            path = cache.CachePath;
        }
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);

        var warnings = new List<string>();
        using var rebuilt = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 16, _cacheDir, warn: warnings.Add);

        Assert.That(rebuilt.LoadedFromCache, Is.False);
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain(path).And.Contain("truncated").And.Contain("rebuilding"));
        Assert.That(new FileInfo(path).Length, Is.EqualTo(bytes.Length));
        using var after = rebuilt.Batch(16, [0, 1, 30], flip: false);
        Assert.That(after.ToFloatArray(), Is.EqualTo(before));
    }

    [TestCase(0, "magic")]
    [TestCase(8, "version")]
    [TestCase(24, "different folder listing")]
    [TestCase(-5, "corrupt file listing")]
    public void MismatchedOrCorruptCacheIsRebuilt(int at, string problem)
    {
        string path;
        using (var cache = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 8, _cacheDir)) path = cache.CachePath;
        var bytes = File.ReadAllBytes(path);
        // A negative position counts from the end, where the JSON file listing is.
        int offset = at < 0 ? bytes.Length + at : at;
        bytes[offset] ^= 0x55;
        File.WriteAllBytes(path, bytes);

        var warnings = new List<string>();
        using var rebuilt = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 8, _cacheDir, warn: warnings.Add);

        Assert.That(rebuilt.LoadedFromCache, Is.False);
        Assert.That(warnings.Single(), Does.Contain(path).And.Contain(problem));
        Assert.That(File.ReadAllBytes(path)[offset], Is.EqualTo(bytes[offset] ^ 0x55), "restored");
    }

    [Test]
    public void ChangedFolderGetsItsOwnCacheAndSkippedFilesAreRemembered()
    {
        var images = Path.Combine(_dir, "images");
        Directory.CreateDirectory(images);
        var rgb = new byte[8 * 8 * 3];
        ImageIO.SavePng(Path.Combine(images, "a.png"), rgb, 8, 8, 3);
        File.WriteAllText(Path.Combine(images, "broken.png"), "text");
        var warnings = new List<string>();

        string firstPath;
        using (var cache = MultiResolutionCache.Open(images, 8, _cacheDir, warn: warnings.Add))
        {
            firstPath = cache.CachePath;
            Assert.That(cache.Count, Is.EqualTo(1));
            Assert.That(cache.SkippedCount, Is.EqualTo(1));
            Assert.That(warnings.Single(), Does.Contain("broken.png"));
        }
        using (var cache = MultiResolutionCache.Open(images, 8, _cacheDir, warn: warnings.Add))
        {
            Assert.That(cache.LoadedFromCache, Is.True);
            Assert.That(cache.Skipped.Single().File, Is.EqualTo("broken.png"));
            Assert.That(cache.Skipped.Single().Reason, Does.Contain("cannot decode"));
            Assert.That(warnings, Has.Count.EqualTo(1), "nothing decoded again");
        }

        ImageIO.SavePng(Path.Combine(images, "b.png"), rgb, 8, 8, 3);
        using var changed = MultiResolutionCache.Open(images, 8, _cacheDir, warn: warnings.Add);
        Assert.That(changed.LoadedFromCache, Is.False);
        Assert.That(changed.CachePath, Is.Not.EqualTo(firstPath));
        Assert.That(changed.Files, Is.EqualTo(new[] { "a.png", "b.png" }));
    }

    [Test]
    public void TheContentHashFollowsThePixelsNotTheFolderOrTheFileTimes()
    {
        var a = Path.Combine(_dir, "a");
        Directory.CreateDirectory(a);
        var rgb = Enumerable.Range(0, 8 * 8 * 3).Select(i => (byte)(i * 7)).ToArray();
        ImageIO.SavePng(Path.Combine(a, "x.png"), rgb, 8, 8, 3);
        ImageIO.SavePng(Path.Combine(a, "y.png"), rgb.Reverse().ToArray(), 8, 8, 3);
        string hash, path;
        using (var cache = MultiResolutionCache.Open(a, 8, _cacheDir))
        {
            (hash, path) = (cache.ContentHash, cache.CachePath);
            // independently: SHA-256 of the records, after the 56-byte header (2 images × 3 × (8² + 4²) bytes)
            var records = File.ReadAllBytes(path).AsSpan(56, 2 * 3 * (64 + 16)).ToArray();
            Assert.That(hash, Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(records))));
        }
        using (var again = MultiResolutionCache.Open(a, 8, _cacheDir))
            Assert.That((again.LoadedFromCache, again.ContentHash), Is.EqualTo((true, hash)), "read back from the listing");

        var b = Path.Combine(_dir, "b"); // the same files elsewhere, with other times: another cache, the same content
        Directory.CreateDirectory(b);
        foreach (var f in Directory.GetFiles(a))
        {
            File.Copy(f, Path.Combine(b, Path.GetFileName(f)));
            File.SetLastWriteTimeUtc(Path.Combine(b, Path.GetFileName(f)), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        }
        using (var moved = MultiResolutionCache.Open(b, 8, _cacheDir))
            Assert.That((moved.LoadedFromCache, moved.CachePath == path, moved.ContentHash), Is.EqualTo((false, false, hash)));

        rgb[5] ^= 1;
        ImageIO.SavePng(Path.Combine(b, "x.png"), rgb, 8, 8, 3);
        using (var changed = MultiResolutionCache.Open(b, 8, _cacheDir))
            Assert.That(changed.ContentHash, Is.Not.EqualTo(hash));

        // a cache written before the hash was stored: its listing lacks it, and the records are read to compute it
        var bytes = File.ReadAllBytes(path);
        int listingLength = BitConverter.ToInt32(bytes, 20);
        var listing = System.Text.Json.Nodes.JsonNode.Parse(bytes.AsSpan(bytes.Length - listingLength))!.AsObject();
        Assert.That(listing.Remove("sha256"));
        var older = System.Text.Encoding.UTF8.GetBytes(listing.ToJsonString());
        var file = bytes[..(bytes.Length - listingLength)].Concat(older).ToArray();
        BitConverter.GetBytes(older.Length).CopyTo(file, 20);
        File.WriteAllBytes(path, file);
        using var old = MultiResolutionCache.Open(a, 8, _cacheDir);
        Assert.That((old.LoadedFromCache, old.ContentHash), Is.EqualTo((true, hash)));
    }

    [Test]
    public void EmptyMissingOrUnusableFolderIsAnError()
    {
        var e = Assert.Throws<DataFormatException>(() => MultiResolutionCache.Open(Path.Combine(_dir, "missing"), 8, _cacheDir))!;
        Assert.That(e.Message, Does.Contain("missing").And.Contain("not found"));
        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        e = Assert.Throws<DataFormatException>(() => MultiResolutionCache.Open(empty, 8, _cacheDir))!;
        Assert.That(e.Message, Does.Contain(empty).And.Contain("no image files"));
        Assert.That(Directory.Exists(_cacheDir), Is.False, "nothing written");

        var broken = Path.Combine(_dir, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "a.png"), "text");
        var warnings = new List<string>();
        e = Assert.Throws<DataFormatException>(() => MultiResolutionCache.Open(broken, 8, _cacheDir, warn: warnings.Add))!;
        Assert.That(e.Message, Does.Contain(broken).And.Contain("no usable image"));
        Assert.That(warnings.Single(), Does.Contain("a.png"));
        Assert.That(Directory.GetFiles(_cacheDir), Is.Empty, "the half-written cache is removed");
    }

    /// <summary>Independent 2×2 mean of (3, side, side) bytes, rounded half to even.</summary>
    private static byte[] Halve(byte[] src, int side)
    {
        int h = side / 2;
        var r = new byte[3 * h * h];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < h; x++)
                {
                    int p = (c * side + 2 * y) * side + 2 * x;
                    r[(c * h + y) * h + x] = (byte)Math.Round((src[p] + src[p + 1] + src[p + side] + src[p + side + 1]) / 4.0, MidpointRounding.ToEven);
                }
        return r;
    }
}

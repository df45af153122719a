using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AlaeEngine.IO;
using AlaeEngine.Tensors;
using Microsoft.Win32.SafeHandles;

namespace AlaeEngine.Data;

/// <summary>
/// An image folder prepared for progressive training: every image stored at R, R/2, …, 4 (each level the 2×2 mean of
/// the one above, like the reference's per-LOD data sets) as 8-bit RGB in one file, so a level's batch is a read and a
/// byte-to-float conversion instead of a decode and a resize.
/// <para>
/// File <c>&lt;cacheDir&gt;/&lt;key&gt;.alaecache</c>, where the key hashes R and the folder listing (relative
/// paths, sizes, modification times): changing the images makes a new cache. Layout, little-endian:
/// "ALAECACH", uint32 version, uint32 R, uint32 count N, uint32 listing length J, the 32-byte key (SHA-256); then N
/// records, one per image, each the planes (3, L, L) of every level L = R, R/2, …, 4 in that order; then J bytes of
/// UTF-8 JSON <c>{"sha256": "…", "files": [relative paths], "skipped": [{"file", "reason"}]}</c> (sha256: of the N
/// records, <see cref="ContentHash"/>; caches written before it was added lack it). The listing comes last so the
/// images can be decoded and written one at a time (N is known only at the end, and patched into the header).
/// </para>
/// Batches are read with positional reads of the open file (thread-safe, and the OS page cache keeps hot data in
/// memory), so a data set larger than memory still works.
/// </summary>
public sealed class MultiResolutionCache : IImageSource, IDisposable
{
    public const string FileExtension = ".alaecache";
    public const int MinResolution = 4;

    // 2: truncated JPEGs are skipped (ImageStructure), so a cache built by version 1 may hold one
    private const int Version = 2;
    private const int FixedHeaderBytes = 8 + 4 * 4 + 32;
    private static ReadOnlySpan<byte> Magic => "ALAECACH"u8;

    private readonly SafeFileHandle _file;
    private readonly long _recordBytes;
    private readonly int[] _levels;
    private readonly long[] _levelOffsets;

    private string? _contentHash;

    private MultiResolutionCache(string path, SafeFileHandle file, int resolution, int count,
        string[] files, SkippedImage[] skipped, string? contentHash, bool fromCache)
    {
        _contentHash = contentHash;
        CachePath = path;
        _file = file;
        Resolution = resolution;
        Count = count;
        Files = files;
        Skipped = skipped;
        LoadedFromCache = fromCache;
        _levels = LevelSides(resolution);
        _levelOffsets = new long[_levels.Length];
        for (int l = 1; l < _levels.Length; l++) _levelOffsets[l] = _levelOffsets[l - 1] + LevelBytes(_levels[l - 1]);
        _recordBytes = RecordBytes(resolution);
    }

    public int Count { get; }
    public int Channels => ImageFolder.Channels;

    /// <summary>The finest level R.</summary>
    public int Resolution { get; }

    /// <summary>The stored sides, finest first: R, R/2, …, 4.</summary>
    public IReadOnlyList<int> Levels => _levels;

    public string CachePath { get; }

    /// <summary>True when an existing valid cache file was used, false when it was built by this call.</summary>
    public bool LoadedFromCache { get; }

    /// <summary>Each image's file, relative to the folder with '/' separators, in index order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The files left out when the cache was built (undecodable), with the reason.</summary>
    public IReadOnlyList<SkippedImage> Skipped { get; }

    public int SkippedCount => Skipped.Count;

    /// <summary>
    /// SHA-256 of the image records in lower-case hex: the same images (same names, same pixels) give the same hash
    /// wherever the folder lies and whatever the files' times. Computed while the cache is built; a cache built before
    /// that is read once to compute it.
    /// </summary>
    public string ContentHash => _contentHash ??= HashRecords();

    private string HashRecords()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long end = FixedHeaderBytes + Count * _recordBytes;
        for (long at = FixedHeaderBytes; at < end;)
        {
            int n = RandomAccess.Read(_file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - at)), at);
            if (n == 0) throw new DataFormatException(CachePath, $"truncated at byte {at} of {end}");
            hash.AppendData(buffer, 0, n);
            at += n;
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The cache of <paramref name="folder"/> at <paramref name="resolution"/> (a power of two, at least 4) in
    /// <paramref name="cacheDir"/>: opened when a valid one exists, otherwise built from the images (see
    /// <see cref="ImageFolder"/>) and written atomically. A truncated or mismatched cache file is rebuilt after a
    /// warning through <paramref name="warn"/> (standard error by default).
    /// </summary>
    public static MultiResolutionCache Open(string folder, int resolution, string cacheDir, bool recursive = false, Action<string>? warn = null)
    {
        if (resolution < MinResolution || (resolution & (resolution - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, $"cache resolution must be a power of two, at least {MinResolution}");
        warn ??= DefaultWarn;
        var full = Path.GetFullPath(folder);
        var listing = ImageFolder.List(full, recursive);
        var key = ListingKey(full, listing, resolution);
        var path = Path.Combine(Path.GetFullPath(cacheDir), Convert.ToHexStringLower(key.AsSpan(0, 16)) + FileExtension);

        if (File.Exists(path))
        {
            try
            {
                return Read(path, resolution, key, fromCache: true);
            }
            catch (DataFormatException e)
            {
                warn($"{e.Message}; rebuilding the cache from {full}");
            }
        }
        Build(full, listing, resolution, path, key, warn);
        return Read(path, resolution, key, fromCache: false);
    }

    /// <summary>Images at <paramref name="indices"/> at level <paramref name="resolution"/>, all mirrored left-right when <paramref name="flip"/>.</summary>
    public Tensor Batch(int resolution, ReadOnlySpan<int> indices, bool flip)
    {
        Span<bool> flips = indices.Length <= 1024 ? stackalloc bool[indices.Length] : new bool[indices.Length];
        flips.Fill(flip);
        return Batch(resolution, indices, flips);
    }

    /// <summary>
    /// Images at <paramref name="indices"/> at level <paramref name="resolution"/>: a float32 CPU tensor
    /// (B, 3, res, res) in [-1, 1] (byte / 127.5 − 1), image b mirrored left-right when <paramref name="flips"/>[b].
    /// The tensor belongs to the current <see cref="TensorScope"/>, if any.
    /// </summary>
    public Tensor Batch(int resolution, ReadOnlySpan<int> indices, ReadOnlySpan<bool> flips)
    {
        int level = Array.IndexOf(_levels, resolution);
        if (level < 0)
            throw new ArgumentException($"resolution {resolution} is not a cached level; available: {string.Join(", ", Levels)}", nameof(resolution));
        if (flips.Length != indices.Length)
            throw new ArgumentException($"{flips.Length} flips given for {indices.Length} images", nameof(flips));

        foreach (int index in indices)
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), index, $"image index outside 0..{Count - 1}");

        int side = resolution, imageBytes = Channels * side * side;
        var bytes = new byte[imageBytes];
        var batch = Tensor.Empty(new Shape(indices.Length, Channels, side, side));
        try
        {
            var data = batch.Span<float>();
            for (int b = 0; b < indices.Length; b++)
            {
                long offset = FixedHeaderBytes + indices[b] * _recordBytes + _levelOffsets[level];
                if (RandomAccess.Read(_file, bytes, offset) != imageBytes)
                    throw new DataFormatException(CachePath, $"truncated while reading image {indices[b]} at level {side}");
                var dst = data.Slice(b * imageBytes, imageBytes);
                for (int row = 0; row < Channels * side; row++)
                {
                    var src = bytes.AsSpan(row * side, side);
                    var line = dst.Slice(row * side, side);
                    if (flips[b])
                        for (int x = 0; x < side; x++) line[x] = src[side - 1 - x] / 127.5f - 1f;
                    else
                        for (int x = 0; x < side; x++) line[x] = src[x] / 127.5f - 1f;
                }
            }
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Per-image random horizontal flips, each true with probability 1/2, as the reference's data loader draws them;
    /// consumes <paramref name="count"/> counters of <paramref name="random"/>, so a resumed run draws the same ones.
    /// </summary>
    public static bool[] RandomFlips(RandomStream random, int count)
    {
        using var u = random.Uniform(new Shape(count));
        var values = u.Span<float>();
        var r = new bool[count];
        for (int i = 0; i < count; i++) r[i] = values[i] < 0.5f;
        return r;
    }

    public void Dispose() => _file.Dispose();

    /// <summary>The level sides R, R/2, …, 4.</summary>
    private static int[] LevelSides(int resolution)
    {
        var sides = new List<int>();
        for (int s = resolution; s >= MinResolution; s /= 2) sides.Add(s);
        return sides.ToArray();
    }

    private static long LevelBytes(int side) => (long)ImageFolder.Channels * side * side;

    /// <summary>Bytes of one image's record: its planes at every level.</summary>
    private static long RecordBytes(int resolution) => LevelSides(resolution).Sum(LevelBytes);

    /// <summary>SHA-256 over the format version, R, and each listed file's relative path, size and modification time.</summary>
    private static byte[] ListingKey(string folder, string[] files, int resolution)
    {
        var text = new StringBuilder($"alaecache {Version}\nresolution {resolution}\n");
        foreach (var f in files)
        {
            var info = new FileInfo(f);
            text.Append($"{Relative(folder, f)}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}\n");
        }
        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>Decodes the listed images one at a time and writes the cache file atomically; nothing is left on failure.</summary>
    private static void Build(string folder, string[] listing, int resolution, string path, byte[] key, Action<string> warn)
    {
        var sides = LevelSides(resolution);
        AtomicFile.Write(path, s =>
        {
            s.Write(new byte[FixedHeaderBytes]);
            var files = new List<string>();
            var skipped = new List<SkippedImage>();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var (file, pixels) in ImageFolder.Decode(folder, listing, resolution, skipped, warn))
            {
                files.Add(Relative(folder, file));
                var level = pixels;
                for (int l = 0; l < sides.Length; l++)
                {
                    if (l > 0) level = ImageResampling.Halve(level, ImageFolder.Channels, sides[l - 1]);
                    s.Write(level);
                    hash.AppendData(level);
                }
            }
            var json = ListingJson(files, skipped.Select(k => new SkippedImage(Relative(folder, k.File), k.Reason)), Convert.ToHexStringLower(hash.GetHashAndReset()));
            s.Write(json);

            var header = new byte[FixedHeaderBytes];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), Version);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), resolution);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), files.Count);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(20), json.Length);
            key.CopyTo(header, 24);
            s.Position = 0;
            s.Write(header);
        });
    }

    /// <summary>Opens and checks a cache file; any inconsistency is a <see cref="DataFormatException"/> naming it.</summary>
    private static MultiResolutionCache Read(string path, int resolution, byte[] key, bool fromCache)
    {
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            long length = RandomAccess.GetLength(file);
            var header = new byte[FixedHeaderBytes];
            if (length < FixedHeaderBytes || RandomAccess.Read(file, header, 0) != FixedHeaderBytes)
                throw new DataFormatException(path, $"truncated: {length} bytes, too short for the {FixedHeaderBytes}-byte header");
            if (!header.AsSpan(0, 8).SequenceEqual(Magic))
                throw new DataFormatException(path, "not an image cache (wrong magic)");
            int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
            int storedResolution = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
            int count = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(16));
            int listingLength = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(20));
            if (version != Version) throw new DataFormatException(path, $"cache format version {version}, expected {Version}");
            if (storedResolution != resolution) throw new DataFormatException(path, $"cache holds resolution {storedResolution}, expected {resolution}");
            if (!header.AsSpan(24, 32).SequenceEqual(key)) throw new DataFormatException(path, "cache was made from a different folder listing");
            long records = FixedHeaderBytes + (long)count * RecordBytes(resolution);
            if (count < 1 || listingLength < 0)
                throw new DataFormatException(path, $"corrupt header (count {count}, listing of {listingLength} bytes)");
            if (length != records + listingLength)
                throw new DataFormatException(path,
                    $"{(length < records + listingLength ? "truncated" : "unexpected trailing bytes")}: {length} bytes, {count} images and their listing need {records + listingLength}");

            var listingBytes = new byte[listingLength];
            RandomAccess.Read(file, listingBytes, records);
            var (files, skipped, contentHash) = ParseListing(path, listingBytes);
            if (files.Length != count)
                throw new DataFormatException(path, $"file listing names {files.Length} images, the header {count}");
            return new MultiResolutionCache(path, file, resolution, count, files, skipped, contentHash, fromCache);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static string Relative(string folder, string path) => Path.GetRelativePath(folder, path).Replace('\\', '/');

    private static void DefaultWarn(string message) => Console.Error.WriteLine("warning: " + message);

    // Written and read with the JSON reader/writer rather than the serializer, which the trimmed build cannot use.
    private static byte[] ListingJson(IEnumerable<string> files, IEnumerable<SkippedImage> skipped, string contentHash)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("sha256", contentHash);
            w.WriteStartArray("files");
            foreach (var f in files) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WriteStartArray("skipped");
            foreach (var k in skipped)
            {
                w.WriteStartObject();
                w.WriteString("file", k.File);
                w.WriteString("reason", k.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static (string[] Files, SkippedImage[] Skipped, string? ContentHash) ParseListing(string path, byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var files = root.GetProperty("files").EnumerateArray().Select(e => e.GetString()!).ToArray();
            var skipped = root.GetProperty("skipped").EnumerateArray()
                .Select(e => new SkippedImage(e.GetProperty("file").GetString()!, e.GetProperty("reason").GetString()!)).ToArray();
            string? hash = root.TryGetProperty("sha256", out var h) ? h.GetString() : null;
            if (hash != null && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower)))
                throw new DataFormatException(path, $"corrupt file listing (sha256 '{hash}' is not 64 lower-case hex digits)");
            return (files, skipped, hash);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new DataFormatException(path, $"corrupt file listing ({e.Message})", e);
        }
    }
}

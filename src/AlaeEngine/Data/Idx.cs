using System.Buffers.Binary;
using System.IO.Compression;

namespace AlaeEngine.Data;

/// <summary>
/// Reader for the IDX format of the MNIST distribution: a 4-byte big-endian magic (two zero bytes, an element-type
/// code, the number of dimensions), one big-endian int32 per dimension, then the elements row-major.
/// Only unsigned-byte elements (type code 0x08) are used by MNIST, so only those are read.
/// Files may be gzipped; that is detected from the 1F 8B gzip header, not from the file name.
/// </summary>
public static class Idx
{
    /// <summary>Magic of an image file: unsigned bytes, 3 dimensions (count, rows, cols).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic of a label file: unsigned bytes, 1 dimension (count).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The dimensions and the raw elements (row-major, Dims.Product bytes) of one IDX file.</summary>
    public readonly record struct Content(int[] Dims, byte[] Data);

    /// <summary>Reads an unsigned-byte IDX file whose magic must equal <paramref name="expectedMagic"/>.</summary>
    public static Content Read(string path, int expectedMagic)
    {
        var bytes = ReadMaybeGzipped(path);
        if (bytes.Length < 4)
            throw new DataFormatException(path, $"truncated: {bytes.Length} bytes, too short for the 4-byte IDX magic");
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
            throw new DataFormatException(path, $"wrong IDX magic: expected 0x{expectedMagic:X8}, found 0x{magic:X8}");

        int rank = magic & 0xFF;
        int headerBytes = 4 + 4 * rank;
        if (bytes.Length < headerBytes)
            throw new DataFormatException(path, $"truncated: {bytes.Length} bytes, but the header of {rank} dimensions needs {headerBytes}");

        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0) throw new DataFormatException(path, $"dimension {i} is negative ({dims[i]})");
            // a damaged header can announce more elements than a long counts: say so instead of wrapping around
            if (dims[i] != 0 && count > (long.MaxValue - headerBytes) / dims[i])
                throw new DataFormatException(path,
                    $"corrupt header: its dimensions ({string.Join(" x ", dims[..(i + 1)])}{(i + 1 < rank ? " x …" : "")}) announce more than 2^63 elements; " +
                    $"the file has {bytes.Length} bytes");
            count *= dims[i];
        }

        long expected = headerBytes + count;
        if (bytes.Length < expected)
            throw new DataFormatException(path,
                $"truncated: header promises ({string.Join(" x ", dims)}) = {count} elements ({expected} bytes in all), file has {bytes.Length} bytes");
        if (bytes.Length > expected)
            throw new DataFormatException(path,
                $"{bytes.Length - expected} unexpected bytes after the ({string.Join(" x ", dims)}) elements the header describes");

        return new Content(dims, bytes.AsSpan(headerBytes).ToArray());
    }

    /// <summary>The file's bytes, decompressed when they start with the gzip header 1F 8B.</summary>
    public static byte[] ReadMaybeGzipped(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "file not found");
        var raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B) return raw;
        try
        {
            using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var outStream = new MemoryStream();
            gz.CopyTo(outStream);
            return outStream.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt or truncated gzip data ({e.Message})", e);
        }
    }
}

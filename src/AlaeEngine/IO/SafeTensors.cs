using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using AlaeEngine.Data;
using AlaeEngine.Tensors;

namespace AlaeEngine.IO;

/// <summary>
/// The safetensors checkpoint format (https://github.com/huggingface/safetensors), so weights can be inspected or
/// loaded with the Python tooling too. Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON
/// <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}</c>
/// (padded with spaces to a multiple of 8 so the data stays aligned), then the tensors' raw little-endian bytes;
/// offsets count from the first byte after the header. Only F32 and F64, the engine's dtypes, are supported.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    // The reference implementation refuses headers above 100 MB; a larger one means a corrupt length field.
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device; copied to the host) and optional string metadata atomically.
    /// Tensors are stored in ordinal name order so the same content gives the same bytes.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        EnsureLittleEndian();
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToArray();
        if (names.Contains(MetadataKey)) throw new ArgumentException($"'{MetadataKey}' is reserved for metadata and cannot name a tensor");

        var header = new MemoryStream();
        using (var w = new Utf8JsonWriter(header))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var name in names)
            {
                var t = tensors[name];
                long bytes = (long)t.Length * t.DType.SizeOf();
                w.WriteStartObject(name);
                w.WriteString("dtype", DTypeCode(t.DType));
                w.WriteStartArray("shape");
                foreach (var d in t.Shape.Dims) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int pad = (int)((8 - header.Length % 8) % 8);
        for (int i = 0; i < pad; i++) header.WriteByte((byte)' ');

        AtomicFile.Write(path, s =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            s.Write(len);
            header.Position = 0;
            header.CopyTo(s);
            foreach (var name in names) WriteData(s, tensors[name]);
        });
    }

    /// <summary>Reads every tensor as a CPU tensor (owned by the current <see cref="TensorScope"/>, if any).</summary>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Reads every tensor as a CPU tensor and the file's string metadata (empty when it has none).</summary>
    public static Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        EnsureLittleEndian();
        if (!File.Exists(path)) throw new DataFormatException(path, "file not found");
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = fs.Length;

        Span<byte> len = stackalloc byte[8];
        if (fileLength < 8 || fs.ReadAtLeast(len, 8, throwOnEndOfStream: false) < 8)
            throw new DataFormatException(path, $"truncated: {fileLength} bytes, too short for the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (headerLength > (ulong)(fileLength - 8))
            throw new DataFormatException(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes)");
        if (headerLength > MaxHeaderBytes)
            throw new DataFormatException(path, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");

        var headerBytes = new byte[headerLength];
        fs.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        var entries = ParseHeader(path, headerBytes, dataLength, out metadata);

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in entries)
            {
                var t = Tensor.Empty(e.Shape, e.DType);
                fs.Position = dataStart + e.Begin;
                fs.ReadExactly(e.DType == DType.Float32 ? MemoryMarshal.AsBytes(t.Span<float>()) : MemoryMarshal.AsBytes(t.Span<double>()));
                t.Name = e.Name;
                result.Add(e.Name, t);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    private sealed record Entry(string Name, DType DType, Shape Shape, long Begin, long End);

    /// <summary>Parses and validates the JSON header; every problem names the file and the tensor.</summary>
    private static List<Entry> ParseHeader(string path, byte[] headerBytes, long dataLength, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(headerBytes); }
        catch (JsonException e) { throw new DataFormatException(path, $"header is not valid JSON ({e.Message})", e); }

        var entries = new List<Entry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(path, $"header is a JSON {doc.RootElement.ValueKind}, expected an object");

            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == MetadataKey)
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw new DataFormatException(path, $"{MetadataKey} must be an object of strings");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new DataFormatException(path, $"{MetadataKey} value '{m.Name}' is a {m.Value.ValueKind}, expected a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                if (!seen.Add(prop.Name))
                    throw new DataFormatException(path, $"tensor '{prop.Name}' appears twice in the header");
                entries.Add(ParseEntry(path, prop, dataLength));
            }
        }

        // Overlap check: sorted by start, each tensor must begin at or after the previous one's end.
        var sorted = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new DataFormatException(path,
                    $"tensor '{sorted[i].Name}' data [{sorted[i].Begin}, {sorted[i].End}) overlaps tensor '{sorted[i - 1].Name}' [{sorted[i - 1].Begin}, {sorted[i - 1].End})");
        return entries;
    }

    private static Entry ParseEntry(string path, JsonProperty prop, long dataLength)
    {
        string name = prop.Name;
        DataFormatException Bad(string problem) => new(path, $"tensor '{name}': {problem}");
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw Bad($"entry is a JSON {v.ValueKind}, expected an object");

        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw Bad("missing string 'dtype'");
        var dtype = dt.GetString() switch
        {
            "F32" => DType.Float32,
            "F64" => DType.Float64,
            var other => throw Bad($"dtype '{other}' is not supported (only F32 and F64)"),
        };

        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw Bad("missing array 'shape'");
        var dims = new List<int>();
        long elements = 1;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int n) || n < 0) throw Bad($"shape entry {d} is not a non-negative int32");
            dims.Add(n);
            elements *= n;
            if (elements > int.MaxValue) throw Bad($"shape has more than {int.MaxValue} elements");
        }

        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad("missing 'data_offsets' [begin, end]");
        if (!off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end))
            throw Bad("data_offsets are not integers");
        if (begin < 0 || end < begin || end > dataLength)
            throw Bad($"data_offsets [{begin}, {end}] out of range: the data section has {dataLength} bytes");

        long expected = elements * dtype.SizeOf();
        if (end - begin != expected)
            throw Bad($"shape ({string.Join(", ", dims)}) of {dt.GetString()} needs {expected} bytes, data_offsets [{begin}, {end}] hold {end - begin}");

        return new Entry(name, dtype, new Shape(dims.ToArray()), begin, end);
    }

    private static void WriteData(Stream s, Tensor t)
    {
        using var host = t.Device.Kind == DeviceKind.Cpu ? null : t.MoveTo(Device.Cpu);
        var src = host ?? t;
        if (src.DType == DType.Float32) s.Write(MemoryMarshal.AsBytes(src.Span<float>()));
        else s.Write(MemoryMarshal.AsBytes(src.Span<double>()));
    }

    private static string DTypeCode(DType d) => d == DType.Float32 ? "F32" : "F64";

    private static void EnsureLittleEndian()
    {
        // The file is little-endian and tensors are copied byte for byte.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors IO needs a little-endian host");
    }
}

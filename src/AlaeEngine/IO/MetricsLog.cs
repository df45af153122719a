using System.Text;
using System.Text.Json;
using AlaeEngine.Data;

namespace AlaeEngine.IO;

/// <summary>
/// Training metrics as JSON lines: one <see cref="MetricsRecord"/> object per line,
/// <c>{"step":100,"epoch":1,"wall_s":12.5,"images_per_s":850.2,"losses":{"d":0.61,"g":1.9},"values":{"lr":0.0015}}</c>.
/// The file is only ever appended to, a whole line per write, so a crash can at worst tear the last line; the reader
/// skips such a line with a warning and the writer cuts it off before appending, so a resumed run continues cleanly.
/// Non-finite numbers are written as the strings "NaN", "Infinity" and "-Infinity" (JSON has no literal for them).
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly FileStream _stream;

    /// <summary>Opens (creating if needed) <paramref name="path"/> for appending; a torn last line is removed first.</summary>
    public MetricsLog(string path, Action<string>? warn = null)
    {
        FilePath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        _stream = new FileStream(FilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        RepairTail(warn ?? DefaultWarn);
        _stream.Seek(0, SeekOrigin.End);
    }

    public string FilePath { get; }

    /// <summary>Appends one record as one line and flushes it to the operating system, so a crash of the process loses nothing written.</summary>
    public void Append(MetricsRecord record)
    {
        var line = Encode(record);
        _stream.Write(line);
        _stream.Flush();
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// Reads every record. A torn last line (no newline and not valid JSON) is skipped with a warning through
    /// <paramref name="warn"/> (standard error by default); a bad line anywhere else is a <see cref="DataFormatException"/>.
    /// A missing file reads as no records: a run that has not logged yet.
    /// </summary>
    public static List<MetricsRecord> Read(string path, Action<string>? warn = null)
    {
        var records = new List<MetricsRecord>();
        if (!File.Exists(path)) return records;
        var text = File.ReadAllText(path, Encoding.UTF8);
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            bool last = i == lines.Length - 1;
            if (TryParse(line, out var r, out var error)) { records.Add(r!); continue; }
            if (last)
            {
                (warn ?? DefaultWarn)($"{path}: skipping torn last line {i + 1} (an interrupted write): {error}");
                continue;
            }
            throw new DataFormatException(path, $"line {i + 1} is not a metrics record: {error}");
        }
        return records;
    }

    /// <summary>
    /// Keeps only records with step at most <paramref name="step"/>, rewriting the file atomically. Used when a run resumes
    /// from a checkpoint older than its last log lines, so the log does not hold two histories for the same steps.
    /// </summary>
    public static void TruncateAfter(string path, long step, Action<string>? warn = null)
    {
        var kept = Read(path, warn).Where(r => r.Step <= step).ToList();
        AtomicFile.Write(path, s =>
        {
            foreach (var r in kept) s.Write(Encode(r));
        });
    }

    /// <summary>One record as a UTF-8 JSON line, newline included.</summary>
    private static byte[] Encode(MetricsRecord record)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("step", record.Step);
            w.WriteNumber("epoch", record.Epoch);
            WriteDouble(w, "wall_s", record.WallSeconds);
            WriteDouble(w, "images_per_s", record.ImagesPerSecond);
            WriteMap(w, "losses", record.Losses);
            WriteMap(w, "values", record.Values);
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private void RepairTail(Action<string> warn)
    {
        long len = _stream.Length;
        if (len == 0) return;
        _stream.Position = len - 1;
        if (_stream.ReadByte() == '\n') return;

        // Find the start of the unterminated last line.
        long start = len - 1;
        var one = new byte[1];
        while (start > 0)
        {
            _stream.Position = start - 1;
            _stream.ReadExactly(one);
            if (one[0] == '\n') break;
            start--;
        }
        var tail = new byte[len - start];
        _stream.Position = start;
        _stream.ReadExactly(tail);
        if (TryParse(Encoding.UTF8.GetString(tail), out _, out _))
        {
            // A complete record that only lacks its newline: keep it.
            _stream.Seek(0, SeekOrigin.End);
            _stream.WriteByte((byte)'\n');
            return;
        }
        warn($"{FilePath}: removing torn last line ({tail.Length} bytes) left by an interrupted write");
        _stream.SetLength(start);
    }

    private static bool TryParse(string line, out MetricsRecord? record, out string error)
    {
        record = null;
        error = "";
        try
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) { error = $"a JSON {o.ValueKind}, expected an object"; return false; }
            record = new MetricsRecord
            {
                Step = o.GetProperty("step").GetInt64(),
                Epoch = o.TryGetProperty("epoch", out var e) ? e.GetInt32() : 0,
                WallSeconds = o.TryGetProperty("wall_s", out var t) ? ReadDouble(t) : 0,
                ImagesPerSecond = o.TryGetProperty("images_per_s", out var ips) ? ReadDouble(ips) : 0,
                Losses = o.TryGetProperty("losses", out var l) ? ReadMap(l) : new(),
                Values = o.TryGetProperty("values", out var v) ? ReadMap(v) : new(),
            };
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            error = ex.Message;
            return false;
        }
    }

    private static void WriteDouble(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteString(name, double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }

    private static void WriteMap(Utf8JsonWriter w, string name, Dictionary<string, double> map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map) WriteDouble(w, k, v);
        w.WriteEndObject();
    }

    private static double ReadDouble(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => e.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new FormatException($"'{s}' is not a number"),
        },
        _ => throw new FormatException($"a JSON {e.ValueKind} where a number was expected"),
    };

    private static Dictionary<string, double> ReadMap(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new FormatException($"a JSON {e.ValueKind} where an object of numbers was expected");
        var d = new Dictionary<string, double>();
        foreach (var p in e.EnumerateObject()) d[p.Name] = ReadDouble(p.Value);
        return d;
    }

    private static void DefaultWarn(string message) => Console.Error.WriteLine("warning: " + message);
}

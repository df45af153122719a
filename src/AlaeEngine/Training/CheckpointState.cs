using System.Text.Json;
using System.Text.Json.Nodes;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// The JSON state of a checkpoint being read back, with typed reads that fail with the file and the field named
/// (a missing field, or one of the wrong type, is an <see cref="InvalidDataException"/>, never a crash deep in a trainer).
/// </summary>
public sealed class CheckpointState(string path, JsonObject json)
{
    /// <summary>The checkpoint's JSON file.</summary>
    public string Path { get; } = path;
    public JsonObject Json { get; } = json;
    private Dictionary<string, Tensor>? _tensors; // the "state/…" tensors, read on first use into the caller's scope

    public bool Has(string name) => Json[name] is not null;

    public long Long(string name) => Read<long>(name);
    public int Int(string name) => Read<int>(name);
    public ulong ULong(string name) => Read<ulong>(name);
    public double Double(string name) => Read<double>(name);

    /// <summary>A JSON array of numbers.</summary>
    public double[] Doubles(string name)
    {
        if (Json[name] is not JsonArray a) throw Bad(name, Json[name], "an array of numbers");
        return a.Select((v, i) => v is JsonValue n && n.TryGetValue(out double d) ? d : throw Bad($"{name}[{i}]", v, "a number")).ToArray();
    }

    /// <summary>A nested object (null when absent).</summary>
    public JsonObject? Object(string name) => Json[name] switch
    {
        null => null,
        JsonObject o => o,
        var other => throw Bad(name, other, "an object"),
    };

    /// <summary>The trainer's state tensor saved under <paramref name="name"/> (a CPU tensor in the current scope), or null when there is none.</summary>
    public Tensor? StateTensor(string name)
    {
        _tensors ??= Checkpoint.ReadStateTensors(Path);
        return _tensors.GetValueOrDefault(name);
    }

    /// <summary>Copies the state tensor <paramref name="name"/> into <paramref name="target"/>; missing or of another shape is an error naming both.</summary>
    public void CopyStateTensor(string name, Tensor target)
    {
        var t = StateTensor(name) ?? throw new InvalidDataException($"{Path}: checkpoint has no state tensor '{name}' (from another model or version?)");
        if (t.Shape != target.Shape) throw new InvalidDataException($"{Path}: state tensor '{name}' has shape {t.Shape}, the model expects {target.Shape}");
        Backends.Transfer(t.DType == target.DType ? t : t.Cast(target.DType), target);
    }

    private T Read<T>(string name)
    {
        var node = Json[name] ?? throw new InvalidDataException($"{Path}: checkpoint has no '{name}'");
        try
        {
            if (node is JsonValue v && v.TryGetValue(out T? value) && value is not null) return value;
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException or JsonException) { }
        throw Bad(name, node, $"a {typeof(T).Name} number");
    }

    private InvalidDataException Bad(string name, JsonNode? found, string expected)
        => new($"{Path}: checkpoint field '{name}' is {found?.ToJsonString() ?? "null"}, expected {expected}");
}

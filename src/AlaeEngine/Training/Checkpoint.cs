using System.Text.Json;
using System.Text.Json.Nodes;
using AlaeEngine.IO;
using AlaeEngine.Nn;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// A checkpoint is two files in the run's checkpoints/ folder: step-NNNNNNN.safetensors (weights and optimizer state,
/// named "param/&lt;path&gt;", "adam/&lt;group&gt;/&lt;path&gt;") and step-NNNNNNN.json (config, position, RNG state, optimizer
/// step counts). Both are written atomically, the JSON last, so a checkpoint exists only once it is complete.
/// Weights or optimizer state holding NaN or ±∞ (a diverged run's) are refused when loaded, the tensor named, unless
/// the load runs inside <see cref="AcceptNonFinite"/>.
/// </summary>
public static class Checkpoint
{
    public const string Folder = "checkpoints";

    private static readonly AsyncLocal<bool> NonFiniteAccepted = new();

    /// <summary>Until the returned scope ends, <see cref="Restore"/> loads tensors that hold NaN or ±∞ (to inspect a diverged run).</summary>
    public static IDisposable AcceptNonFinite()
    {
        bool before = NonFiniteAccepted.Value;
        NonFiniteAccepted.Value = true;
        return new Scope(() => NonFiniteAccepted.Value = before);
    }

    private sealed class Scope(Action end) : IDisposable
    {
        public void Dispose() => end();
    }

    public static string Save(string runDir, long step, IReadOnlyList<(string path, Parameter p)> parameters,
        IReadOnlyDictionary<string, Adam> optimizers, JsonObject state, int keep = 3)
    {
        var dir = Path.Combine(runDir, Folder);
        Directory.CreateDirectory(dir);
        var tensors = new Dictionary<string, Tensor>();
        var names = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        foreach (var (path, p) in parameters) { tensors["param/" + path] = p.Value; names[p] = path; }
        var steps = new JsonObject();
        foreach (var (group, opt) in optimizers)
        {
            for (int i = 0; i < opt.Parameters.Count; i++)
                tensors[$"adam/{group}/{names[opt.Parameters[i]]}"] = opt.SecondMoment(i);
            steps[group] = opt.StepCount;
        }
        state["step"] = step;
        state["optimizerSteps"] = steps;
        string stem = Path.Combine(dir, $"step-{step:D7}");
        using (TensorScope.Begin())
            SafeTensors.Save(stem + ".safetensors", tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Device.Kind == DeviceKind.Cpu ? kv.Value : kv.Value.MoveTo(Device.Cpu)));
        AtomicFile.WriteAllText(stem + ".json", state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Prune(dir, keep);
        return stem + ".json";
    }

    /// <summary>The newest complete checkpoint's JSON path in a run folder, or null.</summary>
    public static string? Latest(string runDir)
    {
        var dir = Path.Combine(runDir, Folder);
        if (!Directory.Exists(dir)) return null;
        return Directory.GetFiles(dir, "step-*.json").OrderByDescending(f => f, StringComparer.Ordinal)
            .FirstOrDefault(f => File.Exists(Path.ChangeExtension(f, ".safetensors")));
    }

    /// <summary>The JSON state of a checkpoint; with <paramref name="expectedFormat"/>, an error unless its "format" is that one.</summary>
    public static JsonObject ReadState(string jsonPath, string? expectedFormat = null)
    {
        JsonObject state;
        try
        {
            state = JsonNode.Parse(File.ReadAllText(jsonPath)) as JsonObject
                ?? throw new InvalidDataException($"{jsonPath}: checkpoint state is not a JSON object");
        }
        catch (JsonException e) { throw new InvalidDataException($"{jsonPath}: checkpoint state is not valid JSON ({e.Message})", e); }
        var format = Format(state);
        if (expectedFormat != null && format != expectedFormat)
            throw new InvalidDataException($"{jsonPath}: checkpoint format is '{format ?? state["format"]?.ToJsonString() ?? "missing"}', expected '{expectedFormat}'");
        if (format != null) CheckpointSchema.Validate(jsonPath, state, format);
        return state;
    }

    /// <summary>The state's "format" field, or null when it has none (or not a string).</summary>
    public static string? Format(JsonObject state) => state["format"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Loads weights and optimizer state saved by <see cref="Save"/> into existing parameters and optimizers.</summary>
    public static void Restore(string jsonPath, IReadOnlyList<(string path, Parameter p)> parameters, IReadOnlyDictionary<string, Adam> optimizers)
    {
        var state = ReadState(jsonPath);
        var file = Path.ChangeExtension(jsonPath, ".safetensors");
        using var scope = TensorScope.Begin();
        var tensors = SafeTensors.Load(file);
        var names = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        foreach (var (path, p) in parameters)
        {
            names[p] = path;
            var t = Get(tensors, file, "param/" + path, p.Shape);
            Backends.Transfer(t.DType == p.Value.DType ? t : t.Cast(p.Value.DType), p.Value);
        }
        foreach (var (group, opt) in optimizers)
        {
            var v = opt.Parameters.Select(p => Get(tensors, file, $"adam/{group}/{names[p]}", p.Shape)).ToList();
            long steps = state["optimizerSteps"]?[group]?.GetValue<long>()
                ?? throw new InvalidDataException($"{jsonPath}: no step count for optimizer '{group}'");
            opt.Restore(steps, v.Select(t => t.DType == opt.Parameters[0].Value.DType ? t : t.Cast(opt.Parameters[0].Value.DType)).ToList());
        }
    }

    /// <summary>Loads only the weights (for reconstruct / generate / eval).</summary>
    public static void LoadWeights(string jsonPath, IReadOnlyList<(string path, Parameter p)> parameters)
        => Restore(jsonPath, parameters, new Dictionary<string, Adam>());

    private static Tensor Get(Dictionary<string, Tensor> tensors, string file, string name, Shape shape)
    {
        if (!tensors.TryGetValue(name, out var t)) throw new InvalidDataException($"{file}: tensor '{name}' is missing (checkpoint from another model?)");
        if (t.Shape != shape) throw new InvalidDataException($"{file}: tensor '{name}' has shape {t.Shape}, the model expects {shape}");
        if (!NonFiniteAccepted.Value) CheckFinite(file, name, t);
        return t;
    }

    private static void CheckFinite(string file, string name, Tensor t)
    {
        long count = 0, first = -1;
        if (t.DType == DType.Float32)
        {
            var v = t.Span<float>();
            for (int i = 0; i < v.Length; i++)
                if (!float.IsFinite(v[i]) && count++ == 0) first = i;
        }
        else
        {
            var v = t.Span<double>();
            for (int i = 0; i < v.Length; i++)
                if (!double.IsFinite(v[i]) && count++ == 0) first = i;
        }
        if (count > 0) throw new NonFiniteWeightsException(file, name, count, t.Length, first);
    }

    private static void Prune(string dir, int keep)
    {
        var old = Directory.GetFiles(dir, "step-*.json").OrderByDescending(f => f, StringComparer.Ordinal).Skip(keep);
        foreach (var json in old)
        {
            File.Delete(Path.ChangeExtension(json, ".safetensors"));
            File.Delete(json);
        }
    }
}

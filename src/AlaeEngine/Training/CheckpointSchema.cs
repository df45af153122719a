using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace AlaeEngine.Training;

/// <summary>
/// What every field of a checkpoint's JSON state must hold, per format, checked when the state is read
/// (<see cref="Checkpoint.ReadState"/>), so an edited or damaged file is one clear error naming the file, the field, the
/// value found and what was expected, instead of an exception deep in a trainer. Every field a trainer writes is listed
/// (a test saves one checkpoint of each trainer and checks that no field is missing here); the options object is read
/// into its record type and validated as a run's options are.
/// </summary>
internal static class CheckpointSchema
{
    /// <summary>A field's check: null when the value is acceptable, else what is wrong ("is -1, expected a whole number ≥ 0").</summary>
    private delegate string? Rule(JsonNode? value, JsonObject state);

    private static readonly (string Field, Rule Rule)[] Common =
    [
        ("format", (v, _) => v is JsonValue s && s.TryGetValue<string>(out var name) && name.Length > 0 ? null : Expected(v, "a format name")),
        ("step", Integer(0, long.MaxValue)),
        ("noiseSeed", Unsigned),
        ("noisePosition", Unsigned),
        ("optimizerSteps", OptimizerSteps),
    ];

    private static readonly (string Field, Rule Rule)[] Mlp =
    [
        ("options", OptionsRule(TrainingJson.Default.MlpTrainingOptions, ValidateMlpOptions)),
        ("epoch", Integer(0, int.MaxValue)),
    ];

    private static readonly (string Field, Rule Rule)[] Style =
    [
        ("options", OptionsRule(TrainingJson.Default.StyleTrainingOptions, ValidateStyleOptions)),
        ("imagesSeen", Integer(0, long.MaxValue)),
        ("level", (v, s) => Integer(0, Levels(s) - 1)(v, s)),
        ("blend", (v, _) => v is JsonValue d && d.TryGetValue<double>(out var x) && x is >= 0 and <= 1 ? null : Expected(v, "a number from 0 to 1")),
        // −1: saved before the first step, when no level's Adam state exists yet
        ("optimizerLevel", (v, s) => Integer(-1, Levels(s) - 1)(v, s)),
        ("wAverage", WAverage),
    ];

    /// <summary>The field names each format writes, for the test that keeps this table complete.</summary>
    internal static IEnumerable<string> Fields(string format) => Common.Concat(format == MlpTrainer.StateFormat ? Mlp : Style).Select(f => f.Field);

    /// <summary>Checks every field of a state in a known format; an unknown format is left to the caller.</summary>
    public static void Validate(string jsonPath, JsonObject state, string format)
    {
        var own = format switch
        {
            MlpTrainer.StateFormat => Mlp,
            StyleTrainer.StateFormat => Style,
            _ => null,
        };
        if (own is null) return;
        // the options first: the level and w-average rules read the model's size from them
        foreach (var (field, rule) in own.Concat(Common))
        {
            var problem = state.ContainsKey(field) ? rule(state[field], state) : "is missing";
            if (problem != null) throw new InvalidDataException($"{jsonPath}: checkpoint field \"{field}\" {problem}");
        }
    }

    /// <summary>"is "abc", expected a whole number ≥ 0": the value found (shortened) and what should be there.</summary>
    private static string Expected(JsonNode? found, string expected)
    {
        string text = found?.ToJsonString() ?? "null";
        return $"is {(text.Length <= 60 ? text : text[..57] + "…")}, expected {expected}";
    }

    private static Rule Integer(long min, long max) => (v, _) =>
        v is JsonValue n && n.TryGetValue<long>(out var x) && x >= min && x <= max
            ? null
            : Expected(v, $"a whole number from {min} to {(max == long.MaxValue ? "2^63 − 1" : max.ToString())}");

    private static string? Unsigned(JsonNode? v, JsonObject state) => v is JsonValue n && n.TryGetValue<ulong>(out var _) ? null : Expected(v, "a whole number ≥ 0");

    private static string? OptimizerSteps(JsonNode? v, JsonObject _)
    {
        const string expected = "an object of optimizer step counts {\"encoder\": N, \"decoder\": N}";
        if (v is not JsonObject o) return Expected(v, expected);
        foreach (var name in new[] { "encoder", "decoder" })
            if (o[name] is not JsonValue n || !n.TryGetValue<long>(out var steps) || steps < 0) return Expected(v, expected);
        return null;
    }

    private static Rule OptionsRule<T>(JsonTypeInfo<T> type, Action<T> validate) => (v, _) =>
    {
        string invalid = $"does not hold valid {typeof(T).Name}";
        if (v is not JsonObject) return Expected(v, $"an object of {typeof(T).Name}");
        try
        {
            var options = v.Deserialize(type);
            if (options is null) return invalid;
            validate(options);
            return null;
        }
        catch (JsonException e)
        {
            // "$.Epochs: a value of the wrong type" rather than the serializer's sentence about the whole type
            string why = e.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
                ? "a value of the wrong type" : e.Message.Split(" Path:")[0];
            return $"{invalid}: {(e.Path is { Length: > 2 } p ? p[2..] + ": " : "")}{why}";
        }
        catch (ArgumentException e) { return $"{invalid}: {e.Message}"; }
    };

    private static void ValidateMlpOptions(MlpTrainingOptions o)
    {
        if (o.DataDir is null || o.OutDir is null || o.Model is null) throw new ArgumentException("dataDir, outDir and model must all be given");
        o.Validate();
    }

    private static void ValidateStyleOptions(StyleTrainingOptions o)
    {
        var p = o.Preset;
        if (o.OutDir is null || p?.Name is null || p.Model is null || p.BatchPerLevel is null || p.LearningRatePerLevel is null)
            throw new ArgumentException("outDir, preset and the preset's name, model, batches and learning rates must all be given");
        o.Validate();
    }

    // read after "options" has passed, so the preset is there
    private static StyleTrainingOptions StyleOptions(JsonObject state) => state["options"].Deserialize(TrainingJson.Default.StyleTrainingOptions)!;

    private static int Levels(JsonObject state) => StyleOptions(state).Preset.Model.LayerCount;

    private static string? WAverage(JsonNode? v, JsonObject state)
    {
        int size = StyleOptions(state).Preset.Model.LatentSize;
        string expected = $"an array of {size} numbers (the latent size)";
        if (v is not JsonArray a || a.Count != size) return Expected(v, expected);
        return a.All(x => x is JsonValue n && n.TryGetValue<double>(out var d) && double.IsFinite(d)) ? null : Expected(v, expected);
    }
}

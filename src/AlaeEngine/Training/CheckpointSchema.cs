using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace AlaeEngine.Training;

/// <summary>
/// What every field of a checkpoint's JSON state must hold, per format, checked when the state is read
/// (<see cref="Checkpoint.ReadState"/>). The trainers then read the fields through <see cref="CheckpointState"/>, whose
/// typed reads check the type; this checks every field first, with its range and against the run's options (a level the
/// model has, a w average of the latent size, options that validate), including the fields read outside the trainers
/// (the optimizer step counts, the options object), so an edited or damaged file is one error naming the file, the
/// field, the value found and what was expected. Every field a trainer writes is listed (a test saves one checkpoint of
/// each trainer and compares); fields that older checkpoints lack are optional.
/// </summary>
internal static class CheckpointSchema
{
    /// <summary>A field's check: null when the value is acceptable, else what is wrong ("is -1, expected a whole number ≥ 0").</summary>
    private delegate string? Rule(JsonNode? value, JsonObject state);

    private sealed record Field(string Name, Rule Rule, bool Optional = false);

    private static readonly Field[] Common =
    [
        new("format", (v, _) => v is JsonValue s && s.TryGetValue<string>(out var name) && name.Length > 0 ? null : Expected(v, "a format name")),
        new("step", Integer(0, long.MaxValue)),
        // written since the shared trainer frame; MLP checkpoints before it count steps only
        new("imagesSeen", Integer(0, long.MaxValue), Optional: true),
        new("noiseSeed", Unsigned),
        new("noisePosition", Unsigned),
        new("optimizerSteps", (v, s) => OptimizerSteps(v, OptimizerGroups(s))),
        new("metrics", Metrics, Optional: true),
        // the training data's identity (count and content SHA-256), written since runs check it on resume
        new("data", DataIdentityRule, Optional: true),
        // Adam's per-parameter step counts, written only where a network grew (a late block's count differs from its group's)
        new("optimizerParameterSteps", (v, s) => OptimizerParameterSteps(v, OptimizerGroups(s)), Optional: true),
    ];

    private static readonly Field[] Mlp =
    [
        new("options", OptionsRule(TrainingJson.Default.MlpTrainingOptions, ValidateMlpOptions)),
        new("epoch", Integer(0, int.MaxValue)),
    ];

    private static readonly Field[] Style =
    [
        new("options", OptionsRule(TrainingJson.Default.StyleTrainingOptions, ValidateStyleOptions)),
        new("level", (v, s) => Integer(0, Levels(s) - 1)(v, s)),
        new("blend", Blend),
        // −1: saved before the first step, when no level's Adam state exists yet
        new("optimizerLevel", (v, s) => Integer(-1, Levels(s) - 1)(v, s)),
        new("wAverage", WAverage),
    ];

    private static readonly Field[] Pioneer =
    [
        new("options", OptionsRule(TrainingJson.Default.PioneerTrainingOptions, ValidatePioneerOptions)),
        new("level", (v, s) => Integer(0, PioneerOptions(s).Preset.Model.LayerCount - 1)(v, s)),
        new("blend", Blend),
        // the schedule rule the image pool's images belong to and the rule of the last iteration; −1 before the first
        new("poolRule", (v, s) => Integer(-1, PioneerOptions(s).Preset.Rules.Length - 1)(v, s)),
        new("trainedRule", (v, s) => Integer(-1, PioneerOptions(s).Preset.Rules.Length - 1)(v, s)),
    ];

    private static readonly Field[] AeStyleGan =
    [
        new("options", OptionsRule(TrainingJson.Default.AeStyleGanTrainingOptions, ValidateAeStyleGanOptions)),
        // the running mean of the path lengths (0 until the first path-length step) and the last adaptive weight β
        new("pathLengthMean", FiniteAtLeastZero),
        new("adaptiveWeight", FiniteAtLeastZero),
    ];

    private static Field[]? Own(string format) => format switch
    {
        MlpTrainer.StateFormat => Mlp,
        StyleTrainer.StateFormat => Style,
        PioneerTrainer.StateFormat => Pioneer,
        AeStyleGanTrainer.StateFormat => AeStyleGan,
        _ => null,
    };

    /// <summary>The field names each format may write (optional ones included), for the test that keeps this table complete.</summary>
    internal static IEnumerable<string> Fields(string format) => Common.Concat(Own(format) ?? []).Select(f => f.Name);

    /// <summary>The field names each format always writes.</summary>
    internal static IEnumerable<string> RequiredFields(string format) => Common.Concat(Own(format) ?? []).Where(f => !f.Optional).Select(f => f.Name);

    /// <summary>Checks every field of a state in a known format; an unknown format is left to the caller.</summary>
    public static void Validate(string jsonPath, JsonObject state, string format)
    {
        var own = Own(format);
        if (own is null) return;
        // the options first: the level and w-average rules read the model's size from them
        foreach (var field in own.Concat(Common))
        {
            var problem = state.ContainsKey(field.Name) ? field.Rule(state[field.Name], state) : field.Optional ? null : "is missing";
            if (problem != null) throw new InvalidDataException($"{jsonPath}: checkpoint field \"{field.Name}\" {problem}");
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

    // the optimizer groups of a state's format: AE-StyleGAN's G, F, E, D (and D₂ when decoupled), else encoder and decoder
    private static string[] OptimizerGroups(JsonObject state)
    {
        if (Checkpoint.Format(state) != AeStyleGanTrainer.StateFormat) return ["encoder", "decoder"];
        bool decoupled = state["options"].Deserialize(TrainingJson.Default.AeStyleGanTrainingOptions)!.Preset.Mode == Models.AeStyleGanMode.Decoupled;
        return decoupled ? ["generator", "mapping", "encoder", "discriminator", "discriminator2"] : ["generator", "mapping", "encoder", "discriminator"];
    }

    private static string? OptimizerSteps(JsonNode? v, string[] groups)
    {
        string expected = $"an object of optimizer step counts {{{string.Join(", ", groups.Select(g => $"\"{g}\": N"))}}}";
        if (v is not JsonObject o) return Expected(v, expected);
        foreach (var name in groups)
            if (o[name] is not JsonValue n || !n.TryGetValue<long>(out var steps) || steps < 0) return Expected(v, expected);
        return null;
    }

    private static string? Blend(JsonNode? v, JsonObject _)
        => v is JsonValue d && d.TryGetValue<double>(out var x) && x is >= 0 and <= 1 ? null : Expected(v, "a number from 0 to 1");

    // {"encoder": [N, …], "decoder": [N, …]} (the format's groups): the optimizer reads them and checks that there is one per parameter
    private static string? OptimizerParameterSteps(JsonNode? v, string[] groups)
    {
        string expected = $"an object of per-parameter step counts {{{string.Join(", ", groups.Select(g => $"\"{g}\": [N, …]"))}}}";
        if (v is not JsonObject o) return Expected(v, expected);
        foreach (var (group, counts) in o)
            if (!groups.Contains(group) || counts is not JsonArray a || !a.All(n => n is JsonValue c && c.TryGetValue<long>(out var t) && t >= 0))
                return Expected(v, expected);
        return null;
    }

    private static string? DataIdentityRule(JsonNode? v, JsonObject _)
    {
        const string expected = "an object {\"count\": N, \"sha256\": \"64 hex digits\"}";
        if (v is not JsonObject o || o["count"] is not JsonValue c || !c.TryGetValue<long>(out var count) || count < 0) return Expected(v, expected);
        return o["sha256"] switch
        {
            null => null,
            JsonValue h when h.TryGetValue(out string? hex) && hex.Length == 64 && hex.All(char.IsAsciiHexDigit) => null,
            _ => Expected(v, expected),
        };
    }

    // the frame's own reader of the window checks every entry; its message names the entry
    private static string? Metrics(JsonNode? v, JsonObject state)
    {
        if (v is not JsonObject) return Expected(v, "an object (the metrics window)");
        try
        {
            var window = MetricsWindow.FromCheckpoint(new CheckpointState("", state), 0);
            return window.Count < 0 || window.LoggedThrough < 0 || window.WallSeconds < 0 ? Expected(v, "counts, steps and times ≥ 0") : null;
        }
        catch (InvalidDataException e)
        {
            // "… (metrics): checkpoint field 'count' is …" → "field 'count' is …"
            int at = e.Message.IndexOf("checkpoint ", StringComparison.Ordinal);
            return $"is not a metrics window: {(at < 0 ? e.Message : e.Message[(at + "checkpoint ".Length)..])}";
        }
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

    private static void ValidatePioneerOptions(PioneerTrainingOptions o)
    {
        var p = o.Preset;
        if (o.OutDir is null || p?.Name is null || p.Model is null || p.Rules is null || p.Rules.Any(r => r is null) || p.BatchPerLevel is null
            || p.PoolSizePerLevel is null || p.Losses is null)
            throw new ArgumentException("outDir, preset and the preset's name, model, rules, batches, pool sizes and loss weights must all be given");
        o.Validate();
    }

    private static PioneerTrainingOptions PioneerOptions(JsonObject state) => state["options"].Deserialize(TrainingJson.Default.PioneerTrainingOptions)!;

    private static void ValidateAeStyleGanOptions(AeStyleGanTrainingOptions o)
    {
        var p = o.Preset;
        if (o.OutDir is null || p?.Name is null || p.Model is null) throw new ArgumentException("outDir, preset and the preset's name and model must all be given");
        o.Validate();
    }

    private static string? FiniteAtLeastZero(JsonNode? v, JsonObject _)
        => v is JsonValue d && d.TryGetValue<double>(out var x) && double.IsFinite(x) && x >= 0 ? null : Expected(v, "a finite number ≥ 0");

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

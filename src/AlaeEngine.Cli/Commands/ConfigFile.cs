using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using AlaeEngine.IO;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// A run's configuration as a file, JSON (.json) or YAML (.yaml, .yml): the options record a checkpoint saves
/// ("OutDir", "Seed", … and the model's, StyleALAE's preset with its per-level batches included). `--dump-config FILE`
/// writes it whole; `--config FILE` reads it back. A configuration is complete, every key present: the serializer
/// would read a missing key as 0 or empty, not as its default, so a missing key is an error (write the file with
/// --dump-config and edit it). Every error names the file, the key (and in YAML its line) and the problem: an unknown
/// or missing key (with the known ones), a value of the wrong type, a value out of range.
/// </summary>
internal static partial class ConfigFile
{
    public static T Read<T>(string file, JsonTypeInfo<T> json) where T : TrainingOptions, new()
    {
        bool yaml = IsYaml(file);
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: configuration file not found");
        var text = File.ReadAllText(file);
        var lines = new Dictionary<string, int>();
        JsonNode? node;
        try
        {
            node = yaml ? YamlText.Parse(text, file, lines)
                        : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{file}:{e.LineNumber + 1}: not valid JSON: {Bare().Replace(e.Message, "")}");
        }
        if (node is not JsonObject root)
            throw new ArgumentException($"{file}: expected a mapping of option names to values (write one with --dump-config), got {(node == null ? "an empty file" : node.GetValueKind().ToString().ToLowerInvariant())}");

        // the keys first, against the defaults written whole, so a misspelt key is named as such
        CheckKeys(root, JsonSerializer.SerializeToNode(new T(), json)!.AsObject(), "", file, lines);
        T options;
        try
        {
            options = root.Deserialize(json) ?? throw new ArgumentException($"{file}: no options");
        }
        catch (JsonException e)
        {
            var key = (e.Path ?? "$").TrimStart('$').TrimStart('.');
            throw new ArgumentException($"{file}: {Where(key, lines)}{Problem(e, json, key, At(root, key))}");
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{file}: {e.Message}");
        }
        return options;
    }

    /// <summary>Writes <paramref name="options"/> whole (atomically), with a YAML comment saying how to use it.</summary>
    public static void Write<T>(string file, T options, JsonTypeInfo<T> json, string command) where T : TrainingOptions
    {
        var node = JsonSerializer.SerializeToNode(options, json)!.AsObject();
        AtomicFile.WriteAllText(file, IsYaml(file)
            ? YamlText.Write(node, $"alae {command} configuration: alae {command} --config {Path.GetFileName(file)} (flags given with it override it)")
            : JsonSerializer.Serialize(options, json) + "\n");
    }

    private static bool IsYaml(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".yaml" or ".yml" => true,
        ".json" => false,
        var other => throw new ArgumentException($"{file}: a configuration file is .json, .yaml or .yml, not '{other}'"),
    };

    /// <summary>Every key of the file must be one the options have (a misspelt key would otherwise be ignored), and every key of the options must be there.</summary>
    private static void CheckKeys(JsonObject given, JsonObject known, string path, string file, Dictionary<string, int> lines)
    {
        string within = path.Length == 0 ? "" : $" in {path}";
        foreach (var (key, value) in given)
        {
            var at = path.Length == 0 ? key : $"{path}.{key}";
            if (!known.TryGetPropertyValue(key, out var expected))
                throw new ArgumentException($"{file}: {Where(at, lines)}unknown key '{key}' (known{within}: {string.Join(", ", known.Select(k => k.Key))})");
            if (value is JsonObject inner && expected is JsonObject knownInner) CheckKeys(inner, knownInner, at, file, lines);
        }
        var missing = known.Select(k => k.Key).Where(k => !given.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"{file}: {Where(path, lines)}missing key(s){within}: {string.Join(", ", missing)} " +
                                        "(a configuration is complete: write one with --dump-config and edit it)");
    }

    private static string Where(string key, Dictionary<string, int> lines)
        => key.Length == 0 ? "" : lines.TryGetValue(key, out var line) ? $"'{key}' (line {line}): " : $"'{key}': ";

    /// <summary>The serializer's complaint in words: what type the key needs and what the file has.</summary>
    private static string Problem(JsonException e, JsonTypeInfo root, string path, JsonNode? value)
    {
        var type = TypeAt(root, path) is { } t ? Nullable.GetUnderlyingType(t) ?? t : null;
        var needed = Type.GetTypeCode(type) switch
        {
            TypeCode.Empty => null,
            TypeCode.Int32 or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Double or TypeCode.Single => "a number",
            TypeCode.String => "text",
            TypeCode.Boolean => "true or false",
            _ => type!.IsArray ? "a list" : "a mapping of names to values",
        };
        return needed == null ? Bare().Replace(e.Message, "") : $"expected {needed}, got {(value == null ? "nothing" : value.ToJsonString())}";
    }

    /// <summary>The .NET type the options have at a serializer path ("Preset.BatchPerLevel[1]"), or null.</summary>
    private static Type? TypeAt(JsonTypeInfo root, string path)
    {
        var info = root;
        foreach (Match step in PathStep().Matches(path))
        {
            Type? next = step.Groups[1].Success
                ? info.Properties.FirstOrDefault(p => p.Name == step.Groups[1].Value)?.PropertyType
                : info.ElementType;
            if (next == null) return null;
            info = root.Options.GetTypeInfo(next);
        }
        return info.Type;
    }

    /// <summary>The value at a serializer path ("Preset.BatchPerLevel[1]") of <paramref name="root"/>, or null.</summary>
    private static JsonNode? At(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (Match step in PathStep().Matches(path))
            node = step.Groups[1].Success ? (node as JsonObject)?[step.Groups[1].Value]
                 : node is JsonArray a && int.Parse(step.Groups[2].Value) is var i && i < a.Count ? a[i] : null;
        return node;
    }

    [GeneratedRegex(@"([^.\[\]]+)|\[(\d+)\]")]
    private static partial Regex PathStep();

    // the serializer's location suffix (" Path: $.x | LineNumber: 0 | BytePositionInLine: 4.") is given separately
    [GeneratedRegex(@"\s*(Path: .*|LineNumber: .*)$")]
    private static partial Regex Bare();
}

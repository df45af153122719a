using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// YAML configuration files as JSON nodes, so one reader (System.Text.Json, source-generated) serves both formats.
/// Reading uses YamlDotNet's parser: a plain scalar is null (null, ~, empty), a boolean (true, false), an integer or a
/// finite number when it reads as one, and text otherwise; a quoted scalar is always text. Writing emits block
/// mappings with JSON scalars and JSON arrays (JSON's syntax is YAML's flow syntax), which YAML reads back as written.
/// </summary>
internal static partial class YamlText
{
    /// <summary>
    /// The single document of <paramref name="text"/> as a JSON node (null for an empty file); <paramref name="lines"/>
    /// receives each value's line (1-based) by its path ("Preset.BatchPerLevel[1]") for messages.
    /// </summary>
    public static JsonNode? Parse(string text, string file, Dictionary<string, int> lines)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ArgumentException($"{file}:{e.Start.Line}: not valid YAML: {Bare(e.Message)}");
        }
        catch (InvalidOperationException e) // YamlDotNet's scanner on some unterminated constructs ("[1, 2" and a next line)
        {
            throw new ArgumentException($"{file}: not valid YAML (an unclosed bracket or quote?): {e.Message}");
        }
        return stream.Documents.Count switch
        {
            0 => null,
            1 => ToJson(stream.Documents[0].RootNode, "", file, lines),
            var n => throw new ArgumentException($"{file}: holds {n} YAML documents, expected one"),
        };
    }

    /// <summary><paramref name="node"/> as YAML, after the comment lines of <paramref name="header"/>.</summary>
    public static string Write(JsonObject node, string header)
    {
        var text = new StringBuilder();
        foreach (var line in header.Split('\n')) text.Append("# ").Append(line).Append('\n');
        WriteMapping(text, node, indent: 0);
        return text.ToString();
    }

    private static JsonNode? ToJson(YamlNode node, string path, string file, Dictionary<string, int> lines)
    {
        lines[path] = (int)node.Start.Line;
        switch (node)
        {
            case YamlMappingNode map:
                var o = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                        throw new ArgumentException($"{file}:{key.Start.Line}: a key must be a name, got {key.NodeType}");
                    o[name] = ToJson(value, path.Length == 0 ? name : $"{path}.{name}", file, lines);
                }
                return o;
            case YamlSequenceNode seq:
                var a = new JsonArray();
                for (int i = 0; i < seq.Children.Count; i++) a.Add(ToJson(seq.Children[i], $"{path}[{i}]", file, lines));
                return a;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new ArgumentException($"{file}:{node.Start.Line}: unsupported YAML node {node.NodeType}");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var v = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain) return JsonValue.Create(v);
        if (v is "" or "~" or "null" or "Null" or "NULL") return null;
        if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return JsonValue.Create(d);
        return JsonValue.Create(v);
    }

    private static readonly JsonSerializerOptions Scalars = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void WriteMapping(StringBuilder text, JsonObject node, int indent)
    {
        foreach (var (key, value) in node)
        {
            text.Append(' ', indent).Append(PlainKey().IsMatch(key) ? key : JsonSerializer.Serialize(key, Scalars)).Append(':');
            if (value is JsonObject { Count: > 0 } inner)
            {
                text.Append('\n');
                WriteMapping(text, inner, indent + 2);
            }
            else if (value is JsonArray list && list.All(v => v is not JsonObject and not JsonArray))
                text.Append(" [").AppendJoin(", ", list.Select(v => v?.ToJsonString(Scalars) ?? "null")).Append("]\n");
            else text.Append(' ').Append(value?.ToJsonString(Scalars) ?? "null").Append('\n');
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex PlainKey();

    // YamlDotNet prefixes its messages with "(Line: 3, Col: 5, Idx: 20) - (Line: …): "; the line is given separately
    private static string Bare(string message) => message.LastIndexOf("): ", StringComparison.Ordinal) is var i and >= 0 ? message[(i + 3)..] : message;
}

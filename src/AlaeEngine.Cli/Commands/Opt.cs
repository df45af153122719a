using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// Shorthand for options with a description and a default, and the shared options and checks every command uses the
/// same way: a count below its minimum (--threads 0, --max-iterations −5) is refused when the command line is parsed,
/// before any work, with one line naming the option and the value (exit code 2, see <see cref="CliRunner"/>).
/// </summary>
internal static class Opt
{
    public static Option<T> Of<T>(string name, string description, T defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
    };

    public static Option<T> Required<T>(string name, string description) => new(name)
    {
        Description = description,
        Required = true,
    };

    /// <summary>A whole number of at least <paramref name="min"/>.</summary>
    public static Option<T> AtLeast<T>(string name, string description, T defaultValue, T min) where T : struct, IBinaryInteger<T>
    {
        var option = Of(name, description, defaultValue);
        option.CustomParser = r => Parse(r, name, min) ?? defaultValue;
        return option;
    }

    /// <summary>A required whole number of at least <paramref name="min"/>.</summary>
    public static Option<T> RequiredAtLeast<T>(string name, string description, T min) where T : struct, IBinaryInteger<T>
    {
        var option = Required<T>(name, description);
        option.CustomParser = r => Parse(r, name, min) ?? min;
        return option;
    }

    /// <summary>A whole number of at least <paramref name="min"/>, or null when not given (the command picks a default).</summary>
    public static Option<T?> AtLeastOrUnset<T>(string name, string description, T min) where T : struct, IBinaryInteger<T>
    {
        var option = Of<T?>(name, description, null);
        option.CustomParser = r => Parse(r, name, min);
        return option;
    }

    /// <summary>--threads: CPU worker threads, at least 1, by default one per core.</summary>
    public static Option<int> Threads() => AtLeast("--threads", "CPU worker threads", Environment.ProcessorCount, 1);

    private static T? Parse<T>(ArgumentResult result, string name, T min) where T : struct, IBinaryInteger<T>
    {
        string text = result.Tokens[^1].Value;
        if (!T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{name} must be a whole number ≥ {min}, got {text}");
            return null;
        }
        if (value < min) result.AddError($"{name} must be ≥ {min}, got {text}");
        return value;
    }
}

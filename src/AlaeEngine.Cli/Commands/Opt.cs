using System.CommandLine;

namespace AlaeEngine.Cli.Commands;

/// <summary>Shorthand for options with a description and a default.</summary>
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
}

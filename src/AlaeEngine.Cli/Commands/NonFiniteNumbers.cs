using System.CommandLine;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// NaN and ±∞ never reach a run unasked: a number option given a non-finite value is refused before the command runs
/// (every command, every floating-point option), and a checkpoint whose tensors hold one is refused when loaded unless
/// the command was given <see cref="AllowFlag"/> (<see cref="Checkpoint.AcceptNonFinite"/>).
/// </summary>
internal static class NonFiniteNumbers
{
    public const string AllowFlag = "--allow-nonfinite";

    /// <summary>The option of every command that loads a checkpoint (inference, evaluation, resume).</summary>
    public static Option<bool> AllowOption() => Opt.Of(AllowFlag, "load a checkpoint whose weights hold NaN or ±∞ (a diverged run's), to inspect it", false);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first floating-point option given NaN or ±∞ ("1e999" included).</summary>
    public static void CheckOptions(ParseResult r)
    {
        foreach (var option in r.CommandResult.Command.Options)
        {
            if (r.GetResult(option) is not { Implicit: false }) continue;
            double? value = option switch
            {
                Option<double> d => r.GetValue(d),
                Option<double?> d => r.GetValue(d),
                Option<float> f => r.GetValue(f),
                Option<float?> f => r.GetValue(f),
                _ => null,
            };
            if (value is { } v && !double.IsFinite(v)) throw new ArgumentException($"{option.Name} must be a finite number, got {v.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>The scope in which checkpoints may hold non-finite weights, when the command was given <see cref="AllowFlag"/>; null otherwise.</summary>
    public static IDisposable? AcceptWeights(ParseResult r)
        => r.CommandResult.Command.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == AllowFlag) is { } allow && r.GetValue(allow)
            ? Checkpoint.AcceptNonFinite()
            : null;
}

using System.CommandLine;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// A training command's option as the resume rule (<see cref="RunFlags.Resolve{T}"/>) sees it: how its value reads in a
/// run's options, and for an option that may change a resumed run (the length, the data's location, the intervals, the
/// batch scale) how it is taken over into the checkpoint's options. Without <see cref="TakeOver"/> the option defines
/// the run: on resume it must be left out or given the run's own value.
/// </summary>
/// <param name="TakeOver">(the checkpoint's options, the options from the flags) → the checkpoint's options with this one changed.</param>
internal sealed record RunFlag<T>(Option Option, Func<T, object?> ValueIn, Func<T, T, T>? TakeOver = null) where T : TrainingOptions
{
    public bool MayChange => TakeOver != null;
}

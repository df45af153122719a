using System.CommandLine;
using AlaeEngine.Data;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The training data options of the image models (`train style`, and the models trained on image folders after it):
/// --data, --recursive, --cache. They name where the data is, not what the run is, so a resumed run may change them
/// (the trainer checks that the data is the run's). --data goes to <see cref="RunFlags"/>, which stores it absolute in
/// the run's options.
/// </summary>
internal sealed class ImageFolderFlags
{
    public Option<string> Data { get; } = Opt.Of("--data", "image folder (PNG, JPEG, …), resized to the preset's resolution; with --resume: where the run's data lies now", DataPaths.Default(StyleImages.DefaultFolder));
    public Option<bool> Recursive { get; } = Opt.Of("--recursive", "also read the images of sub-folders", false);
    public Option<string?> Cache { get; } = Opt.Of<string?>("--cache", "folder of the prepared multi-resolution image cache (default <out>/cache)", null);

    public IEnumerable<Option> All => [Data, Recursive, Cache];

    /// <summary>The run's images (<see cref="TrainingOptions.DataDir"/>) at every level up to <paramref name="resolution"/>, through the cache (built on first use).</summary>
    public MultiResolutionCache Open(ParseResult r, TrainingOptions run, int resolution)
        => StyleImages.Open(run.DataDir, resolution, r.GetValue(Cache) ?? Path.Combine(run.OutDir, "cache"), r.GetValue(Recursive));
}

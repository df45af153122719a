using System.CommandLine;
using AlaeEngine.Data;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The training data options of the image models (`train style`, and the models trained on image folders after it):
/// --data, --recursive, --cache. They name where the data is, not what the run is, so a resumed run may change them.
/// </summary>
internal sealed class ImageFolderFlags
{
    public Option<string> Data { get; } = Opt.Of("--data", "image folder (PNG, JPEG, …), resized to the preset's resolution", StyleImages.DefaultFolder);
    public Option<bool> Recursive { get; } = Opt.Of("--recursive", "also read the images of sub-folders", false);
    public Option<string?> Cache { get; } = Opt.Of<string?>("--cache", "folder of the prepared multi-resolution image cache (default <out>/cache)", null);

    public IEnumerable<Option> All => [Data, Recursive, Cache];

    /// <summary>The folder's images at every level up to <paramref name="resolution"/>, through the cache (built on first use).</summary>
    public MultiResolutionCache Open(ParseResult r, int resolution, string outDir)
        => StyleImages.Open(r.GetValue(Data)!, resolution, r.GetValue(Cache) ?? Path.Combine(outDir, "cache"), r.GetValue(Recursive));
}

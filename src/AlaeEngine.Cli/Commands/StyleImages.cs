using AlaeEngine.Data;

namespace AlaeEngine.Cli.Commands;

/// <summary>An image folder opened through its <see cref="MultiResolutionCache"/>, with the skipped files and counts reported.</summary>
internal static class StyleImages
{
    public const string DefaultFolder = "data/faces128-sample";

    /// <summary>
    /// The cache of <paramref name="folder"/> at <paramref name="resolution"/> in <paramref name="cacheDir"/>. Files skipped
    /// while building are warned about as they are met; a cache opened from disk repeats its list, so every run says what it left out.
    /// </summary>
    public static MultiResolutionCache Open(string folder, int resolution, string cacheDir, bool recursive = false)
    {
        var cache = MultiResolutionCache.Open(folder, resolution, cacheDir, recursive, Warn);
        if (cache.LoadedFromCache)
            foreach (var s in cache.Skipped) Warn($"{s.File}: skipped, {s.Reason}");
        Console.WriteLine($"{cache.Count} images from {folder} ({cache.SkippedCount} skipped), {(cache.LoadedFromCache ? "cache" : "new cache")} {cache.CachePath}");
        return cache;
    }

    private static void Warn(string message) => Console.Error.WriteLine("warning: " + message);
}

using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The images Balanced PIONEER's inference commands read: image folders through their multi-resolution cache (averaged
/// to grey for a one-channel model), or a one-channel model's MNIST test digits (training images: <see cref="TrainingImages"/>).
/// </summary>
internal static class PioneerData
{
    /// <summary>The default folder of a model's inference images: the bundled faces, or the bundled MNIST test digits.</summary>
    public static string DefaultFolder(BalancedPioneer model) => DataPaths.Default(model.Config.ImageChannels == 1 ? TrainingImages.DefaultMnist : StyleImages.DefaultFolder);

    /// <summary>
    /// Images <paramref name="skip"/> … skip + n − 1 of <paramref name="folder"/> (all of them when n is null) at the
    /// model's current resolution, (n, C, R, R) in [-1, 1]: an MNIST folder's test digits, or an image folder's images
    /// through the cache in <paramref name="cacheDir"/> (averaged to grey for a one-channel model).
    /// </summary>
    public static Tensor Images(BalancedPioneer model, string folder, string cacheDir, int? n = null, int skip = 0)
    {
        int res = model.CurrentResolution;
        if (IsMnist(folder))
        {
            var digits = TrainingImages.Mnist(folder, model.Config.ImageChannels, model.Config.Resolution, train: false);
            return digits.Batch(res, Range(folder, digits.Count, n, skip), flip: false);
        }
        using var cache = StyleImages.Open(folder, model.Config.Resolution, cacheDir);
        var rgb = cache.Batch(res, Range(folder, cache.Count, n, skip), flip: false);
        return model.Config.ImageChannels == 3 ? rgb : Op.Mean(rgb, 1);
    }

    private static bool IsMnist(string folder)
        => Directory.Exists(folder) && Directory.EnumerateFiles(folder).Any(f => Path.GetFileName(f).StartsWith("t10k-images", StringComparison.Ordinal)
                                                                             || Path.GetFileName(f).StartsWith("train-images", StringComparison.Ordinal));

    private static int[] Range(string folder, int count, int? n, int skip)
    {
        int take = n ?? count - skip;
        if (take < 1 || skip + take > count)
            throw new ArgumentException($"{folder} has {count} images; images {skip}…{skip + take - 1} are needed");
        return Enumerable.Range(skip, take).ToArray();
    }
}

using System.CommandLine;
using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// Where a Balanced PIONEER command's images come from: a three-channel model reads image folders through their
/// multi-resolution cache; a one-channel model (pioneer-mnist32) reads MNIST IDX files (digits padded to 32²), or an
/// image folder averaged to grey.
/// </summary>
internal static class PioneerData
{
    public const string DefaultMnist = "data/mnist";

    /// <summary>The run's training images (<see cref="TrainingOptions.DataDir"/>), and what to dispose after the run (the cache), if anything.</summary>
    public static (IImageSource Data, IDisposable? Owner) Open(ParseResult r, ImageFolderFlags images, PioneerTrainingOptions run)
    {
        var model = run.Preset.Model;
        if (model.ImageChannels == 3)
        {
            var cache = images.Open(r, run, model.Resolution);
            return (cache, cache);
        }
        foreach (var o in new Option[] { images.Recursive, images.Cache })
            if (r.GetResult(o) is { Implicit: false }) throw new ArgumentException($"{o.Name} applies to image folders; a one-channel preset trains on MNIST IDX files");
        var digits = Mnist(run.DataDir, model, train: true);
        Console.WriteLine($"{digits.Count} MNIST digits from {run.DataDir} (train split), padded to {MnistImages.Side}²");
        return (digits, null);
    }

    /// <summary>The default folder of a model's inference images: the bundled faces, or the bundled MNIST test digits.</summary>
    public static string DefaultFolder(BalancedPioneer model) => DataPaths.Default(model.Config.ImageChannels == 1 ? DefaultMnist : StyleImages.DefaultFolder);

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
            var digits = Mnist(folder, model.Config, train: false);
            return digits.Batch(res, Range(folder, digits.Count, n, skip), flip: false);
        }
        using var cache = StyleImages.Open(folder, model.Config.Resolution, cacheDir);
        var rgb = cache.Batch(res, Range(folder, cache.Count, n, skip), flip: false);
        return model.Config.ImageChannels == 3 ? rgb : Op.Mean(rgb, 1);
    }

    private static bool IsMnist(string folder)
        => Directory.Exists(folder) && Directory.EnumerateFiles(folder).Any(f => Path.GetFileName(f).StartsWith("t10k-images", StringComparison.Ordinal)
                                                                             || Path.GetFileName(f).StartsWith("train-images", StringComparison.Ordinal));

    private static MnistImages Mnist(string folder, PioneerConfig model, bool train)
    {
        if (model.ImageChannels != 1 || model.Resolution != MnistImages.Side)
            throw new ArgumentException($"{folder} holds MNIST digits (one channel, {MnistImages.Side}²); the model is {model.ImageChannels}-channel {model.Resolution}²");
        return new MnistImages(MnistDataset.LoadFolder(folder, train));
    }

    private static int[] Range(string folder, int count, int? n, int skip)
    {
        int take = n ?? count - skip;
        if (take < 1 || skip + take > count)
            throw new ArgumentException($"{folder} has {count} images; images {skip}…{skip + take - 1} are needed");
        return Enumerable.Range(skip, take).ToArray();
    }
}

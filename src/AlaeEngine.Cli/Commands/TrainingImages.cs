using System.CommandLine;
using AlaeEngine.Data;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// Where an image model's training images come from (PIONEER, AE-StyleGAN): a three-channel model reads an image folder
/// through its multi-resolution cache; a one-channel 32² model reads MNIST IDX files, each 28×28 digit centred on a
/// 32×32 background of −1 (<see cref="MnistImages"/>).
/// </summary>
internal static class TrainingImages
{
    /// <summary>The bundled MNIST folder, a one-channel preset's default data.</summary>
    public const string DefaultMnist = MlpInference.DefaultData;

    /// <summary>The run's training images (<see cref="TrainingOptions.DataDir"/>), and what to dispose after the run (the cache), if anything.</summary>
    public static (IImageSource Data, IDisposable? Owner) Open(ParseResult r, ImageFolderFlags images, TrainingOptions run, int channels, int resolution)
    {
        if (channels == 3)
        {
            var cache = images.Open(r, run, resolution);
            return (cache, cache);
        }
        foreach (var o in new Option[] { images.Recursive, images.Cache })
            if (RunFlags.Given(r, o)) throw new ArgumentException($"{o.Name} applies to image folders; a one-channel preset trains on MNIST IDX files");
        var digits = Mnist(run.DataDir, channels, resolution, train: true);
        Console.WriteLine($"{digits.Count} MNIST digits from {run.DataDir} (train split), padded to {MnistImages.Side}²");
        return (digits, null);
    }

    /// <summary>The train or test digits of an MNIST folder as 32² images, for a model that takes them (one channel, 32²).</summary>
    public static MnistImages Mnist(string folder, int channels, int resolution, bool train)
    {
        if (channels != 1 || resolution != MnistImages.Side)
            throw new ArgumentException($"{folder}: MNIST digits are one-channel {MnistImages.Side}² images; the model is {channels}-channel {resolution}²");
        return new MnistImages(MnistDataset.LoadFolder(folder, train));
    }
}

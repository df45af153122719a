using System.CommandLine;
using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// Where an AE-StyleGAN command's images come from: a three-channel model reads an image folder through its
/// multi-resolution cache; a one-channel model (aegan-mnist, 32²) reads MNIST IDX files, each 28×28 digit centred on a
/// 32×32 background of −1 (<see cref="MnistImages"/>).
/// </summary>
internal static class AeStyleGanData
{
    public const string DefaultMnist = "data/mnist";

    /// <summary>The run's training images (<see cref="TrainingOptions.DataDir"/>), and what to dispose after the run (the cache), if anything.</summary>
    public static (IImageSource Data, IDisposable? Owner) Open(ParseResult r, ImageFolderFlags images, AeStyleGanTrainingOptions run)
    {
        var model = run.Preset.Model;
        if (model.ImageChannels == 3)
        {
            var cache = images.Open(r, run, model.Resolution);
            return (cache, cache);
        }
        foreach (var o in new Option[] { images.Recursive, images.Cache })
            if (RunFlags.Given(r, o)) throw new ArgumentException($"{o.Name} applies to image folders; a one-channel preset trains on MNIST IDX files");
        var digits = Mnist(run.DataDir, model, train: true);
        Console.WriteLine($"{digits.Count} MNIST digits from {run.DataDir} (train split), padded to {MnistImages.Side}²");
        return (digits, null);
    }

    /// <summary>The default folder of a model's inference images: the bundled faces, or the bundled MNIST test digits.</summary>
    public static string DefaultFolder(AeStyleGanConfig model) => model.ImageChannels == 1 ? DefaultMnist : StyleImages.DefaultFolder;

    /// <summary>
    /// Images 0 … n − 1 of <paramref name="folder"/> at the model's resolution, (n, C, R, R) in [-1, 1]: an MNIST
    /// folder's test digits for a one-channel model, else an image folder's images through the cache in <paramref name="cacheDir"/>.
    /// </summary>
    public static Tensor Images(AeStyleGanConfig model, string folder, string cacheDir, int n)
    {
        IImageSource source;
        IDisposable? owner = null;
        if (model.ImageChannels == 1) source = Mnist(folder, model, train: false);
        else
        {
            var cache = StyleImages.Open(folder, model.Resolution, cacheDir);
            (source, owner) = (cache, cache);
        }
        using (owner)
        {
            if (n < 1 || n > source.Count) throw new ArgumentException($"{folder} has {source.Count} images; {n} are needed");
            return source.Batch(model.Resolution, Enumerable.Range(0, n).ToArray(), flip: false);
        }
    }

    private static MnistImages Mnist(string folder, AeStyleGanConfig model, bool train)
    {
        if (model.ImageChannels != 1 || model.Resolution != MnistImages.Side)
            throw new ArgumentException($"MNIST digits are one-channel {MnistImages.Side}² images; the model is {model.ImageChannels}-channel {model.Resolution}²");
        return new MnistImages(MnistDataset.LoadFolder(folder, train));
    }
}

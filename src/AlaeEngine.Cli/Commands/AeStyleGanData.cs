using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The images AE-StyleGAN's inference commands read: a three-channel model's image folder through its cache, a
/// one-channel model's (aegan-mnist, 32²) MNIST test digits (training images: <see cref="TrainingImages"/>).
/// </summary>
internal static class AeStyleGanData
{
    /// <summary>The default folder of a model's inference images: the bundled faces, or the bundled MNIST test digits.</summary>
    public static string DefaultFolder(AeStyleGanConfig model) => model.ImageChannels == 1 ? TrainingImages.DefaultMnist : StyleImages.DefaultFolder;

    /// <summary>
    /// Images 0 … n − 1 of <paramref name="folder"/> at the model's resolution, (n, C, R, R) in [-1, 1]: an MNIST
    /// folder's test digits for a one-channel model, else an image folder's images through the cache in <paramref name="cacheDir"/>.
    /// </summary>
    public static Tensor Images(AeStyleGanConfig model, string folder, string cacheDir, int n)
    {
        IImageSource source;
        IDisposable? owner = null;
        if (model.ImageChannels == 1) source = TrainingImages.Mnist(folder, model.ImageChannels, model.Resolution, train: false);
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
}

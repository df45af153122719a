using AlaeEngine.Tensors;

namespace AlaeEngine.Data;

/// <summary>
/// MNIST digits held in memory: N images of 28 x 28 grey pixels and their labels 0..9.
/// Pixels are kept both as the raw bytes of the file (0..255) and scaled to [-1, 1] (0 maps to -1, 255 to 1),
/// the range the generator's output and the discriminator's input use.
/// </summary>
public sealed class MnistDataset
{
    public const int Side = 28;
    public const int Pixels = Side * Side;

    private MnistDataset(byte[] rawImages, byte[] labels)
    {
        RawImages = rawImages;
        Labels = labels;
        Images = new float[rawImages.Length];
        for (int i = 0; i < rawImages.Length; i++) Images[i] = ToUnit(rawImages[i]);
    }

    public int Count => Labels.Length;

    /// <summary>Pixels as stored in the file, (N, 784) row-major, 0..255.</summary>
    public byte[] RawImages { get; }

    /// <summary>Pixels scaled to [-1, 1], (N, 784) row-major.</summary>
    public float[] Images { get; }

    /// <summary>SHA-256 of <see cref="RawImages"/> in lower-case hex: the same digits in the same order, wherever their files lie.</summary>
    public string ContentHash => _contentHash ??= Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(RawImages));

    private string? _contentHash;

    /// <summary>Class of each image, (N), 0..9.</summary>
    public byte[] Labels { get; }

    /// <summary>One image, (784) in [-1, 1].</summary>
    public ReadOnlySpan<float> Image(int index) => Images.AsSpan(CheckIndex(index) * Pixels, Pixels);

    /// <summary>
    /// The images at <paramref name="indices"/> as a float32 tensor (B, 784) in [-1, 1], on <paramref name="device"/>
    /// (CPU by default). The tensor belongs to the current <see cref="TensorScope"/> like any other new tensor.
    /// </summary>
    public Tensor Batch(ReadOnlySpan<int> indices, Device? device = null)
    {
        // filled in place on the host, then moved once when the batch is for another device
        var host = Tensor.Empty(new Shape(indices.Length, Pixels));
        var data = host.Span<float>();
        for (int b = 0; b < indices.Length; b++)
            Images.AsSpan(CheckIndex(indices[b]) * Pixels, Pixels).CopyTo(data.Slice(b * Pixels, Pixels));
        if (device is null or { Kind: DeviceKind.Cpu }) return host;
        var moved = host.MoveTo(device.Value);
        host.Dispose();
        return moved;
    }

    /// <summary>The first <paramref name="count"/> digits (quick runs, tests).</summary>
    public MnistDataset Subset(int count)
    {
        if (count < 1 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"subset of {count} from {Count} digits");
        return new MnistDataset(RawImages[..(count * Pixels)], Labels[..count]);
    }

    /// <summary>The labels at <paramref name="indices"/>, in the order of <see cref="Batch"/>.</summary>
    public byte[] BatchLabels(ReadOnlySpan<int> indices)
    {
        var r = new byte[indices.Length];
        for (int b = 0; b < indices.Length; b++) r[b] = Labels[CheckIndex(indices[b])];
        return r;
    }

    /// <summary>Reads an images file and a labels file (each raw or gzipped) and checks that they belong together.</summary>
    public static MnistDataset Load(string imagesPath, string labelsPath)
    {
        var images = Idx.Read(imagesPath, Idx.ImagesMagic);
        if (images.Dims[1] != Side || images.Dims[2] != Side)
            throw new DataFormatException(imagesPath, $"wrong image size: expected {Side} x {Side}, found {images.Dims[1]} x {images.Dims[2]}");

        var labels = Idx.Read(labelsPath, Idx.LabelsMagic);
        if (labels.Dims[0] != images.Dims[0])
            throw new DataFormatException(labelsPath,
                $"image/label counts disagree: {labels.Dims[0]} labels, but {imagesPath} has {images.Dims[0]} images");
        for (int i = 0; i < labels.Data.Length; i++)
            if (labels.Data[i] > 9)
                throw new DataFormatException(labelsPath, $"label {i} is {labels.Data[i]}, outside 0..9");

        return new MnistDataset(images.Data, labels.Data);
    }

    /// <summary>
    /// Loads the training (train-*) or test (t10k-*) split from a folder holding the files under their
    /// distribution names, with or without .gz (the "-idx3-ubyte" and Kaggle's ".idx3-ubyte" spellings both work).
    /// </summary>
    public static MnistDataset LoadFolder(string dir, bool train)
    {
        string prefix = train ? "train" : "t10k";
        return Load(Find(dir, prefix + "-images", "idx3-ubyte"), Find(dir, prefix + "-labels", "idx1-ubyte"));
    }

    private static string Find(string dir, string stem, string kind)
    {
        if (!Directory.Exists(dir)) throw new DataFormatException(dir, "MNIST folder not found");
        string[] names = [$"{stem}-{kind}.gz", $"{stem}-{kind}", $"{stem}.{kind}.gz", $"{stem}.{kind}"];
        foreach (var n in names)
        {
            var p = Path.Combine(dir, n);
            if (File.Exists(p)) return p;
        }
        throw new DataFormatException(dir, $"missing file: none of {string.Join(", ", names)} exists");
    }

    private static float ToUnit(byte b) => b / 127.5f - 1f;

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"image index outside 0..{Count - 1}");
        return index;
    }
}

using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Data;

/// <summary>
/// MNIST digits as an <see cref="IImageSource"/> for the progressive models: each 28×28 digit centred on a 32×32
/// background of −1 (the digits' own background), one channel; the levels below 32² are repeated 2×2 averages.
/// Built per batch from the digits in memory, so the full 70k set needs no cache.
/// </summary>
public sealed class MnistImages(MnistDataset digits) : IImageSource
{
    public const int Side = 32;
    private const int Margin = (Side - MnistDataset.Side) / 2;

    public MnistDataset Digits { get; } = digits;
    public int Count => Digits.Count;
    public int Channels => 1;

    /// <summary>Digits at <paramref name="indices"/> as (B, 1, R, R) in [-1, 1], R one of 32, 16, 8, 4; mirrored left-right when <paramref name="flip"/>.</summary>
    public Tensor Batch(int resolution, ReadOnlySpan<int> indices, bool flip)
    {
        if (resolution < 4 || resolution > Side || (resolution & (resolution - 1)) != 0)
            throw new ArgumentException($"MNIST images are {Side}² (digits padded from 28²) with levels 4², 8², 16², 32²; {resolution}² was asked for", nameof(resolution));
        var batch = Tensor.Empty(new Shape(indices.Length, 1, resolution, resolution));
        var dst = batch.Span<float>();
        var plane = new float[Side * Side];
        for (int b = 0; b < indices.Length; b++)
        {
            Array.Fill(plane, -1f);
            var digit = Digits.Image(indices[b]);
            for (int y = 0; y < MnistDataset.Side; y++)
                digit.Slice(y * MnistDataset.Side, MnistDataset.Side).CopyTo(plane.AsSpan((y + Margin) * Side + Margin));
            int side = Side;
            for (; side > resolution; side /= 2) HalveInPlace(plane, side);
            var image = dst.Slice(b * side * side, side * side);
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++) image[y * side + x] = plane[y * side + (flip ? side - 1 - x : x)];
        }
        return batch;
    }

    /// <summary>Digits in MnistDataset's layout (N, 784), a CPU tensor, centred on the −1 background: (N, 1, 32, 32), the inverse of <see cref="Crop"/>.</summary>
    public static Tensor Pad(Tensor digits)
    {
        if (digits.Rank != 2 || digits.Shape[1] != MnistDataset.Pixels || digits.Device.Kind != DeviceKind.Cpu)
            throw new ArgumentException($"MNIST pad: digits must be a CPU tensor (N, {MnistDataset.Pixels}), got {digits.Shape} on {digits.Device}");
        int n = digits.Shape[0];
        var src = digits.ToFloatArray();
        var dst = new float[n * Side * Side];
        Array.Fill(dst, -1f);
        for (int b = 0; b < n; b++)
            for (int y = 0; y < MnistDataset.Side; y++)
                src.AsSpan((b * MnistDataset.Side + y) * MnistDataset.Side, MnistDataset.Side).CopyTo(dst.AsSpan((b * Side + y + Margin) * Side + Margin));
        return Tensor.FromArray(dst, new Shape(n, 1, Side, Side));
    }

    /// <summary>The 28×28 digits inside 32² images: (N, 1, 32, 32) → (N, 784), MnistDataset's layout.</summary>
    public static Tensor Crop(Tensor images)
    {
        if (images.Rank != 4 || images.Shape[1] != 1 || images.Shape[2] != Side || images.Shape[3] != Side)
            throw new ArgumentException($"MNIST crop: images must be (N, 1, {Side}, {Side}), got {images.Shape}");
        var inner = Op.Slice(Op.Slice(images, 2, Margin, MnistDataset.Side), 3, Margin, MnistDataset.Side);
        return Op.Reshape(inner, images.Shape[0], MnistDataset.Pixels);
    }

    // plane[0 .. (side/2)²) ← 2×2 means of the side×side plane, row-major (each output reads only inputs at or after its own index)
    private static void HalveInPlace(float[] plane, int side)
    {
        int half = side / 2;
        for (int y = 0; y < half; y++)
            for (int x = 0; x < half; x++)
            {
                int i = 2 * y * side + 2 * x;
                plane[y * half + x] = 0.25f * (plane[i] + plane[i + 1] + plane[i + side] + plane[i + side + 1]);
            }
    }
}

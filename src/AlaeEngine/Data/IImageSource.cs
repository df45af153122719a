using AlaeEngine.Tensors;

namespace AlaeEngine.Data;

/// <summary>
/// A set of training images readable at any level of the progressive schedule. Batch returns the images at
/// <paramref name="indices"/> as (B, Channels, resolution, resolution) in [-1, 1] (2×2-average downsampled from the
/// stored size), mirrored horizontally when <paramref name="flip"/> is set.
/// </summary>
public interface IImageSource
{
    int Count { get; }
    int Channels { get; }
    Tensor Batch(int resolution, ReadOnlySpan<int> indices, bool flip);

    /// <summary>SHA-256 of the images' content in lower-case hex, the same wherever the files lie; null when the source cannot say.</summary>
    string? ContentHash => null;
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Data;

/// <summary>Images for progressive training: each level reads its own resolution. Batch: (B, Channels, resolution, resolution) in [-1, 1].</summary>
public interface IImageSource
{
    int Count { get; }
    int Channels { get; }
    Tensor Batch(int resolution, ReadOnlySpan<int> indices, bool flip);
}

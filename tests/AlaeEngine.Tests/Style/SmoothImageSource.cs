using AlaeEngine.Data;
using AlaeEngine.Tensors;

namespace AlaeEngine.Tests.Style;

/// <summary>
/// An in-memory <see cref="IImageSource"/> of random smooth images (a few low-frequency cosines per channel, squashed into
/// [-1, 1]) stored at <c>size</c>² and 2×2-averaged down to the requested resolution, as the real loaders are.
/// </summary>
internal sealed class SmoothImageSource : IImageSource
{
    private readonly float[][] _images; // (C, size, size) each
    private readonly int _size;

    public SmoothImageSource(int count, int channels, int size, ulong seed)
    {
        Count = count; Channels = channels; _size = size;
        _images = new float[count][];
        ulong k = 0;
        double U() => Philox.Uniform(seed, k++);
        for (int i = 0; i < count; i++)
        {
            var img = new float[channels * size * size];
            for (int c = 0; c < channels; c++)
            {
                var waves = Enumerable.Range(0, 3).Select(_ => (fx: Math.Floor(U() * 3), fy: Math.Floor(U() * 3), phase: U() * 2 * Math.PI, amp: U())).ToArray();
                double offset = U() - 0.5;
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        double v = offset + waves.Sum(w => w.amp * Math.Cos(2 * Math.PI * (w.fx * x + w.fy * y) / size + w.phase));
                        img[(c * size + y) * size + x] = (float)Math.Tanh(v);
                    }
            }
            _images[i] = img;
        }
    }

    public int Count { get; }
    public int Channels { get; }

    public Tensor Batch(int resolution, ReadOnlySpan<int> indices, bool flip)
    {
        if (resolution > _size || _size % resolution != 0) throw new ArgumentException($"resolution {resolution} does not divide {_size}");
        int f = _size / resolution, plane = resolution * resolution;
        var data = new float[indices.Length * Channels * plane];
        for (int b = 0; b < indices.Length; b++)
        {
            var img = _images[indices[b]];
            for (int c = 0; c < Channels; c++)
                for (int y = 0; y < resolution; y++)
                    for (int x = 0; x < resolution; x++)
                    {
                        double s = 0;
                        for (int dy = 0; dy < f; dy++)
                            for (int dx = 0; dx < f; dx++) s += img[(c * _size + y * f + dy) * _size + x * f + dx];
                        int xo = flip ? resolution - 1 - x : x;
                        data[((b * Channels + c) * resolution + y) * resolution + xo] = (float)(s / (f * f));
                    }
        }
        return Tensor.FromArray(data, new Shape(indices.Length, Channels, resolution, resolution));
    }
}

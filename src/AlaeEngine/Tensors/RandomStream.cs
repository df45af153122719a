namespace AlaeEngine.Tensors;

/// <summary>
/// A reproducible stream of random tensors: each draw takes the next block of Philox counters, so the whole state is
/// (seed, position) — saved in checkpoints so a resumed run draws exactly what an uninterrupted one would.
/// </summary>
public sealed class RandomStream
{
    public RandomStream(ulong seed, ulong position = 0) { Seed = seed; Position = position; }

    public ulong Seed { get; }
    public ulong Position { get; private set; }

    public Tensor Normal(Shape shape, DType dtype = DType.Float32, Device? device = null) => Draw(shape, dtype, device, normal: true);
    public Tensor Uniform(Shape shape, DType dtype = DType.Float32, Device? device = null) => Draw(shape, dtype, device, normal: false);

    private Tensor Draw(Shape shape, DType dtype, Device? device, bool normal)
    {
        var t = Tensor.Empty(shape, dtype, device);
        t.Kernels.FillRandom(t, Seed, Position, normal);
        Position += (ulong)shape.Length;
        return t;
    }

    /// <summary>Moves the stream to a saved position (resume).</summary>
    public void Restore(ulong position) => Position = position;

    /// <summary>A uniformly random permutation of 0..n−1 (Fisher–Yates), consuming n counters.</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)(Philox.Uniform(Seed, Position++) * (i + 1));
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}

using AlaeEngine.Data;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// The real images of an image-folder run as one endless sequence: image k of the run is item k mod Count of epoch
/// k / Count's permutation (<see cref="EpochShuffle"/>), mirrored when the run flips and Philox(seed, k) &lt; ½. Both are
/// functions of (seed, k) alone, so a batch depends only on where the run is and a resumed run sees the same images.
/// </summary>
public sealed class ShuffledImages
{
    private readonly EpochShuffle _shuffle;
    private readonly ulong _flipSeed;

    public ShuffledImages(IImageSource data, ulong seed, bool flip)
    {
        if (data.Count < 1) throw new ArgumentException("the training set is empty");
        Data = data;
        Flip = flip;
        _shuffle = new EpochShuffle(seed, data.Count);
        _flipSeed = seed * 0xD1B54A32D192ED03UL + 5;
    }

    public IImageSource Data { get; }
    public bool Flip { get; }

    /// <summary>Images <paramref name="start"/> … start + batch − 1 of the sequence at <paramref name="resolution"/>: (B, C, R, R) in [-1, 1] on <paramref name="device"/>.</summary>
    public Tensor Batch(long start, int batch, int resolution, Device device)
    {
        var plain = new List<int>(batch); var flipped = new List<int>(batch);
        for (long k = start; k < start + batch; k++)
        {
            int index = _shuffle.Order(k / Data.Count)[(int)(k % Data.Count)];
            (Flip && Philox.Uniform(_flipSeed, (ulong)k) < 0.5 ? flipped : plain).Add(index);
        }
        var parts = new List<Tensor>();
        if (plain.Count > 0) parts.Add(Data.Batch(resolution, plain.ToArray(), flip: false));
        if (flipped.Count > 0) parts.Add(Data.Batch(resolution, flipped.ToArray(), flip: true));
        var x = parts.Count == 1 ? parts[0] : Op.Concat(0, parts.ToArray());
        return x.Device == device ? x : x.MoveTo(device);
    }
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// The order in which a run visits its data set in each epoch: a permutation that is a function of (run seed, epoch)
/// alone, so a resume anywhere in an epoch sees the same order. Drawn once per epoch and kept until the next.
/// </summary>
internal sealed class EpochShuffle(ulong runSeed, int count)
{
    // a salt so the order's stream differs from the run's other streams drawn from the same seed
    private readonly ulong _seed = runSeed ^ 0x9E3779B97F4A7C15UL;
    private (long epoch, int[] order)? _cached;

    public int[] Order(long epoch)
    {
        if (_cached is { } c && c.epoch == epoch) return c.order;
        var order = new RandomStream(_seed, (ulong)epoch * (ulong)count).Permutation(count);
        _cached = (epoch, order);
        return order;
    }
}

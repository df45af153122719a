namespace AlaeEngine.Training;

/// <summary>A loss of the iteration at <see cref="Step"/> is NaN or infinite: the run has diverged and stops before it checkpoints.</summary>
public sealed class NonFiniteLossException(long step, string loss, double value)
    : Exception($"training diverged: loss '{loss}' is {value} at iteration {step}")
{
    public long Step { get; } = step;
    public string Loss { get; } = loss;
}

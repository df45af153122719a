namespace AlaeEngine.Training;

/// <summary>A checkpoint tensor holds NaN or ±∞ (the weights of a diverged run): loading it is refused unless asked for (<see cref="Checkpoint.AcceptNonFinite"/>).</summary>
public sealed class NonFiniteWeightsException(string file, string tensor, long count, long length, long first)
    : IOException($"{file}: tensor '{tensor}' holds {count} NaN or infinite value(s) of {length} (the first at element {first}): the weights of a diverged run")
{
    public string Tensor { get; } = tensor;
}

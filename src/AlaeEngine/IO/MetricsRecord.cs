namespace AlaeEngine.IO;

/// <summary>One line of the training metrics log: where training was, what the losses were, and how fast it ran.</summary>
public sealed class MetricsRecord
{
    /// <summary>Optimizer steps taken so far.</summary>
    public long Step { get; init; }

    public int Epoch { get; init; }

    /// <summary>Seconds since the run started (resumed runs continue the count).</summary>
    public double WallSeconds { get; init; }

    /// <summary>Training throughput over the last logging interval.</summary>
    public double ImagesPerSecond { get; init; }

    /// <summary>Named losses (e.g. "d", "g", "latent_mse"); NaN and infinities are kept, a diverged loss must show.</summary>
    public Dictionary<string, double> Losses { get; init; } = new();

    /// <summary>Other named scalars worth plotting or auditing (learning rate, level of detail, blend alpha, ...).</summary>
    public Dictionary<string, double> Values { get; init; } = new();
}

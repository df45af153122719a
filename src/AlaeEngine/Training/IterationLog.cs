namespace AlaeEngine.Training;

/// <summary>
/// What one training iteration reports, whatever the model: the run's position after it (iterations and images done),
/// the epoch it trained in, the throughput, and its scalars by name for metrics.jsonl. Each model's log derives from
/// this record and adds its own losses and schedule position as typed properties.
/// </summary>
public abstract record IterationLog(long Step, long ImagesSeen, int Epoch, double ImagesPerSecond)
{
    /// <summary>The losses, averaged over a window of iterations in metrics.jsonl ("d_logistic", "r1", …).</summary>
    public abstract IEnumerable<KeyValuePair<string, double>> NamedLosses();

    /// <summary>Schedule position and the like ("level", "blend", "batch"), logged as of the window's last iteration; none by default.</summary>
    public virtual IEnumerable<KeyValuePair<string, double>> NamedValues() => [];
}

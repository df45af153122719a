using System.Text.Json.Serialization;

namespace AlaeEngine.Training;

/// <summary>
/// What every run has, whatever the model: where it writes, its seed, how often it writes sample grids and checkpoints,
/// and an optional cut-off. Each model's options record derives from this one and is saved whole in every checkpoint,
/// so a resume continues the same run.
/// </summary>
public abstract record TrainingOptions
{
    /// <summary>The run folder: checkpoints/, samples/, metrics.jsonl, losses.png.</summary>
    [JsonPropertyOrder(-1)] public string OutDir { get; init; } = "runs";
    /// <summary>The training data's folder, absolute, so a resume finds it from any working directory ("" for a model without one).</summary>
    [JsonPropertyOrder(-1)] public string DataDir { get; init; } = "";
    /// <summary>Seed of every random choice of the run (initial weights, data order, noise).</summary>
    [JsonPropertyOrder(-1)] public ulong Seed { get; init; } = 1;
    /// <summary>Write a sample grid every this many iterations (and at the end of every stage and of the run).</summary>
    [JsonPropertyOrder(-1)] public int SampleEvery { get; init; } = 500;
    /// <summary>Write a checkpoint every this many iterations (and at the end of every stage and of the run).</summary>
    [JsonPropertyOrder(-1)] public int CheckpointEvery { get; init; } = 1000;
    /// <summary>Stop after this many iterations in total (0: run the whole schedule). For smoke runs and tests.</summary>
    [JsonPropertyOrder(-1)] public long MaxIterations { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range; models add their own checks.</summary>
    public virtual void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutDir)) throw new ArgumentException("the run folder (out) must be given");
        if (SampleEvery < 1 || CheckpointEvery < 1) throw new ArgumentException("sample and checkpoint intervals must be ≥ 1");
        if (MaxIterations < 0) throw new ArgumentException($"max iterations must be ≥ 0, got {MaxIterations}");
    }
}

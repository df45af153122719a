using AlaeEngine.Models;

namespace AlaeEngine.Training;

/// <summary>Everything that defines an MLP-ALAE run; saved in every checkpoint so a resume continues the same run.</summary>
public sealed record MlpTrainingOptions
{
    public string DataDir { get; init; } = "data/mnist";
    public string OutDir { get; init; } = "runs/mlp";
    public int Epochs { get; init; } = 20;
    public int BatchSize { get; init; } = 128;
    /// <summary>The paper's learning rate for the non-growing (MLP) architectures.</summary>
    public const double DefaultLearningRate = 0.002;

    public double LearningRate { get; init; } = DefaultLearningRate;
    public double R1Gamma { get; init; } = 10;
    public ulong Seed { get; init; } = 1;
    /// <summary>Write a sample grid every this many iterations (and at the end of every epoch).</summary>
    public int SampleEvery { get; init; } = 500;
    /// <summary>Write a checkpoint every this many iterations (and at the end of every epoch).</summary>
    public int CheckpointEvery { get; init; } = 1000;
    /// <summary>Stop after this many iterations in total (0: run all epochs). For smoke runs and tests.</summary>
    public int MaxIterations { get; init; }
    public MlpAlaeConfig Model { get; init; } = new();

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be ≥ 1, got {Epochs}");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be ≥ 1, got {BatchSize}");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning rate must be > 0, got {LearningRate}");
        if (R1Gamma < 0) throw new ArgumentException($"R1 gamma must be ≥ 0, got {R1Gamma}");
        if (SampleEvery < 1 || CheckpointEvery < 1) throw new ArgumentException("sample and checkpoint intervals must be ≥ 1");
        if (MaxIterations < 0) throw new ArgumentException($"max iterations must be ≥ 0, got {MaxIterations}");
        Model.Validate();
    }
}

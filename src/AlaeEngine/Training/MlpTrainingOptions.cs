using AlaeEngine.Models;

namespace AlaeEngine.Training;

/// <summary>Everything that defines an MLP-ALAE run; saved in every checkpoint so a resume continues the same run.</summary>
public sealed record MlpTrainingOptions : TrainingOptions
{
    public MlpTrainingOptions()
    {
        OutDir = "runs/mlp";
        DataDir = "data/mnist";
    }

    public int Epochs { get; init; } = 20;
    public int BatchSize { get; init; } = 128;
    /// <summary>The paper's learning rate for the non-growing (MLP) architectures.</summary>
    public const double DefaultLearningRate = 0.002;

    public double LearningRate { get; init; } = DefaultLearningRate;
    public double R1Gamma { get; init; } = 10;
    public MlpAlaeConfig Model { get; init; } = new();

    public override void Validate()
    {
        base.Validate();
        if (Epochs < 1) throw new ArgumentException($"epochs must be ≥ 1, got {Epochs}");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be ≥ 1, got {BatchSize}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"learning rate must be finite and > 0, got {LearningRate}");
        if (!(R1Gamma >= 0) || !double.IsFinite(R1Gamma)) throw new ArgumentException($"R1 gamma must be finite and ≥ 0, got {R1Gamma}");
        Model.Validate();
    }
}

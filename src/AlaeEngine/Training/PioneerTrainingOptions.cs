using AlaeEngine.Models;

namespace AlaeEngine.Training;

/// <summary>Everything that defines a Balanced PIONEER run; saved in every checkpoint so a resume continues the same run.</summary>
public sealed record PioneerTrainingOptions : TrainingOptions
{
    public PioneerTrainingOptions() => OutDir = "runs/pioneer";

    /// <summary>Architecture, schedule and hyper-parameters; start from <see cref="PioneerPreset.Named"/> and override with `with`.</summary>
    public PioneerPreset Preset { get; init; } = PioneerPreset.Faces64;
    /// <summary>Images per group of the sample grid (fixed inputs and latents for the whole run).</summary>
    public int SampleCount { get; init; } = 16;

    public override void Validate()
    {
        base.Validate();
        Preset.Validate();
        if (SampleCount < 1) throw new ArgumentException($"sample count must be ≥ 1, got {SampleCount}");
    }
}

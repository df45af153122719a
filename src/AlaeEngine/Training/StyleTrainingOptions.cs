using AlaeEngine.Models;

namespace AlaeEngine.Training;

/// <summary>Everything that defines a StyleALAE run; saved in every checkpoint so a resume continues the same run.</summary>
public sealed record StyleTrainingOptions : TrainingOptions
{
    public StyleTrainingOptions() => OutDir = "runs/style";

    /// <summary>Architecture and schedule; start from <see cref="StyleAlaePreset.Named"/> and override with `with`.</summary>
    public StyleAlaePreset Preset { get; init; } = StyleAlaePreset.Mnist;
    public double R1Gamma { get; init; } = 10;
    /// <summary>Images over which an EMA weight halves (reference: 10k images, β = 0.5^(batch/10000) per iteration).</summary>
    public double EmaHalfLifeImages { get; init; } = 10_000;
    /// <summary>Truncation of the grid's generations (reference sampling model: ψ 0.7 on the first 8 style layers).</summary>
    public double TruncationPsi { get; init; } = 0.7;
    public int TruncationCutoff { get; init; } = 8;
    /// <summary>Images per group of the sample grid (fixed inputs and latents for the whole run).</summary>
    public int SampleCount { get; init; } = 16;

    public override void Validate()
    {
        base.Validate();
        Preset.Validate();
        if (!(R1Gamma >= 0) || !double.IsFinite(R1Gamma)) throw new ArgumentException($"R1 gamma must be finite and ≥ 0, got {R1Gamma}");
        if (!(EmaHalfLifeImages > 0) || !double.IsFinite(EmaHalfLifeImages)) throw new ArgumentException($"EMA half-life must be a finite number of images > 0, got {EmaHalfLifeImages}");
        if (!(TruncationPsi is >= 0 and <= 1) || TruncationCutoff < 0) throw new ArgumentException($"truncation ψ must be in [0, 1] and the cutoff ≥ 0, got {TruncationPsi} and {TruncationCutoff}");
        if (SampleCount < 1) throw new ArgumentException($"sample count must be ≥ 1, got {SampleCount}");
    }
}

using AlaeEngine.Models;

namespace AlaeEngine.Training;

/// <summary>Everything that defines a StyleALAE run; saved in every checkpoint so a resume continues the same run.</summary>
public sealed record StyleTrainingOptions
{
    public string OutDir { get; init; } = "runs/style";
    /// <summary>Architecture and schedule; start from <see cref="StyleAlaePreset.Named"/> and override with `with`.</summary>
    public StyleAlaePreset Preset { get; init; } = StyleAlaePreset.Mnist;
    public double R1Gamma { get; init; } = 10;
    public ulong Seed { get; init; } = 1;
    /// <summary>Images over which an EMA weight halves (reference: 10k images, β = 0.5^(batch/10000) per iteration).</summary>
    public double EmaHalfLifeImages { get; init; } = 10_000;
    /// <summary>Truncation of the grid's generations (reference sampling model: ψ 0.7 on the first 8 style layers).</summary>
    public double TruncationPsi { get; init; } = 0.7;
    public int TruncationCutoff { get; init; } = 8;
    /// <summary>Images per group of the sample grid (fixed inputs and latents for the whole run).</summary>
    public int SampleCount { get; init; } = 16;
    /// <summary>Write a sample grid every this many iterations (and at the end of every level and of the run).</summary>
    public int SampleEvery { get; init; } = 500;
    /// <summary>Write a checkpoint every this many iterations (and at the end of every level and of the run).</summary>
    public int CheckpointEvery { get; init; } = 1000;
    /// <summary>Stop after this many iterations in total (0: run the preset's whole schedule). For smoke runs and tests.</summary>
    public long MaxIterations { get; init; }

    public void Validate()
    {
        Preset.Validate();
        if (R1Gamma < 0) throw new ArgumentException($"R1 gamma must be ≥ 0, got {R1Gamma}");
        if (!(EmaHalfLifeImages > 0)) throw new ArgumentException($"EMA half-life must be > 0 images, got {EmaHalfLifeImages}");
        if (TruncationPsi is < 0 or > 1 || TruncationCutoff < 0) throw new ArgumentException("truncation ψ must be in [0, 1] and the cutoff ≥ 0");
        if (SampleCount < 1 || SampleEvery < 1 || CheckpointEvery < 1) throw new ArgumentException("sample count and intervals must be ≥ 1");
        if (MaxIterations < 0) throw new ArgumentException($"max iterations must be ≥ 0, got {MaxIterations}");
    }
}

using AlaeEngine.Losses;
using AlaeEngine.Models;

namespace AlaeEngine.Training;

/// <summary>Everything that defines an AE-StyleGAN run; saved in every checkpoint so a resume continues the same run.</summary>
public sealed record AeStyleGanTrainingOptions : TrainingOptions
{
    public AeStyleGanTrainingOptions() => OutDir = "runs/aegan";

    /// <summary>Networks, step and hyper-parameters; start from <see cref="AeStyleGanPreset.Named"/> and override with `with`.</summary>
    public AeStyleGanPreset Preset { get; init; } = AeStyleGanPreset.Faces;
    /// <summary>The VGG16 safetensors file of the perceptual term (tools/vgg16_to_safetensors.py); read only with <see cref="PerceptualKind.Vgg16"/>.</summary>
    public string? VggWeights { get; init; }
    /// <summary>Images per group of the sample grid (fixed inputs and latents for the whole run).</summary>
    public int SampleCount { get; init; } = 16;

    public override void Validate()
    {
        base.Validate();
        Preset.Validate();
        if (Preset.Perceptual == PerceptualKind.Vgg16 && string.IsNullOrWhiteSpace(VggWeights))
            throw new ArgumentException($"preset {Preset.Name}: the VGG16 perceptual term needs a weights file (--vgg-weights FILE, converted with " +
                                        "tools/vgg16_to_safetensors.py), or choose --perceptual d-features or none");
        if (VggWeights != null && Preset.Perceptual != PerceptualKind.Vgg16)
            throw new ArgumentException($"--vgg-weights {VggWeights}: the run's perceptual term is {Preset.Perceptual}, not VGG16 (add --perceptual vgg)");
        if (SampleCount < 1) throw new ArgumentException($"sample count must be ≥ 1, got {SampleCount}");
    }
}

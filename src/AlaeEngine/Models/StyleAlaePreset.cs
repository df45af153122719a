namespace AlaeEngine.Models;

/// <summary>
/// A StyleALAE configuration with its progressive schedule, from the reference's configs/*.yaml
/// (reference-implementations §1.7–1.8; docs/style-presets.md lists the same table).
/// Images per level = EPOCHS_PER_LOD × DATASET.SIZE, the first half of every level after the first being the fade-in;
/// the last level runs until <see cref="TotalImages"/> = TRAIN_EPOCHS × DATASET.SIZE.
/// Batch and learning rate are indexed by level, the last entry repeating (the reference's min(lod, len − 1));
/// batches are the reference's single-GPU lists (LOD_2_BATCH_1GPU).
/// </summary>
public sealed record StyleAlaePreset
{
    public required string Name { get; init; }
    public required StyleAlaeConfig Model { get; init; }
    public required int[] BatchPerLevel { get; init; }
    public required double[] LearningRatePerLevel { get; init; }
    public required long ImagesPerLevel { get; init; }
    public required long TotalImages { get; init; }
    /// <summary>Random horizontal flips of the training images (the reference's FLIP_IMAGES).</summary>
    public bool Flip { get; init; } = true;

    public int Batch(int level) => BatchPerLevel[Math.Min(level, BatchPerLevel.Length - 1)];
    public double LearningRate(int level) => LearningRatePerLevel[Math.Min(level, LearningRatePerLevel.Length - 1)];

    public void Validate()
    {
        Model.Validate();
        if (BatchPerLevel.Length == 0 || BatchPerLevel.Any(b => b < 1)) throw new ArgumentException($"preset {Name}: batches must be ≥ 1");
        if (LearningRatePerLevel.Length == 0 || LearningRatePerLevel.Any(lr => !(lr > 0) || !double.IsFinite(lr))) throw new ArgumentException($"preset {Name}: learning rates must be finite and > 0");
        if (ImagesPerLevel < 2) throw new ArgumentException($"preset {Name}: images per level must be ≥ 2");
        if (TotalImages < 1) throw new ArgumentException($"preset {Name}: total images must be ≥ 1");
    }

    /// <summary>configs/mnist.yaml: 32², 1 channel, latent 32, F depth 4; 10 epochs of 60000 per level, 60 in all.</summary>
    public static StyleAlaePreset Mnist { get; } = new()
    {
        Name = "mnist",
        Model = new() { Resolution = 32, ImageChannels = 1, StartChannels = 64, MaxChannels = 256, LatentSize = 32, MappingLayers = 4 },
        BatchPerLevel = [128, 128, 128, 64], LearningRatePerLevel = [0.0015],
        ImagesPerLevel = 10 * 60_000L, TotalImages = 60 * 60_000L, Flip = false,
    };

    /// <summary>configs/celeba.yaml: 128², latent 256; 6 epochs of 182637 per level, 80 in all.</summary>
    public static StyleAlaePreset CelebA { get; } = new()
    {
        Name = "celeba",
        Model = new() { Resolution = 128, ImageChannels = 3, StartChannels = 64, MaxChannels = 256, LatentSize = 256, MappingLayers = 8 },
        BatchPerLevel = [128, 128, 128, 64, 32, 16], LearningRatePerLevel = [0.0015],
        ImagesPerLevel = 6 * 182_637L, TotalImages = 80 * 182_637L,
    };

    /// <summary>configs/celeba-hq256.yaml: 256², latent 512; 30 epochs of 29000 per level, 280 in all.</summary>
    public static StyleAlaePreset CelebAHq256 { get; } = new()
    {
        Name = "celeba-hq256",
        Model = new() { Resolution = 256, ImageChannels = 3, StartChannels = 64, MaxChannels = 512, LatentSize = 512, MappingLayers = 8 },
        BatchPerLevel = [128, 128, 128, 64, 32, 16], LearningRatePerLevel = [0.0015],
        ImagesPerLevel = 30 * 29_000L, TotalImages = 280 * 29_000L,
    };

    /// <summary>configs/bedroom.yaml: 256², start 32 channels, latent 512; 2 epochs of 758260 per level, 112 in all.</summary>
    public static StyleAlaePreset Bedroom256 { get; } = new()
    {
        Name = "bedroom256",
        Model = new() { Resolution = 256, ImageChannels = 3, StartChannels = 32, MaxChannels = 512, LatentSize = 512, MappingLayers = 8 },
        BatchPerLevel = [512, 256, 128, 64, 32, 16], LearningRatePerLevel = [0.0015, 0.0015, 0.0015, 0.0015, 0.0015, 0.0015, 0.002],
        ImagesPerLevel = 2 * 758_260L, TotalImages = 112 * 758_260L,
    };

    /// <summary>configs/ffhq.yaml: 1024², start 16 channels, latent 512; 16 epochs of 60000 per level, 300 in all.</summary>
    public static StyleAlaePreset Ffhq { get; } = new()
    {
        Name = "ffhq",
        Model = new() { Resolution = 1024, ImageChannels = 3, StartChannels = 16, MaxChannels = 512, LatentSize = 512, MappingLayers = 8 },
        BatchPerLevel = [512, 256, 128, 64, 32, 16],
        LearningRatePerLevel = [0.0015, 0.0015, 0.0015, 0.0015, 0.0015, 0.0015, 0.002, 0.003, 0.003],
        ImagesPerLevel = 16 * 60_000L, TotalImages = 300 * 60_000L,
    };

    /// <summary>
    /// For tests and smoke runs: 4² → 16² (3 levels), 3 channels, at most 8 feature maps, latent 8, F depth 2; the fused
    /// convolutions start at 16² so both resampling variants run.
    /// </summary>
    public static StyleAlaePreset Tiny { get; } = new()
    {
        Name = "tiny",
        Model = new() { Resolution = 16, ImageChannels = 3, StartChannels = 4, MaxChannels = 8, LatentSize = 8, MappingLayers = 2, FusedScaleMinResolution = 16 },
        BatchPerLevel = [8, 8, 4], LearningRatePerLevel = [0.0015],
        ImagesPerLevel = 64, TotalImages = 256,
    };

    /// <summary>
    /// The default of `alae train style` on the bundled data/faces128-sample (32 faces): 32² (4 levels), 16 / 64 feature
    /// maps, latent 64, F depth 4, so a whole run fits a laptop CPU; 40 epochs of 32 images per level, 240 in all.
    /// </summary>
    public static StyleAlaePreset FacesSample { get; } = new()
    {
        Name = "faces-sample",
        Model = new() { Resolution = 32, ImageChannels = 3, StartChannels = 16, MaxChannels = 64, LatentSize = 64, MappingLayers = 4 },
        BatchPerLevel = [16, 16, 16, 8], LearningRatePerLevel = [0.0015],
        ImagesPerLevel = 40 * 32L, TotalImages = 240 * 32L,
    };

    /// <summary>
    /// The GPU check of issue 5 on the bundled faces (data/faces128-sample, or the 146 of faces128): the celeba preset's
    /// architecture cut at 64² (5 levels: 4–32²: 256 feature maps, 64²: 128; latent 256, F depth 8), its batches and
    /// learning rate; 1 000 epochs of 32 faces per level, 7 000 in all (224 000 images).
    /// </summary>
    public static StyleAlaePreset Faces64 { get; } = new()
    {
        Name = "faces64",
        Model = new() { Resolution = 64, ImageChannels = 3, StartChannels = 128, MaxChannels = 256, LatentSize = 256, MappingLayers = 8 },
        BatchPerLevel = [128, 128, 128, 64, 32], LearningRatePerLevel = [0.0015],
        ImagesPerLevel = 1_000 * 32L, TotalImages = 7_000 * 32L,
    };

    public static IReadOnlyList<StyleAlaePreset> All { get; } = [Mnist, CelebA, CelebAHq256, Bedroom256, Ffhq, Tiny, FacesSample, Faces64];

    public static StyleAlaePreset Named(string name) => All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown StyleALAE preset '{name}' (known: {string.Join(", ", All.Select(p => p.Name))})");
}

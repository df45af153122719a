using AlaeEngine.Nn;
using AlaeEngine.Training;

namespace AlaeEngine.Models;

/// <summary>
/// A Balanced PIONEER configuration with its schedule (official code: train.py makeTS, batch_size, config.py;
/// docs/pioneer-presets.md lists the same table). Batches and image-pool sizes are indexed by level, the last entry
/// repeating; batches are the reference's single-GPU table. Both networks use Adam with β = (0, <see cref="AdamBeta2"/>)
/// at the rule's learning rate, never reset; the decoder's EMA decays by <see cref="EmaDecay"/> per iteration.
/// </summary>
public sealed record PioneerPreset
{
    public required string Name { get; init; }
    public required PioneerConfig Model { get; init; }
    public required PioneerRule[] Rules { get; init; }
    /// <summary>The reference's images_per_stage: the fade-in is its first half, λ_X rises after it.</summary>
    public required long ImagesPerStage { get; init; }
    public required long TotalImages { get; init; }
    public required int[] BatchPerLevel { get; init; }
    /// <summary>Image-pool capacity per level (reference: 200 below 256², 100 at 256²).</summary>
    public required int[] PoolSizePerLevel { get; init; }
    /// <summary>Decoder steps per encoder step (--n_generator; the released models used 2, the README recommends 1 for new training).</summary>
    public int GeneratorSteps { get; init; } = 1;
    public bool Flip { get; init; } = true;
    public double AdamBeta2 { get; init; } = 0.9;
    public double EmaDecay { get; init; } = 0.999;
    public double ReconstructionWeight { get; init; } = 1;
    public double ReconstructionWeightAfterFade { get; init; } = 1.5;
    public PioneerLossWeights Losses { get; init; } = new();

    public int Batch(int level) => BatchPerLevel[Math.Min(level, BatchPerLevel.Length - 1)];
    public int PoolSize(int level) => PoolSizePerLevel[Math.Min(level, PoolSizePerLevel.Length - 1)];
    public PioneerSchedule Schedule() => new(Rules, ImagesPerStage, ReconstructionWeight, ReconstructionWeightAfterFade);

    public void Validate()
    {
        Model.Validate();
        string at = $"PIONEER preset {Name}";
        try { Schedule(); }
        catch (ArgumentException e) { throw new ArgumentException($"{at}: {e.Message}", e); }
        int top = Rules.Max(r => r.Level);
        if (top >= Model.LayerCount) throw new ArgumentException($"{at}: a rule trains level {top}, but a {Model.Resolution}² model has levels 0…{Model.LayerCount - 1}");
        // the batch KL needs a variance: at least 2 codes
        if (BatchPerLevel.Length == 0 || BatchPerLevel.Any(b => b < 2)) throw new ArgumentException($"{at}: batches must be ≥ 2");
        if (PoolSizePerLevel.Length == 0 || PoolSizePerLevel.Any(p => p < 0)) throw new ArgumentException($"{at}: pool sizes must be ≥ 0");
        if (TotalImages < 1) throw new ArgumentException($"{at}: total images must be ≥ 1");
        if (GeneratorSteps < 1) throw new ArgumentException($"{at}: generator steps must be ≥ 1, got {GeneratorSteps}");
        if (!(AdamBeta2 is >= 0 and < 1)) throw new ArgumentException($"{at}: Adam β2 must be in [0, 1), got {AdamBeta2}");
        if (!(EmaDecay is >= 0 and <= 1)) throw new ArgumentException($"{at}: EMA decay must be in [0, 1], got {EmaDecay}");
    }

    /// <summary>
    /// The same schedule stretched or shrunk to <paramref name="imagesPerStage"/> images per stage: every rule start and the
    /// total scale by the same factor (the reference's --images_per_stage changes only the fade length; its rules are fixed kimg).
    /// </summary>
    public PioneerPreset WithImagesPerStage(long imagesPerStage)
    {
        if (imagesPerStage < 2) throw new ArgumentException($"PIONEER preset {Name}: images per stage must be ≥ 2, got {imagesPerStage}");
        double f = (double)imagesPerStage / ImagesPerStage;
        var scaled = this with
        {
            Rules = Rules.Select(r => r with { StartImages = (long)Math.Round(r.StartImages * f) }).ToArray(),
            ImagesPerStage = imagesPerStage,
            TotalImages = Math.Max(1, (long)Math.Round(TotalImages * f)),
        };
        scaled.Validate();
        return scaled;
    }

    // the paper's 256² network: latent 512, 512 channels up to 32², then 256, 128, 64
    private static readonly PioneerConfig Paper256 = new() { Resolution = 256, ImageChannels = 3, LatentSize = 512, StartChannels = 64, MaxChannels = 512 };
    private static readonly int[] PaperBatches = [128, 128, 128, 64, 32, 32, 32];
    private static readonly int[] PaperPools = [200, 200, 200, 200, 200, 200, 100];

    private static PioneerRule Kimg(long kimg, int level, double lr, double margin) => new(kimg * 1000, level, lr, margin);

    // the released 256² models: the paper's network with --e_last_relu, --n_generator 2, 2.4 M images per stage
    private static PioneerPreset Paper(string name, long totalImages, PioneerRule[] rules) => new()
    {
        Name = name, Model = Paper256 with { EncoderLastActivation = true }, Rules = rules,
        ImagesPerStage = 2_400_000, TotalImages = totalImages,
        BatchPerLevel = PaperBatches, PoolSizePerLevel = PaperPools, GeneratorSteps = 2,
    };

    /// <summary>
    /// makeTS for celebaHQ as the code runs it: 4²–32² at lr 5e-4 with margin 0.05 (its first rule, (0, 4², 5e-4, 0.05),
    /// is never applied, so 4² runs at lr 1e-3, margin 0); 64² from 9.6 M at 1e-3, margin 0, then 0.02 from 13 M;
    /// 128² from 16.52 M (0.02); 256² from 20.04 M (0.04); 25.48 M images in all (the released checkpoint).
    /// With the released models' --n_generator 2 --e_last_relu.
    /// </summary>
    public static PioneerPreset CelebAHq256 { get; } = Paper("pioneer-celebahq256", 25_480_000,
    [
        Kimg(0, 0, 1e-3, 0), Kimg(2400, 1, 5e-4, 0.05), Kimg(4800, 2, 5e-4, 0.05), Kimg(7200, 3, 5e-4, 0.05),
        Kimg(9600, 4, 1e-3, 0), Kimg(13000, 4, 1e-3, 0.02), Kimg(16520, 5, 1e-3, 0.02), Kimg(20040, 6, 1e-3, 0.04),
    ]);

    /// <summary>
    /// makeTS for lsun: 4²–64² every 2.4 M at lr 1e-3, margin 0; 0.06 from 12.36 M (64²); 128² from 15.4 M (0.06);
    /// 256² from 21.4 M (0.04); 25.4 M images in all (the released checkpoint). --n_generator 2 --e_last_relu.
    /// </summary>
    public static PioneerPreset Lsun256 { get; } = Paper("pioneer-lsun256", 25_400_000,
    [
        Kimg(0, 0, 1e-3, 0), Kimg(2400, 1, 1e-3, 0), Kimg(4800, 2, 1e-3, 0), Kimg(7200, 3, 1e-3, 0),
        Kimg(9600, 4, 1e-3, 0), Kimg(12360, 4, 1e-3, 0.06), Kimg(15400, 5, 1e-3, 0.06), Kimg(21400, 6, 1e-3, 0.04),
    ]);

    /// <summary>
    /// The paper's ablation baseline (Fig. 3b; --noSNG --PN --EQLR --noSCHED): the decoder with equalized learning rate
    /// and pixel norm instead of spectral norm (the encoder keeps it), no KL margin, the CelebA-HQ schedule otherwise,
    /// to 20 M images as the figure, which ends in the 128² stage (so the network stops at 128²).
    /// </summary>
    public static PioneerPreset BaselineCelebAHq128 { get; } = CelebAHq256 with
    {
        Name = "pioneer-baseline-celebahq128",
        Model = CelebAHq256.Model with { Resolution = 128, StartChannels = 128, DecoderWeighting = ConvWeighting.Equalized, DecoderPixelNorm = true },
        Rules = CelebAHq256.Rules.Where(r => r.Level <= 5).Select(r => r with { Margin = 0 }).ToArray(),
        TotalImages = 20_000_000,
    };

    // a 64² network for the bundled face and bedroom photos: latent 256, 256 channels up to 16², then 128, 64
    private static readonly PioneerConfig Small64 = new() { Resolution = 64, ImageChannels = 3, LatentSize = 256, StartChannels = 64, MaxChannels = 256 };

    /// <summary>
    /// Not a reference config: the bundled faces (data/faces128-sample, 32 faces; the 146 of faces128) at 64², 200 000
    /// images per stage (lr 1e-3), margin 0 up to the first 64² stage, then 0.02 (the paper's CelebA-HQ 0.2) for one more stage.
    /// </summary>
    public static PioneerPreset Faces64 { get; } = new()
    {
        Name = "pioneer-faces64",
        Model = Small64,
        Rules = SmallRules(200_000, 4, 0.02),
        ImagesPerStage = 200_000, TotalImages = 1_200_000,
        BatchPerLevel = [128, 128, 128, 64, 32], PoolSizePerLevel = [200],
    };

    /// <summary>Not a reference config: the bundled bedrooms (bedroom256, 211 photos) at 64², as <see cref="Faces64"/> with LSUN's margin 0.06.</summary>
    public static PioneerPreset Bedroom64 { get; } = Faces64 with { Name = "pioneer-bedroom64", Rules = SmallRules(200_000, 4, 0.06) };

    /// <summary>
    /// Not a reference config: MNIST at 32² (1 channel, latent 64, 256 channels up to 8², then 128, 64), 600 000 images
    /// per stage (10 epochs of 60 000, as StyleALAE's mnist), margin 0.02 in a second 32² stage, no flips.
    /// </summary>
    public static PioneerPreset Mnist32 { get; } = new()
    {
        Name = "pioneer-mnist32",
        Model = new() { Resolution = 32, ImageChannels = 1, LatentSize = 64, StartChannels = 64, MaxChannels = 256 },
        Rules = SmallRules(600_000, 3, 0.02),
        ImagesPerStage = 600_000, TotalImages = 3_000_000,
        BatchPerLevel = [128, 128, 128, 64], PoolSizePerLevel = [200], Flip = false,
    };

    // a 32² network narrow enough for a shared 2-core CPU: 32 channels at 4² and 8², 16 at 16², 8 at 32², latent 32
    private static readonly PioneerConfig Cpu32 = new() { Resolution = 32, ImageChannels = 1, LatentSize = 32, StartChannels = 8, MaxChannels = 32 };

    /// <summary>
    /// Not a reference config: MNIST at 32² on a CPU (the README's figures): <see cref="Mnist32"/>'s schedule with a
    /// network an eighth as wide (<c>Cpu32</c>), 8 000 images per stage (one epoch of the bundled 8 004 digits), batch
    /// 32 (250 steps per stage), and an EMA decay of 0.99 per iteration (half-life 69 iterations; the reference's 0.999
    /// would leave the EMA decoder half at its initial weights after a run of 1 250 iterations).
    /// </summary>
    public static PioneerPreset Mnist32Cpu { get; } = Mnist32 with
    {
        Name = "pioneer-mnist32-cpu",
        Model = Cpu32,
        Rules = SmallRules(8_000, 3, 0.02),
        ImagesPerStage = 8_000, TotalImages = 40_000,
        BatchPerLevel = [32], EmaDecay = 0.99,
    };

    /// <summary>Not a reference config: faces at 32² on a CPU (the README's manipulation figure), <see cref="Mnist32Cpu"/> in colour with flips.</summary>
    public static PioneerPreset Faces32Cpu { get; } = Mnist32Cpu with
    {
        Name = "pioneer-faces32-cpu",
        Model = Cpu32 with { ImageChannels = 3 },
        Flip = true,
    };

    /// <summary>For tests and smoke runs: 4² → 16² (3 levels), latent 8, at most 8 channels, 64 images per stage, a margin rule in the last level, pool of 8.</summary>
    public static PioneerPreset Tiny { get; } = new()
    {
        Name = "pioneer-tiny",
        Model = new() { Resolution = 16, ImageChannels = 3, LatentSize = 8, StartChannels = 4, MaxChannels = 8 },
        Rules = SmallRules(64, 2, 0.02),
        ImagesPerStage = 64, TotalImages = 256,
        BatchPerLevel = [8, 8, 4], PoolSizePerLevel = [8],
    };

    // one stage per level 0 … top at lr 1e-3 and margin 0, then a second stage of the top level with the margin
    private static PioneerRule[] SmallRules(long stage, int top, double margin)
        => Enumerable.Range(0, top + 1).Select(l => new PioneerRule(l * stage, l, 1e-3, 0))
            .Append(new PioneerRule((top + 1) * stage, top, 1e-3, margin)).ToArray();

    public static IReadOnlyList<PioneerPreset> All { get; } = [CelebAHq256, Lsun256, BaselineCelebAHq128, Faces64, Bedroom64, Mnist32, Mnist32Cpu, Faces32Cpu, Tiny];

    public static PioneerPreset Named(string name) => All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown PIONEER preset '{name}' (known: {string.Join(", ", All.Select(p => p.Name))})");
}

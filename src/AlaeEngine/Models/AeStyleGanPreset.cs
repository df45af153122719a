using System.Text.Json.Serialization;
using AlaeEngine.Losses;

namespace AlaeEngine.Models;

/// <summary>
/// AE-StyleGAN's two training variants: joint (the paper's Algorithm 2, its default: one D sees real, fake and
/// reconstructed images, E and G learn the reconstruction together) and decoupled (Algorithm 1: D₂ judges
/// reconstructions, the E step updates E only).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<AeStyleGanMode>))] // by name in checkpoints
public enum AeStyleGanMode { Joint, Decoupled }

/// <summary>
/// An AE-StyleGAN configuration with its training hyper-parameters, named as phymhan's train_aegan.py flags (in brackets).
/// docs/aegan-presets.md lists the same table. Learning rates are the base rate: the trainer applies StyleGAN2's lazy-
/// regularisation ratios (D: lr·16/17, β₂ 0.99^(16/17); G with path length: lr·4/5, β₂ 0.99^(4/5)).
/// </summary>
public sealed record AeStyleGanPreset
{
    public required string Name { get; init; }
    public required AeStyleGanConfig Model { get; init; }
    public AeStyleGanMode Mode { get; init; } = AeStyleGanMode.Joint;
    /// <summary>[--batch] Images per step; with the minibatch stddev (group 4) it must be below 4 or a multiple of 4.</summary>
    public required int Batch { get; init; }
    /// <summary>[--lr] Adam (β₁ 0, β₂ 0.99) learning rate of G + F, E and D.</summary>
    public double LearningRate { get; init; } = 0.0025;
    /// <summary>[--iter] Training iterations.</summary>
    public required int Iterations { get; init; }
    /// <summary>[--r1] γ of the R1 penalty; StyleGAN2-ADA's heuristic 0.0002·R²/batch gives the paper's 0.2048 at 128², batch 16.</summary>
    public required double R1Gamma { get; init; }
    /// <summary>[--d_reg_every] Lazy R1: a separate regularisation step every this many iterations, its loss ×interval.</summary>
    public int R1Interval { get; init; } = 16;
    /// <summary>[--path_regularize] Weight of the path-length penalty; 0 = off (the paper's runs: --g_reg_every 0).</summary>
    public double PathLengthWeight { get; init; }
    /// <summary>[--g_reg_every] Interval of the path-length step (when on).</summary>
    public int PathLengthInterval { get; init; } = 4;
    /// <summary>[--path_batch_shrink] The path-length step runs on batch / this.</summary>
    public int PathLengthBatchShrink { get; init; } = 2;
    /// <summary>[--ema_kimg × 1000] Half-life in images of the EMA of G, F and E: β = 0.5^(batch / this).</summary>
    public double EmaHalfLifeImages { get; init; } = 5_000;
    /// <summary>[--use_adaptive_weight] The adaptive weight β of the adversarial term (joint mode only, as the code asserts).</summary>
    public bool AdaptiveWeight { get; init; }
    /// <summary>[--disc_iter_start] First iteration that computes β (1 before).</summary>
    public int AdaptiveStart { get; init; } = 30_000;
    /// <summary>[--pix_loss]</summary>
    public PixelLossKind PixelLoss { get; init; } = PixelLossKind.L2;
    /// <summary>[--lambda_pix]</summary>
    public double PixelWeight { get; init; } = 1;
    /// <summary>The perceptual term; Vgg16 needs a weights file (--vgg-weights), the others none.</summary>
    public PerceptualKind Perceptual { get; init; } = PerceptualKind.None;
    /// <summary>[--lambda_vgg] Weight of the perceptual term.</summary>
    public double PerceptualWeight { get; init; } = 5e-5;
    /// <summary>[--lambda_adv] λ_adv of the reconstructions' adversarial term in the E step.</summary>
    public double AdversarialWeight { get; init; } = 0.1;
    /// <summary>[--lambda_fake_d] Weight of the fake term of D's loss.</summary>
    public double FakeWeightD { get; init; } = 0.9;
    /// <summary>[--lambda_rec_d] Weight of the reconstruction term of D's loss (joint mode; 0 in the decoupled one).</summary>
    public double ReconstructionWeightD { get; init; } = 0.1;
    /// <summary>[--lambda_fake_g] Weight of G's non-saturating loss.</summary>
    public double FakeWeightG { get; init; } = 0.9;
    /// <summary>[--n_step_e] E steps per iteration, each on its own real batch (the paper's Table 4 ablation: 1 or 4).</summary>
    public int EncoderSteps { get; init; } = 1;
    /// <summary>Random horizontal flips of the training images (phymhan's dataset.py: p 0.5).</summary>
    public bool Flip { get; init; } = true;

    public void Validate()
    {
        Model.Validate();
        if (Batch < 1) throw new ArgumentException($"preset {Name}: batch must be ≥ 1, got {Batch}");
        int g = Model.StddevGroup;
        if (g > 0 && Batch >= g && Batch % g != 0)
            throw new ArgumentException($"preset {Name}: batch {Batch} does not split into minibatch-stddev groups of {g} (use a batch below {g} or a multiple of it)");
        if (!(LearningRate > 0)) throw new ArgumentException($"preset {Name}: learning rate must be > 0");
        if (Iterations < 1) throw new ArgumentException($"preset {Name}: iterations must be ≥ 1");
        if (!(R1Gamma >= 0) || R1Interval < 1) throw new ArgumentException($"preset {Name}: R1 γ must be ≥ 0 and its interval ≥ 1");
        if (!(PathLengthWeight >= 0) || PathLengthInterval < 1 || PathLengthBatchShrink < 1)
            throw new ArgumentException($"preset {Name}: path-length weight must be ≥ 0, its interval and batch shrink ≥ 1");
        if (!(EmaHalfLifeImages > 0)) throw new ArgumentException($"preset {Name}: EMA half-life must be > 0");
        if (AdaptiveWeight && Mode != AeStyleGanMode.Joint)
            throw new ArgumentException($"preset {Name}: the adaptive weight needs the joint mode (phymhan's code asserts the same)");
        if (EncoderSteps < 1) throw new ArgumentException($"preset {Name}: encoder steps must be ≥ 1");
        if (new[] { PixelWeight, PerceptualWeight, AdversarialWeight, FakeWeightD, ReconstructionWeightD, FakeWeightG }.Any(w => !(w >= 0)))
            throw new ArgumentException($"preset {Name}: loss weights must be ≥ 0");
    }

    /// <summary>
    /// The paper's FFHQ 128² run (the README's joint command): W+, joint, batch 16, lr 0.0025, R1 γ 0.2048 every 16,
    /// EMA 5 kimg, adaptive weight from iteration 30 000, λ_fake 0.9 (D and G), λ_rec_d 0.1, pixel L2 + 5e-5·VGG,
    /// λ_adv 0.1, no path length, 200 000 iterations (3.2 M images). About 29 M (G + F), 28 M (D), 31 M (E) parameters.
    /// </summary>
    public static AeStyleGanPreset Ffhq128 { get; } = new()
    {
        Name = "aegan-ffhq128",
        Model = new() { Resolution = 128, Latent = AeStyleGanLatent.WPlus },
        Batch = 16, Iterations = 200_000, R1Gamma = 0.2048, AdaptiveWeight = true, Perceptual = PerceptualKind.Vgg16,
    };

    /// <summary>The paper's AE-StyleGAN (W): <see cref="Ffhq128"/> with one w for all style layers.</summary>
    public static AeStyleGanPreset Ffhq128W { get; } = Ffhq128 with { Name = "aegan-ffhq128-w", Model = Ffhq128.Model with { Latent = AeStyleGanLatent.W } };

    /// <summary>
    /// The decoupled variant (the decoupled command: --decouple_d --lambda_rec_d 0, λ_fake at their default 1, no
    /// adaptive weight, which the code does not allow there): D judges real against fake, D₂ real against reconstructions.
    /// </summary>
    public static AeStyleGanPreset Ffhq128Decoupled { get; } = Ffhq128 with
    {
        Name = "aegan-ffhq128-decoupled", Mode = AeStyleGanMode.Decoupled, AdaptiveWeight = false,
        FakeWeightD = 1, ReconstructionWeightD = 0, FakeWeightG = 1,
    };

    /// <summary>
    /// The paper's ablation (Table 4, VoxCeleb2 64², 20 000 iterations), joint. The adaptive weight would start at
    /// iteration 30 000, after the run, so it is off, which also lets the decoupled twin run the same losses.
    /// R1 γ 0.0512 = 0.0002·64²/16.
    /// </summary>
    public static AeStyleGanPreset Ablation64 { get; } = Ffhq128 with
    {
        Name = "aegan-ablation64", Model = Ffhq128.Model with { Resolution = 64 }, Iterations = 20_000, R1Gamma = 0.0512, AdaptiveWeight = false,
    };

    /// <summary>The ablation's decoupled twin (the decoupled command's loss weights).</summary>
    public static AeStyleGanPreset Ablation64Decoupled { get; } = Ablation64 with
    {
        Name = "aegan-ablation64-decoupled", Mode = AeStyleGanMode.Decoupled, FakeWeightD = 1, ReconstructionWeightD = 0, FakeWeightG = 1,
    };

    /// <summary>
    /// Sized for the bundled faces (data/faces128-sample, shared/data/faces128) on a CPU: 64², feature maps 32 (64²),
    /// 64 (32²), 128 (16² and below), latent 128, W+, joint, batch 8, R1 γ 0.1024 = 0.0002·64²/8, no perceptual term.
    /// </summary>
    public static AeStyleGanPreset Faces { get; } = new()
    {
        Name = "aegan-faces",
        Model = new() { Resolution = 64, LatentSize = 128, ChannelBase = 2048, ChannelMultiplier = 1, ChannelMax = 128 },
        Batch = 8, Iterations = 20_000, R1Gamma = 0.1024, EmaHalfLifeImages = 1_000,
    };

    /// <summary>The same networks for the bundled bedrooms (shared/data/bedroom256, down-sampled to 64²).</summary>
    public static AeStyleGanPreset Bedrooms { get; } = Faces with { Name = "aegan-bedrooms" };

    /// <summary>
    /// MNIST at 32² (grey, no flips): W latent of 64 so that `eval mnist` reads one code per digit, feature maps 64 (32²),
    /// 128 (16² and below), batch 32, R1 γ 0.0064 = 0.0002·32²/32.
    /// </summary>
    public static AeStyleGanPreset Mnist { get; } = new()
    {
        Name = "aegan-mnist",
        Model = new() { Resolution = 32, ImageChannels = 1, LatentSize = 64, Latent = AeStyleGanLatent.W, ChannelBase = 2048, ChannelMultiplier = 1, ChannelMax = 128 },
        Batch = 32, Iterations = 10_000, R1Gamma = 0.0064, EmaHalfLifeImages = 2_000, Flip = false,
    };

    /// <summary>
    /// MNIST at 32² for the README's CPU run (minutes on one thread): feature maps 16 (32²) and 32 (16² and below),
    /// W latent of 32, batch 16, 240 iterations (3 840 images), R1 γ 0.0128 = 0.0002·32²/16, EMA half-life 2 000 images.
    /// </summary>
    public static AeStyleGanPreset Mnist32Cpu { get; } = Mnist with
    {
        Name = "aegan-mnist32-cpu",
        Model = Mnist.Model with { LatentSize = 32, ChannelBase = 512, ChannelMax = 32 },
        Batch = 16, Iterations = 240, R1Gamma = 0.0128,
    };

    /// <summary>
    /// The miniature of the paper's ablation (Table 4) on faces at 32² for two shared CPU cores: feature maps 16 (32²)
    /// and 32 (16² and below), W+ of 32, batch 8, 200 iterations (1 600 images), R1 γ 0.0256 = 0.0002·32²/8, EMA half-life 1 000 images, joint with
    /// the joint command's weights; <see cref="Faces32CpuDecoupled"/> is its decoupled twin.
    /// </summary>
    public static AeStyleGanPreset Faces32Cpu { get; } = new()
    {
        Name = "aegan-faces32-cpu",
        Model = new() { Resolution = 32, LatentSize = 32, ChannelBase = 512, ChannelMultiplier = 1, ChannelMax = 32 },
        Batch = 8, Iterations = 200, R1Gamma = 0.0256, EmaHalfLifeImages = 1_000,
    };

    /// <summary>The decoupled twin of <see cref="Faces32Cpu"/> (the decoupled command's weights λ_fake 1, λ_rec_d 0).</summary>
    public static AeStyleGanPreset Faces32CpuDecoupled { get; } = Faces32Cpu with
    {
        Name = "aegan-faces32-cpu-decoupled", Mode = AeStyleGanMode.Decoupled, FakeWeightD = 1, ReconstructionWeightD = 0, FakeWeightG = 1,
    };

    /// <summary>
    /// For tests: 16², feature maps 4 (16²) and 8 (8², 4²), latent 8, F depth 2, W+, batch 4 (one stddev group), 8
    /// iterations, R1 every 2 and the adaptive weight from iteration 2 so that short runs exercise both.
    /// </summary>
    public static AeStyleGanPreset Tiny { get; } = new()
    {
        Name = "aegan-tiny",
        Model = new() { Resolution = 16, LatentSize = 8, MappingLayers = 2, ChannelBase = 64, ChannelMultiplier = 1, ChannelMax = 8 },
        Batch = 4, Iterations = 8, R1Gamma = 0.01, R1Interval = 2, AdaptiveWeight = true, AdaptiveStart = 2, EmaHalfLifeImages = 16,
    };

    public static IReadOnlyList<AeStyleGanPreset> All { get; } =
        [Ffhq128, Ffhq128W, Ffhq128Decoupled, Ablation64, Ablation64Decoupled, Faces, Bedrooms, Mnist, Mnist32Cpu, Faces32Cpu, Faces32CpuDecoupled, Tiny];

    public static AeStyleGanPreset Named(string name) => All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown AE-StyleGAN preset '{name}' (known: {string.Join(", ", All.Select(p => p.Name))})");
}

using System.CommandLine;
using AlaeEngine.Losses;
using AlaeEngine.Models;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// `alae train aegan`: AE-StyleGAN (joint or decoupled) on an image folder (the bundled 32 faces by default), or on MNIST
/// IDX files for the one-channel preset. The preset gives every hyper-parameter (docs/aegan-presets.md); the flags
/// override single ones.
/// </summary>
internal static class AeStyleGanTrainCommand
{
    /// <summary>The d-features term's weight when --perceptual d-features is chosen without --perceptual-weight.</summary>
    private const double DFeaturesWeight = 0.1;

    public static Command Create()
    {
        var images = new ImageFolderFlags();
        var run = new RunFlags("runs/aegan", images.Data);
        var preset = Opt.Of("--preset", $"networks and hyper-parameters, see docs/aegan-presets.md ({string.Join(", ", AeStyleGanPreset.All.Select(p => p.Name))})",
            AeStyleGanPreset.Faces.Name);
        var latent = Opt.Of<string?>("--latent", "what E predicts: w (one style vector for all layers) or wplus (one per layer)", null);
        var mode = Opt.Of<string?>("--mode", "joint (one D for fakes and reconstructions, E and G learn the reconstruction) or decoupled (a second D for reconstructions, E learns alone)", null);
        var eSteps = Opt.Of<int?>("--e-steps", "E steps per iteration, each on its own real batch (the paper's ablation: 1 or 4)", null);
        var gamma = Opt.Of<double?>("--r1-gamma", "R1 penalty weight γ (lazy, every 16 iterations)", null);
        var plWeight = Opt.Of<double?>("--pl-weight", "path-length regularisation weight (0: off, as the paper; StyleGAN2: 2, every 4 iterations)", null);
        var adaptiveStart = Opt.Of<int?>("--adaptive-start", "first iteration of the adaptive weight β of the reconstructions' adversarial term (joint mode; -1: off, β = 1)", null);
        var pixLoss = Opt.Of<string?>("--pix-loss", "pixel reconstruction loss: l2 or l1", null);
        var perceptual = Opt.Of<string?>("--perceptual", "perceptual term: none, vgg (VGG16 conv4_3, needs --vgg-weights) or d-features (feature matching on the discriminator, not VGG)", null);
        var perceptualWeight = Opt.Of<double?>("--perceptual-weight", $"weight of the perceptual term (default: the preset's λ_vgg for vgg, {DFeaturesWeight} for d-features)", null);
        var vggWeights = Opt.Of<string?>("--vgg-weights", "VGG16 safetensors file (tools/vgg16_to_safetensors.py converts torchvision's or in-domain inversion's .pth)", null);
        var iterations = Opt.Of<int?>("--iterations", "training iterations instead of the preset's (may change on --resume)", null);
        var batch = Opt.Of<int?>("--batch", "images per step instead of the preset's (below 4 or a multiple of 4); with --resume it changes the batch from there on", null);

        var cmd = new Command("aegan", "train AE-StyleGAN (Han et al. 2021): a StyleGAN2 generator and an encoder trained end to end, joint or decoupled");
        foreach (var o in new Option[] { preset }.Concat(images.All).Concat(run.All)
                     .Concat([latent, mode, eSteps, gamma, plWeight, adaptiveStart, pixLoss, perceptual, perceptualWeight, vggWeights, iterations, batch]))
            cmd.Add(o);
        cmd.SetAction(r =>
        {
            var basis = run.Basis<AeStyleGanTrainingOptions>(r);
            // --preset's preset, else the configuration file's, with the flags given on the command line over it
            var p = RunFlags.Given(r, preset) || !run.HasConfig(r) ? AeStyleGanPreset.Named(r.GetValue(preset)!) : basis.Preset;
            if (r.GetValue(latent) is { } l) p = p with { Model = p.Model with { Latent = Parse(l, "--latent", ("w", AeStyleGanLatent.W), ("wplus", AeStyleGanLatent.WPlus)) } };
            if (r.GetValue(mode) is { } m) p = p with { Mode = Parse(m, "--mode", ("joint", AeStyleGanMode.Joint), ("decoupled", AeStyleGanMode.Decoupled)) };
            if (r.GetValue(eSteps) is { } e) p = p with { EncoderSteps = e };
            if (r.GetValue(gamma) is { } g) p = p with { R1Gamma = g };
            if (r.GetValue(plWeight) is { } w) p = p with { PathLengthWeight = w };
            if (r.GetValue(adaptiveStart) is { } a) p = a < 0 ? p with { AdaptiveWeight = false } : p with { AdaptiveWeight = true, AdaptiveStart = a };
            if (p.Mode == AeStyleGanMode.Decoupled && p.AdaptiveWeight)
                throw new ArgumentException($"preset {p.Name} uses the adaptive weight, which needs the joint mode (phymhan's code asserts the same); " +
                                            "add --adaptive-start -1 to train it decoupled without it");
            if (r.GetValue(pixLoss) is { } pix) p = p with { PixelLoss = Parse(pix, "--pix-loss", ("l2", PixelLossKind.L2), ("l1", PixelLossKind.L1)) };
            if (r.GetValue(perceptual) is { } pk)
            {
                var kind = Parse(pk, "--perceptual", ("none", PerceptualKind.None), ("vgg", PerceptualKind.Vgg16), ("d-features", PerceptualKind.DFeatures));
                p = p with { Perceptual = kind, PerceptualWeight = kind == PerceptualKind.DFeatures ? DFeaturesWeight : p.PerceptualWeight };
            }
            if (r.GetValue(perceptualWeight) is { } pw) p = p with { PerceptualWeight = pw };
            if (r.GetValue(iterations) is { } it) p = p with { Iterations = it };
            if (r.GetValue(batch) is { } b) p = p with { Batch = b };
            var fromFlags = run.ApplyTo(r, basis with { Preset = p, VggWeights = run.Value(r, vggWeights, basis.VggWeights) });
            // a one-channel preset reads MNIST IDX files: the bundled digits unless --data (or the configuration file) names others
            if (p.Model.ImageChannels == 1 && !RunFlags.Given(r, images.Data) && !(run.HasConfig(r) && basis.DataDir != ""))
                fromFlags = fromFlags with { DataDir = Path.GetFullPath(DataPaths.Default(TrainingImages.DefaultMnist)) };
            return run.Start(r, fromFlags, AeStyleGanTrainer.OptionsFrom,
            [
                new(preset, o => o.Preset.Name), new(latent, o => o.Preset.Model.Latent), new(mode, o => o.Preset.Mode),
                new(eSteps, o => o.Preset.EncoderSteps), new(gamma, o => o.Preset.R1Gamma), new(plWeight, o => o.Preset.PathLengthWeight),
                new(adaptiveStart, o => o.Preset.AdaptiveWeight ? o.Preset.AdaptiveStart : -1), new(pixLoss, o => o.Preset.PixelLoss),
                new(perceptual, o => o.Preset.Perceptual), new(perceptualWeight, o => o.Preset.PerceptualWeight),
                // where the weights are, how long the run is, and the batch (the way out of a GPU's memory limit) may change
                new(vggWeights, o => o.VggWeights, (s, f) => s with { VggWeights = f.VggWeights }),
                new(iterations, o => o.Preset.Iterations, (s, f) => s with { Preset = s.Preset with { Iterations = f.Preset.Iterations } }),
                new(batch, o => o.Preset.Batch, (s, f) => s with { Preset = s.Preset with { Batch = f.Preset.Batch } }),
            ], (options, checkpoint) =>
            {
                var device = run.OpenDevice(r);
                var chosen = options.Preset;
                var (data, owner) = TrainingImages.Open(r, images, options, options.Preset.Model.ImageChannels, options.Preset.Model.Resolution);
                using var dataOwner = owner;
                using var trainer = new AeStyleGanTrainer(options, data, device);
                Console.WriteLine($"AE-StyleGAN '{chosen.Name}' {chosen.Model.Resolution}² {Describe(chosen)} on {data.Count} images: {chosen.Iterations} iterations of batch {chosen.Batch}, " +
                                  $"{RunFlags.Describe(device)} → {options.OutDir}");
                return TrainingSession.Run(trainer, checkpoint,
                    $"Lower the batch: --batch {Math.Max(1, chosen.Batch / 2)} (with --resume --out {options.OutDir} to continue from the last checkpoint).");
            });
        });
        return cmd;
    }

    /// <summary>"W+, joint, R1 γ 0.1024 every 16, adaptive weight from 30000, pixel L2, no perceptual term, no path length".</summary>
    private static string Describe(AeStyleGanPreset p)
        => $"{(p.Model.Latent == AeStyleGanLatent.WPlus ? "W+" : "W")}, {p.Mode.ToString().ToLowerInvariant()}" +
           $"{(p.EncoderSteps > 1 ? $", {p.EncoderSteps} E steps" : "")}, R1 γ {p.R1Gamma} every {p.R1Interval}, " +
           $"{(p.AdaptiveWeight ? $"adaptive weight from {p.AdaptiveStart}" : "no adaptive weight")}, pixel {p.PixelLoss}, " +
           $"{(p.Perceptual == PerceptualKind.None ? "no perceptual term" : $"{p.Perceptual} × {p.PerceptualWeight}")}, " +
           $"{(p.PathLengthWeight > 0 ? $"path length × {p.PathLengthWeight} every {p.PathLengthInterval}" : "no path length")}";

    private static T Parse<T>(string value, string flag, params (string Name, T Value)[] choices)
    {
        foreach (var (name, v) in choices)
            if (value == name) return v;
        throw new ArgumentException($"{flag} {value}: expected {string.Join(", ", choices.Select(c => c.Name))}");
    }
}

using System.CommandLine;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae train pioneer`: Balanced PIONEER with its rule schedule on an image folder, or on MNIST for a one-channel preset.</summary>
internal static class PioneerTrainCommand
{
    /// <summary>The decoder's normalisation for --norm: the paper's SN, its ablations (Fig. 3b), and none.</summary>
    private static readonly Dictionary<string, (ConvWeighting Weighting, bool PixelNorm)> Norms = new()
    {
        ["sn"] = (ConvWeighting.Spectral, false),
        ["pn-eqlr"] = (ConvWeighting.Equalized, true),
        ["eqlr"] = (ConvWeighting.Equalized, false),
        ["pn"] = (ConvWeighting.Default, true),
        ["none"] = (ConvWeighting.Default, false),
    };

    public static Command Create()
    {
        var images = new ImageFolderFlags($"image folder (PNG, JPEG, …), resized to the preset's resolution; for a one-channel preset a folder of MNIST IDX files (default {TrainingImages.DefaultMnist})");
        var run = new RunFlags("runs/pioneer", images.Data);
        var preset = Opt.Of("--preset", $"architecture and schedule, see docs/pioneer-presets.md ({string.Join(", ", PioneerPreset.All.Select(p => p.Name))})", PioneerPreset.Faces64.Name);
        var generatorSteps = Opt.Of<int?>("--n-generator", "decoder steps per encoder step (default: the preset's; the released models used 2, the reference recommends 1)", null);
        var lastRelu = Opt.Of<bool?>("--e-last-relu", "leaky ReLU after the encoder's last convolution, before the sphere (true/false; default: the preset's)", null);
        var norm = Opt.Of<string?>("--norm", $"the decoder's normalisation: {string.Join(", ", Norms.Keys)} (default: the preset's; pn-eqlr is the paper's baseline, the encoder keeps SN)", null);
        var perStage = Opt.Of("--images-per-stage", "images per stage instead of the preset's, every rule start and the total scaled alike (0: the preset's); shortens a run", 0L);
        var margin = Opt.Of<double?>("--margin", "KL margin of every rule, code units (0.02 = the paper's 0.2; 0: no hinge, the ablation; default: the preset's per-rule margins)", null);
        var emaDecay = Opt.Of<double?>("--ema-decay", "decay of the decoder's EMA per iteration (default: the preset's; the reference's 0.999)", null);
        var batchScale = Opt.Of("--batch-scale", "multiply the preset's batch per level (≥ 2 each; e.g. 0.5 after running out of GPU memory); with --resume it changes the batch from there on", 1.0);

        var cmd = new Command("pioneer", "train Balanced PIONEER (Heljakka et al., WACV 2020): a progressively grown autoencoder whose encoder is the adversary");
        foreach (var o in new Option[] { preset }.Concat(images.All).Concat(run.All).Concat([generatorSteps, lastRelu, norm, perStage, margin, emaDecay, batchScale])) cmd.Add(o);
        cmd.SetAction(r =>
        {
            var basis = run.Basis<PioneerTrainingOptions>(r);
            // --preset's preset, else the configuration file's, changed by the model flags
            var chosen = RunFlags.Given(r, preset) || !run.HasConfig(r) ? PioneerPreset.Named(r.GetValue(preset)!) : basis.Preset;
            if (r.GetValue(perStage) is var ips and not 0) chosen = chosen.WithImagesPerStage(ips);
            if (r.GetValue(generatorSteps) is { } n) chosen = chosen with { GeneratorSteps = n };
            if (r.GetValue(lastRelu) is { } relu) chosen = chosen with { Model = chosen.Model with { EncoderLastActivation = relu } };
            if (r.GetValue(norm) is { } name) chosen = chosen with { Model = WithNorm(chosen.Model, name) };
            if (r.GetValue(emaDecay) is { } decay) chosen = chosen with { EmaDecay = decay };
            if (r.GetValue(margin) is { } m) chosen = chosen with { Rules = chosen.Rules.Select(rule => rule with { Margin = m }).ToArray() };
            double scale = r.GetValue(batchScale);
            var fromFlags = run.ApplyTo(r, basis with { Preset = ScaleBatch(chosen, scale) });
            // a one-channel preset reads MNIST: the bundled digits unless --data (or the configuration file) names a folder
            if (fromFlags.Preset.Model.ImageChannels == 1 && !RunFlags.Given(r, images.Data) && !run.HasConfig(r))
                fromFlags = fromFlags with { DataDir = Path.GetFullPath(DataPaths.Default(TrainingImages.DefaultMnist)) };
            return run.Start(r, fromFlags, PioneerTrainer.OptionsFrom,
            [
                new(preset, o => o.Preset.Name), new(perStage, o => o.Preset.ImagesPerStage), new(generatorSteps, o => o.Preset.GeneratorSteps),
                new(lastRelu, o => o.Preset.Model.EncoderLastActivation), new(norm, o => NormName(o.Preset.Model)),
                new(margin, o => Margins(o.Preset)), new(emaDecay, o => o.Preset.EmaDecay),
                // the way out of a GPU's memory limit: scales the run's batches from the resume on
                new(batchScale, o => string.Join("/", o.Preset.BatchPerLevel), (s, _) => s with { Preset = ScaleBatch(s.Preset, scale) }),
            ], (options, checkpoint) =>
            {
                var device = run.OpenDevice(r);
                var p = options.Preset;
                var (data, owner) = TrainingImages.Open(r, images, options, options.Preset.Model.ImageChannels, options.Preset.Model.Resolution);
                using var _ = owner;
                using var trainer = new PioneerTrainer(options, data, device);
                Console.WriteLine($"Balanced PIONEER '{p.Name}' {p.Model.Resolution}² on {data.Count} images: {p.Model.LayerCount} levels, {p.Rules.Length} rules, " +
                                  $"{p.ImagesPerStage} images per stage, {p.TotalImages} in all, batch {string.Join("/", p.BatchPerLevel)}, " +
                                  $"n_generator {p.GeneratorSteps}, decoder {NormName(p.Model)}, {RunFlags.Describe(device)} → {options.OutDir}");
                return TrainingSession.Run(trainer, checkpoint,
                    $"Lower the batch: --batch-scale 0.5 (with --resume --out {options.OutDir} to continue from the last checkpoint), " +
                    "or set each level's batch: write the configuration with --dump-config run.yaml, edit Preset.BatchPerLevel there " +
                    "and start a new run with --config run.yaml.");
            });
        });
        return cmd;
    }

    private static PioneerConfig WithNorm(PioneerConfig model, string name)
    {
        if (!Norms.TryGetValue(name, out var n)) throw new ArgumentException($"--norm {name}: expected one of {string.Join(", ", Norms.Keys)}");
        return model with { DecoderWeighting = n.Weighting, DecoderPixelNorm = n.PixelNorm };
    }

    private static string NormName(PioneerConfig model)
        => Norms.First(kv => kv.Value == (model.DecoderWeighting, model.DecoderPixelNorm)).Key;

    // one number when every rule has the same margin (as --margin makes them), else the list
    private static string Margins(PioneerPreset p)
        => p.Rules.Select(rule => rule.Margin).Distinct().Count() == 1 ? $"{p.Rules[0].Margin}" : string.Join("/", p.Rules.Select(rule => rule.Margin));

    private static PioneerPreset ScaleBatch(PioneerPreset p, double scale)
    {
        if (!(scale > 0)) throw new ArgumentException($"--batch-scale must be > 0, got {scale}");
        // the batch KL needs two codes at least
        return p with { BatchPerLevel = p.BatchPerLevel.Select(b => Math.Max(2, (int)Math.Round(b * scale))).ToArray() };
    }
}

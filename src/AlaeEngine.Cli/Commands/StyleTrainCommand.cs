using System.CommandLine;
using AlaeEngine.Models;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae train style`: StyleALAE with progressive growing on an image folder (the bundled 32 faces by default).</summary>
internal static class StyleTrainCommand
{
    private const double ReferenceEmaHalfLife = 10_000;

    public static Command Create()
    {
        var images = new ImageFolderFlags();
        var run = new RunFlags("runs/style", images.Data);
        var preset = Opt.Of("--preset", $"architecture and schedule, see docs/style-presets.md ({string.Join(", ", StyleAlaePreset.All.Select(p => p.Name))})", StyleAlaePreset.FacesSample.Name);
        var gamma = Opt.Of("--r1-gamma", "R1 penalty weight γ", 10.0);
        var perLevel = Opt.Of("--images-per-level", "images per level instead of the preset's, the total scaled alike (0: the preset's); shortens a run", 0L);
        var batchScale = Opt.Of("--batch-scale", "multiply the preset's batch per level (e.g. 0.5 after running out of GPU memory); with --resume it changes the batch from there on", 1.0);
        var emaHalfLife = Opt.Of<double?>("--ema-half-life", "images over which an EMA weight halves (default: the reference's 10 000, or a 20th of the run when that is shorter)", null);

        var cmd = new Command("style", "train StyleALAE with progressive growing (ALAE §5) on an image folder");
        foreach (var o in new Option[] { preset }.Concat(images.All).Concat(run.All).Concat([gamma, perLevel, batchScale, emaHalfLife])) cmd.Add(o);
        cmd.SetAction(r =>
        {
            var basis = run.Basis<StyleTrainingOptions>(r);
            // --preset's preset, else the configuration file's (with its batches per level), shortened and scaled by the flags
            var named = RunFlags.Given(r, preset) || !run.HasConfig(r) ? StyleAlaePreset.Named(r.GetValue(preset)!) : basis.Preset;
            var chosen = Shorten(named, r.GetValue(perLevel));
            double scale = r.GetValue(batchScale);
            var fromFlags = run.ApplyTo(r, basis with
            {
                Preset = ScaleBatch(chosen, scale), R1Gamma = run.Value(r, gamma, basis.R1Gamma),
                // a run shorter than a few half-lives would leave the EMA (the sampling model) mostly at its initial weights
                EmaHalfLifeImages = run.Value(r, emaHalfLife, basis.EmaHalfLifeImages) ?? Math.Min(ReferenceEmaHalfLife, chosen.TotalImages / 20.0),
            });
            return run.Start(r, fromFlags, StyleTrainer.OptionsFrom,
            [
                new(preset, o => o.Preset.Name), new(perLevel, o => o.Preset.ImagesPerLevel),
                new(gamma, o => o.R1Gamma), new(emaHalfLife, o => o.EmaHalfLifeImages),
                // the way out of a GPU's memory limit: scales the run's batches from the resume on
                new(batchScale, o => string.Join("/", o.Preset.BatchPerLevel), (s, _) => s with { Preset = ScaleBatch(s.Preset, scale) }),
            ], (options, checkpoint) =>
            {
                var device = run.OpenDevice(r);
                var p = options.Preset;
                using var data = images.Open(r, options, p.Model.Resolution);
                using var trainer = new StyleTrainer(options, data, device);
                Console.WriteLine($"StyleALAE '{p.Name}' {p.Model.Resolution}² on {data.Count} images: {p.Model.LayerCount} levels of {p.ImagesPerLevel} images, " +
                                  $"{p.TotalImages} in all, batch {string.Join("/", p.BatchPerLevel)}, {RunFlags.Describe(device)} → {options.OutDir}");
                return TrainingSession.Run(trainer, checkpoint,
                    $"Lower the batch: --batch-scale 0.5 (with --resume --out {options.OutDir} to continue from the last checkpoint), " +
                    "or set each level's batch: write the configuration with --dump-config run.yaml, edit Preset.BatchPerLevel there " +
                    "and start a new run with --config run.yaml.");
            });
        });
        return cmd;
    }

    private static StyleAlaePreset Shorten(StyleAlaePreset p, long imagesPerLevel)
    {
        if (imagesPerLevel == 0) return p;
        if (imagesPerLevel < 2) throw new ArgumentException($"--images-per-level must be ≥ 2, got {imagesPerLevel}");
        return p with { ImagesPerLevel = imagesPerLevel, TotalImages = Math.Max(1, (long)Math.Round((double)p.TotalImages * imagesPerLevel / p.ImagesPerLevel)) };
    }

    private static StyleAlaePreset ScaleBatch(StyleAlaePreset p, double scale)
    {
        if (!(scale > 0)) throw new ArgumentException($"--batch-scale must be > 0, got {scale}");
        return p with { BatchPerLevel = p.BatchPerLevel.Select(b => Math.Max(1, (int)Math.Round(b * scale))).ToArray() };
    }
}

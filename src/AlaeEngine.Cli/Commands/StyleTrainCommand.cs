using System.CommandLine;
using AlaeEngine.Cpu;
using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae train style`: StyleALAE with progressive growing on an image folder (the bundled 32 faces by default).</summary>
internal static class StyleTrainCommand
{
    private const double ReferenceEmaHalfLife = 10_000;

    public static Command Create()
    {
        var preset = Opt.Of("--preset", $"architecture and schedule, see docs/style-presets.md ({string.Join(", ", StyleAlaePreset.All.Select(p => p.Name))})", StyleAlaePreset.FacesSample.Name);
        var data = Opt.Of("--data", "image folder (PNG, JPEG, …), resized to the preset's resolution", DataPaths.Default(StyleImages.DefaultFolder));
        var recursive = Opt.Of("--recursive", "also read the images of sub-folders", false);
        var outDir = Opt.Of("--out", "run folder: checkpoints, samples, metrics.jsonl, losses.png, cache", "runs/style");
        var cache = Opt.Of<string?>("--cache", "folder of the prepared multi-resolution image cache (default <out>/cache)", null);
        var resume = Opt.Of("--resume", "continue from the newest checkpoint in --out, with the options it was started with", false);
        var seed = Opt.Of("--seed", "seed of every random choice (same seed, same losses)", 1UL);
        var device = ComputeDevice.Option("cpu");
        var gamma = Opt.Of("--r1-gamma", "R1 penalty weight γ", 10.0);
        var maxIt = Opt.AtLeast("--max-iterations", "stop after this many iterations in all (0: the preset's whole schedule)", 0L, 0L);
        var sampleEvery = Opt.AtLeast("--sample-every", "write a sample grid every N iterations (and at the end of every level)", 500, 1);
        var ckptEvery = Opt.AtLeast("--checkpoint-every", "write a checkpoint every N iterations (and at the end of every level)", 1000, 1);
        var perLevel = Opt.Of("--images-per-level", "images per level instead of the preset's, the total scaled alike (0: the preset's); shortens a run", 0L);
        var batchScale = Opt.Of("--batch-scale", "multiply the preset's batch per level (e.g. 0.5 after running out of GPU memory); with --resume it changes the batch from there on", 1.0);
        var emaHalfLife = Opt.Of<double?>("--ema-half-life", "images over which an EMA weight halves (default: the reference's 10 000, or a 20th of the run when that is shorter)", null);
        var threads = Opt.Threads();

        var cmd = new Command("style", "train StyleALAE with progressive growing (ALAE §5) on an image folder")
        {
            preset, data, recursive, outDir, cache, resume, seed, device, gamma, maxIt, sampleEvery, ckptEvery, perLevel, batchScale, emaHalfLife, threads,
        };
        cmd.SetAction(r =>
        {
            CpuKernels.Threads = r.GetValue(threads);
            var chosen = Shorten(StyleAlaePreset.Named(r.GetValue(preset)!), r.GetValue(perLevel));
            var options = new StyleTrainingOptions
            {
                OutDir = r.GetValue(outDir)!, Preset = chosen,
                Seed = r.GetValue(seed), R1Gamma = r.GetValue(gamma), MaxIterations = r.GetValue(maxIt),
                SampleEvery = r.GetValue(sampleEvery), CheckpointEvery = r.GetValue(ckptEvery),
                // a run shorter than a few half-lives would leave the EMA (the sampling model) mostly at its initial weights
                EmaHalfLifeImages = r.GetValue(emaHalfLife) ?? Math.Min(ReferenceEmaHalfLife, chosen.TotalImages / 20.0),
            };
            if (r.GetValue(resume))
            {
                // only what does not define the run may change on resume; the batch scale is the way out of a GPU's memory limit
                foreach (var fixedOption in new Option[] { preset, seed, gamma, perLevel, emaHalfLife })
                    if (r.GetResult(fixedOption) is { Implicit: false })
                        throw new ArgumentException($"{fixedOption.Name} cannot change a resumed run (its options are in the checkpoint)");
            }
            double scale = r.GetValue(batchScale);
            bool scaleGiven = r.GetResult(batchScale) is { Implicit: false };
            var cacheDir = r.GetValue(cache) ?? Path.Combine(options.OutDir, "cache");
            return Train(options, r.GetValue(resume), scaleGiven ? scale : null, r.GetValue(data)!, r.GetValue(recursive), cacheDir, r.GetValue(device)!);
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

    private static int Train(StyleTrainingOptions options, bool resume, double? batchScale, string dataDir, bool recursive, string cacheDir, string deviceName)
    {
        string? checkpoint = null;
        if (resume)
        {
            checkpoint = Checkpoint.Latest(options.OutDir)
                ?? throw new FileNotFoundException($"--resume: no complete checkpoint in {Path.Combine(options.OutDir, Checkpoint.Folder)}");
            var saved = StyleTrainer.OptionsFrom(checkpoint);
            options = saved with
            {
                OutDir = options.OutDir, MaxIterations = options.MaxIterations,
                SampleEvery = options.SampleEvery, CheckpointEvery = options.CheckpointEvery,
            };
        }
        if (batchScale is { } s) options = options with { Preset = ScaleBatch(options.Preset, s) };
        options.Validate();
        var device = ComputeDevice.Open(deviceName);
        var preset = options.Preset;
        using var images = StyleImages.Open(dataDir, preset.Model.Resolution, cacheDir, recursive);
        using var trainer = new StyleTrainer(options, images, device);
        if (checkpoint != null)
        {
            trainer.Resume(checkpoint);
            Console.WriteLine($"resumed from {checkpoint} at iteration {trainer.Step} ({trainer.ImagesSeen} images seen)");
        }
        Console.WriteLine($"StyleALAE '{preset.Name}' {preset.Model.Resolution}² on {images.Count} images: {preset.Model.LayerCount} levels of {preset.ImagesPerLevel} images, " +
                          $"{preset.TotalImages} in all, batch {string.Join("/", preset.BatchPerLevel)}, {(device.Kind == DeviceKind.Cpu ? $"CPU ({CpuKernels.Threads} threads)" : device.ToString())} → {options.OutDir}");

        bool stopRequested = false;
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stopRequested = true; };
        Console.CancelKeyPress += onCancel;
        try
        {
            using var metrics = new RunMetrics(options.OutDir, trainer.Step, "StyleALAE losses");
            // progress in iterations when the run is cut short, else in images (the schedule's unit)
            bool byIteration = options.MaxIterations > 0;
            var progress = byIteration ? new ProgressLine(trainer.Step, options.MaxIterations) : new ProgressLine(trainer.ImagesSeen, trainer.TotalImages);
            int lastLevel = trainer.Level;
            try
            {
                foreach (var it in trainer.Run(() => stopRequested))
                {
                    metrics.Add(it);
                    var l = it.Losses;
                    int res = StyleAlaeConfig.ResolutionAt(it.Level);
                    progress.Update(byIteration ? it.Step : it.ImagesSeen,
                        $"level {it.Level} {res}² blend {it.Blend:F2} batch {it.Batch} {it.ImagesPerSecond:F1} img/s D {l.Discriminator:F3} R1 {l.R1:F3} G {l.Generator:F3} lat {l.Latent:F4}");
                    if (it.Step % options.SampleEvery == 0 || it.Level != lastLevel) metrics.WritePlot();
                    lastLevel = it.Level;
                }
            }
            catch (Exception e) when (ComputeDevice.IsOutOfMemory(e))
            {
                progress.Finish();
                int level = trainer.Level, res = StyleAlaeConfig.ResolutionAt(level), batch = trainer.Options.Preset.Batch(level);
                Console.Error.WriteLine($"alae: error: the GPU ran out of memory at level {level} ({res}×{res}), batch {batch} ({e.Message}). " +
                                        $"Lower the batch: --batch-scale 0.5 (with --resume --out {options.OutDir} to continue from the last checkpoint), " +
                                        $"or edit BatchPerLevel of preset '{preset.Name}' in src/AlaeEngine/Models/StyleAlaePreset.cs.");
                return 2;
            }
            progress.Finish();
            metrics.WritePlot();
            if (stopRequested)
            {
                var path = trainer.SaveCheckpoint();
                Console.WriteLine($"interrupted: saved {path}; continue with --resume --out {options.OutDir}");
                return 130;
            }
            Console.WriteLine($"done: {trainer.Step} iterations, {trainer.ImagesSeen} images, level {trainer.Level} ({trainer.Model.CurrentResolution}²); " +
                              $"samples in {Path.Combine(options.OutDir, "samples")}, checkpoints in {Path.Combine(options.OutDir, Checkpoint.Folder)}");
            return 0;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }
}

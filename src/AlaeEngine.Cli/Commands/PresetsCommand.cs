using System.CommandLine;
using System.Globalization;
using AlaeEngine.Models;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae presets`: every model's presets (StyleALAE, Balanced PIONEER, AE-StyleGAN) with what each sets, and how to change one without editing code.</summary>
internal static class PresetsCommand
{
    public static Command Create()
    {
        var cmd = new Command("presets", "list the presets of train style, train pioneer and train aegan with what each sets");
        cmd.SetAction(_ =>
        {
            Console.WriteLine("StyleALAE presets (alae train style --preset NAME; sources and reasons in docs/style-presets.md):");
            foreach (var p in StyleAlaePreset.All) Console.Write(Describe(p));
            Console.WriteLine();
            Console.WriteLine("Balanced PIONEER presets (alae train pioneer --preset NAME; docs/pioneer-presets.md):");
            foreach (var p in PioneerPreset.All) Console.Write(Describe(p));
            Console.WriteLine();
            Console.WriteLine("AE-StyleGAN presets (alae train aegan --preset NAME; docs/aegan-presets.md):");
            foreach (var p in AeStyleGanPreset.All) Console.Write(Describe(p));
            Console.WriteLine();
            Console.WriteLine("To change what a preset sets (a level's batch, the learning rates, the schedule): write it as a file with");
            Console.WriteLine("  alae train style --preset NAME --dump-config run.yaml     (train pioneer and train aegan likewise)");
            Console.WriteLine("edit run.yaml (Preset.BatchPerLevel, Preset.LearningRatePerLevel, Preset.ImagesPerLevel, …) and train with");
            Console.WriteLine("  alae train style --config run.yaml     (flags given with --config override the file)");
            return 0;
        });
        return cmd;
    }

    /// <summary>Two lines: the architecture, then the schedule.</summary>
    public static string Describe(StyleAlaePreset p)
    {
        var m = p.Model;
        return $"  {p.Name,-14}{m.Resolution}² ({m.LayerCount} levels from 4²), {m.ImageChannels} image channel(s), feature maps {m.StartChannels}…{m.MaxChannels}, " +
               $"latent {m.LatentSize}, F {m.MappingLayers} layers, D {m.DiscriminatorLayers} layers\n" +
               $"  {"",-14}batch per level {Numbers(p.BatchPerLevel)}, learning rate per level {Numbers(p.LearningRatePerLevel)}, " +
               $"{p.ImagesPerLevel:N0} images per level, {p.TotalImages:N0} in all, {(p.Flip ? "mirrored at random" : "no flips")}\n";
    }

    /// <summary>Two lines: the architecture, then the schedule (rules: level from a number of images, learning rate, margin).</summary>
    public static string Describe(PioneerPreset p)
    {
        var m = p.Model;
        string rules = string.Join(", ", p.Rules.Select(r => FormattableString.Invariant($"{r.Level}@{r.StartImages:N0} lr {r.LearningRate:G3} m {r.Margin:G3}")));
        return $"  {p.Name,-29}{m.Resolution}² ({m.LayerCount} levels from 4²), {m.ImageChannels} image channel(s), feature maps {m.StartChannels}…{m.MaxChannels}, " +
               $"latent {m.LatentSize}, decoder {m.DecoderWeighting}{(m.DecoderPixelNorm ? " + pixel norm" : "")}, {p.GeneratorSteps} generator step(s)\n" +
               $"  {"",-29}batch per level {Numbers(p.BatchPerLevel)}, {p.ImagesPerStage:N0} images per stage, {p.TotalImages:N0} in all, EMA {Invariant(p.EmaDecay)}; " +
               $"rules (level@images): {rules}\n";
    }

    /// <summary>Two lines: the networks, then the training.</summary>
    public static string Describe(AeStyleGanPreset p)
    {
        var m = p.Model;
        return $"  {p.Name,-29}{m.Resolution}², {m.ImageChannels} image channel(s), latent {m.LatentSize} ({m.Latent}), channel multiplier {m.ChannelMultiplier}, " +
               $"cap {m.ChannelMax}, F {m.MappingLayers} layers\n" +
               $"  {"",-29}{p.Mode.ToString().ToLowerInvariant()}, batch {p.Batch}, {p.Iterations:N0} iterations, lr {Invariant(p.LearningRate)}, R1 γ {Invariant(p.R1Gamma)}, " +
               $"perceptual {p.Perceptual}, adaptive weight {(p.AdaptiveWeight ? $"from {p.AdaptiveStart:N0}" : "off")}\n";
    }

    private static string Invariant(double x) => x.ToString("G4", CultureInfo.InvariantCulture);
    private static string Numbers<T>(IEnumerable<T> xs) where T : IFormattable => string.Join("/", xs.Select(x => x.ToString(null, CultureInfo.InvariantCulture)));
}

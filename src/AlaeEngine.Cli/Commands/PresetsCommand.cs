using System.CommandLine;
using System.Globalization;
using AlaeEngine.Models;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae presets`: the StyleALAE presets and everything each one sets, and how to change one without editing code.</summary>
internal static class PresetsCommand
{
    public static Command Create()
    {
        var cmd = new Command("presets", "list the StyleALAE presets (train style --preset NAME) with what each sets");
        cmd.SetAction(_ =>
        {
            Console.WriteLine("StyleALAE presets (alae train style --preset NAME; sources and reasons in docs/style-presets.md):");
            foreach (var p in StyleAlaePreset.All) Console.Write(Describe(p));
            Console.WriteLine();
            Console.WriteLine("To change what a preset sets (a level's batch, the learning rates, the schedule): write it as a file with");
            Console.WriteLine("  alae train style --preset NAME --dump-config run.yaml");
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
        string Numbers<T>(IEnumerable<T> xs) where T : IFormattable => string.Join("/", xs.Select(x => x.ToString(null, CultureInfo.InvariantCulture)));
        return $"  {p.Name,-14}{m.Resolution}² ({m.LayerCount} levels from 4²), {m.ImageChannels} image channel(s), feature maps {m.StartChannels}…{m.MaxChannels}, " +
               $"latent {m.LatentSize}, F {m.MappingLayers} layers, D {m.DiscriminatorLayers} layers\n" +
               $"  {"",-14}batch per level {Numbers(p.BatchPerLevel)}, learning rate per level {Numbers(p.LearningRatePerLevel)}, " +
               $"{p.ImagesPerLevel:N0} images per level, {p.TotalImages:N0} in all, {(p.Flip ? "mirrored at random" : "no flips")}\n";
    }
}

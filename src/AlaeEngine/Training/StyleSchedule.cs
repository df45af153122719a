using AlaeEngine.Models;

namespace AlaeEngine.Training;

/// <summary>
/// The reference's progressive schedule (lod_driver.py) as a function of the images seen so far:
/// level = min(levels − 1, images / ImagesPerLevel); during the first half of every level after the first,
/// blend = 0.5 + 0.5·sin(π·p − π/2) with p the position in that half (a smooth 0 → 1), else 1.
/// </summary>
public static class StyleSchedule
{
    public static (int Level, double Blend) At(StyleAlaePreset preset, long imagesSeen)
    {
        int last = preset.Model.LayerCount - 1;
        int level = (int)Math.Min(last, imagesSeen / preset.ImagesPerLevel);
        long inLevel = imagesSeen - level * preset.ImagesPerLevel;
        long fade = preset.ImagesPerLevel / 2;
        if (level == 0 || inLevel >= fade) return (level, 1.0);
        double p = (double)inLevel / fade;
        return (level, 0.5 + 0.5 * Math.Sin(Math.PI * p - Math.PI / 2));
    }
}

using AlaeEngine.Models;
using NUnit.Framework;

namespace AlaeEngine.Tests.Style;

/// <summary>Every preset `alae train style --preset` offers is valid, found by its name, and schedules all its levels.</summary>
public class PresetTests
{
    [TestCaseSource(typeof(StyleAlaePreset), nameof(StyleAlaePreset.All))]
    public void PresetIsValidAndNamed(StyleAlaePreset preset)
    {
        Assert.That(() => preset.Validate(), Throws.Nothing);
        Assert.That(StyleAlaePreset.Named(preset.Name), Is.SameAs(preset));
        // the run reaches the last level: (levels − 1) levels of ImagesPerLevel come before it
        Assert.That(preset.TotalImages, Is.GreaterThan((preset.Model.LayerCount - 1) * preset.ImagesPerLevel), "total images");
        Assert.That(preset.Model.Channels(preset.Model.LayerCount - 1), Is.LessThanOrEqualTo(preset.Model.MaxChannels));
    }

    [Test]
    public void NamesAreUnique() => Assert.That(StyleAlaePreset.All.Select(p => p.Name), Is.Unique);
}

using AlaeEngine.Models;
using AlaeEngine.Tests.Data;
using NUnit.Framework;

namespace AlaeEngine.Tests.Aegan;

/// <summary>Every AE-StyleGAN preset is valid, found by its name and listed in docs/aegan-presets.md; invalid ones are refused.</summary>
public class AeStyleGanPresetTests
{
    [TestCaseSource(typeof(AeStyleGanPreset), nameof(AeStyleGanPreset.All))]
    public void PresetIsValidNamedAndDocumented(AeStyleGanPreset preset)
    {
        Assert.That(() => preset.Validate(), Throws.Nothing);
        Assert.That(AeStyleGanPreset.Named(preset.Name), Is.SameAs(preset));
        var doc = File.ReadAllLines(Path.Combine(DataIoPaths.RepoRoot, "docs", "aegan-presets.md"));
        Assert.That(doc.Count(l => l.StartsWith($"| {preset.Name} |")), Is.EqualTo(2), "one row in each of the doc's two tables");
    }

    [Test]
    public void NamesAreUnique() => Assert.That(AeStyleGanPreset.All.Select(p => p.Name), Is.Unique);

    [Test]
    public void InvalidSettingsAreRefusedWithTheReason()
    {
        var p = AeStyleGanPreset.Tiny;
        Assert.That(() => (p with { Batch = 6 }).Validate(), Throws.ArgumentException.With.Message.Contains("batch 6"));
        Assert.That(() => (p with { Mode = AeStyleGanMode.Decoupled }).Validate(), Throws.ArgumentException.With.Message.Contains("joint"));
        Assert.That(() => (p with { R1Interval = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("R1"));
        Assert.That(() => (p with { AdversarialWeight = -1 }).Validate(), Throws.ArgumentException.With.Message.Contains("weights"));
        Assert.That(() => AeStyleGanPreset.Named("aegan-huge"), Throws.ArgumentException.With.Message.Contains("aegan-tiny"));
    }
}

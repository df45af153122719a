using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Pioneer;

/// <summary>
/// The rule schedule against values worked out by hand from the official train.py / training_scheduler.py for the
/// CelebA-HQ and LSUN schedules, and the presets' consistency.
/// </summary>
public class PioneerScheduleTests
{
    private static readonly PioneerSchedule CelebA = PioneerPreset.CelebAHq256.Schedule();

    // (images seen, rule, level, lr, margin, images in level, blend, λ_X)
    [TestCase(0L, 0, 0, 1e-3, 0.0, 0L, 0.0, 1.0, TestName = "CelebA-HQ start: the code's effective first rule (lr 1e-3, m 0)")]
    [TestCase(600_000L, 0, 0, 1e-3, 0.0, 600_000L, 0.5, 1.0)]
    [TestCase(1_199_999L, 0, 0, 1e-3, 0.0, 1_199_999L, 1_199_999 / 1.2e6, 1.0)]
    [TestCase(1_200_000L, 0, 0, 1e-3, 0.0, 1_200_000L, 1.0, 1.5, TestName = "λ_X 1.5 from half a stage on")]
    [TestCase(2_400_000L, 1, 1, 5e-4, 0.05, 0L, 0.0, 1.0, TestName = "8² with lr 5e-4 and margin 0.05")]
    [TestCase(3_000_000L, 1, 1, 5e-4, 0.05, 600_000L, 0.5, 1.0)]
    [TestCase(9_599_999L, 3, 3, 5e-4, 0.05, 2_399_999L, 1.0, 1.5)]
    [TestCase(9_600_000L, 4, 4, 1e-3, 0.0, 0L, 0.0, 1.0, TestName = "64² at lr 1e-3 without margin")]
    [TestCase(13_000_000L, 5, 4, 1e-3, 0.02, 3_400_000L, 1.0, 1.5, TestName = "margin rule inside 64²: the level keeps counting")]
    [TestCase(16_520_000L, 6, 5, 1e-3, 0.02, 0L, 0.0, 1.0)]
    [TestCase(20_640_000L, 7, 6, 1e-3, 0.04, 600_000L, 0.5, 1.0)]
    [TestCase(25_480_000L, 7, 6, 1e-3, 0.04, 5_440_000L, 1.0, 1.5)]
    public void CelebAHqScheduleAt(long seen, int rule, int level, double lr, double margin, long inLevel, double blend, double lambdaX)
    {
        var p = CelebA.At(seen);
        Assert.That((p.RuleIndex, p.Level, p.LearningRate, p.Margin, p.ImagesInLevel), Is.EqualTo((rule, level, lr, margin, inLevel)));
        Assert.That(p.Blend, Is.EqualTo(blend).Within(1e-15));
        Assert.That(p.ReconstructionWeight, Is.EqualTo(lambdaX));
        Assert.That(p.UsesImagePool, Is.EqualTo(blend >= 1));
        Assert.That(p.BlendsRealImages, Is.EqualTo(level > 0 && blend < 1));
    }

    [Test]
    public void LsunMarginAndLevels()
    {
        var s = PioneerPreset.Lsun256.Schedule();
        Assert.That(s.At(12_359_999).Margin, Is.EqualTo(0));
        var p = s.At(12_360_000);
        Assert.That((p.Level, p.Margin, p.ImagesInLevel), Is.EqualTo((4, 0.06, 2_760_000L)));
        Assert.That(s.At(15_400_000).Level, Is.EqualTo(5));
        Assert.That(s.At(21_400_000).Margin, Is.EqualTo(0.04));
    }

    [Test]
    public void TheRuleIndexChangesExactlyAtEachRuleStart()
    {
        // the reference empties the image pool whenever its scheduler moves to another rule
        long batch = 32;
        var changes = new List<long>();
        int last = CelebA.At(0).RuleIndex;
        for (long seen = 0; seen < 21_000_000; seen += batch)
        {
            var p = CelebA.At(seen);
            if (p.RuleIndex != last) changes.Add(seen);
            last = p.RuleIndex;
        }
        Assert.That(changes, Is.EqualTo(CelebA.Rules.Skip(1).Select(r => r.StartImages).Where(s => s < 21_000_000)));
    }

    [Test]
    public void InvalidSchedulesAreRejectedWithTheRule()
    {
        Assert.That(() => new PioneerSchedule([new PioneerRule(5, 0, 1e-3, 0)], 100), Throws.ArgumentException.With.Message.Contains("start at 0"));
        Assert.That(() => new PioneerSchedule([new PioneerRule(0, 1, 1e-3, 0), new PioneerRule(10, 0, 1e-3, 0)], 100),
            Throws.ArgumentException.With.Message.Contains("rule 1").And.Message.Contains("decrease"));
        Assert.That(() => new PioneerSchedule([new PioneerRule(0, 0, 1e-3, 0), new PioneerRule(0, 1, 1e-3, 0)], 100), Throws.ArgumentException.With.Message.Contains("increasing"));
        Assert.That(() => new PioneerSchedule([new PioneerRule(0, 0, 0, 0)], 100), Throws.ArgumentException.With.Message.Contains("learning rate"));
        Assert.That(() => new PioneerSchedule([new PioneerRule(0, 0, 1e-3, -0.1)], 100), Throws.ArgumentException.With.Message.Contains("margin"));
        Assert.That(() => CelebA.At(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void EveryPresetIsValidAndReachesItsTopLevel()
    {
        foreach (var preset in PioneerPreset.All)
        {
            Assert.DoesNotThrow(preset.Validate, preset.Name);
            Assert.That(PioneerPreset.Named(preset.Name), Is.SameAs(preset));
            var end = preset.Schedule().At(preset.TotalImages - 1);
            Assert.That(end.Level, Is.EqualTo(preset.Model.LayerCount - 1), $"{preset.Name} ends at its full resolution");
        }
        Assert.That(() => PioneerPreset.Named("nope"), Throws.ArgumentException.With.Message.Contains("pioneer-tiny"));
        Assert.That(PioneerPreset.BaselineCelebAHq128.Rules.All(r => r.Margin == 0), Is.True);
        Assert.That(PioneerPreset.CelebAHq256.PoolSize(6), Is.EqualTo(100));
        Assert.That(PioneerPreset.CelebAHq256.Batch(3), Is.EqualTo(64));
        var broken = PioneerPreset.Tiny with { Rules = [new PioneerRule(0, 0, 1e-3, 0), new PioneerRule(64, 3, 1e-3, 0)] };
        Assert.That(broken.Validate, Throws.ArgumentException.With.Message.Contains("level 3"));
    }

    [Test]
    public void ImagesPerStageScalesRulesAndTotal()
    {
        var short_ = PioneerPreset.CelebAHq256.WithImagesPerStage(24_000);
        Assert.That(short_.Rules.Select(r => r.StartImages), Is.EqualTo(new long[] { 0, 24_000, 48_000, 72_000, 96_000, 130_000, 165_200, 200_400 }));
        Assert.That(short_.TotalImages, Is.EqualTo(254_800));
        var p = short_.Schedule().At(24_000 + 6_000);
        Assert.That((p.Level, p.Blend), Is.EqualTo((1, 0.5)));
        Assert.That(() => PioneerPreset.Tiny.WithImagesPerStage(1), Throws.ArgumentException);
    }

    [Test]
    public void RealImagesBlendWithTheUpsampledLevelBelow()
    {
        using var scope = TensorScope.Begin();
        var high = Tensor.Full(new Shape(1, 1, 4, 4), 1.0, DType.Float64);
        var low = Tensor.FromArray(new double[] { 0, 2, 4, 6 }, new Shape(1, 1, 2, 2));
        var x = PioneerSchedule.BlendRealImages(high, low, 0.25).ToDoubleArray();
        // 0.25·1 + 0.75·upsample(low)
        Assert.That(x[0], Is.EqualTo(0.25)); Assert.That(x[3], Is.EqualTo(0.25 + 0.75 * 2)); Assert.That(x[15], Is.EqualTo(0.25 + 0.75 * 6));
        Assert.That(() => PioneerSchedule.BlendRealImages(high, high, 0.5), Throws.ArgumentException.With.Message.Contains("R/2"));
    }
}

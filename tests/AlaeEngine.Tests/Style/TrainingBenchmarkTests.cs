using AlaeEngine.Cpu;
using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Style;

/// <summary>`alae bench train`'s runner on the CPU: full iterations of the tiny preset at its last level, and of MLP-ALAE.</summary>
public class TrainingBenchmarkTests
{
    [Test]
    public void TimesFullIterationsAndReportsPeakMemory()
    {
        var result = TrainingBenchmark.Run(new TrainingBenchmarkOptions { Preset = StyleAlaePreset.Tiny, Resolution = 16, Batch = 2, Iterations = 2, Warmup = 1 });
        Assert.That(result.Options.Level, Is.EqualTo(2));
        Assert.That(result.MillisecondsPerIteration, Has.Length.EqualTo(2).And.All.GreaterThan(0));
        Assert.That(result.MedianMilliseconds, Is.EqualTo(result.MillisecondsPerIteration.Average()).Within(1e-9), "median of two is their mean");
        Assert.That(result.ImagesPerSecond, Is.EqualTo(2000 / result.MedianMilliseconds).Within(1e-9));
        Assert.That(result.PeakBytes, Is.GreaterThan(0));
        Assert.That(result.PeakMeaning, Is.EqualTo("process peak working set"));
        Assert.That(result.Host, Is.Not.Null);
        Assert.That(result.Host!.Value.InUse, Is.GreaterThan(0).And.LessThanOrEqualTo(result.Host.Value.Held));
    }

    [Test]
    public void ProfilesCpuKernelsAndDetaches()
    {
        var result = TrainingBenchmark.Run(new TrainingBenchmarkOptions { Preset = StyleAlaePreset.Tiny, Resolution = 8, Batch = 2, Iterations = 1, Warmup = 0, ProfileIterations = 1 });
        Assert.That(result.Profile, Is.Not.Null.And.Not.Empty);
        Assert.That(result.Profile!.Select(r => r.Name), Has.Some.StartsWith("Conv2d x(2, ").And.Some.StartsWith("MatMul ").And.Some.StartsWith("AdamStep "));
        Assert.That(result.Profile!.All(r => r.Calls > 0 && r.Milliseconds >= 0), Is.True);
        Assert.That(Backends.For(Device.Cpu), Is.SameAs(CpuKernels.Instance), "the profiler must put the plain kernels back");
    }

    [Test]
    public void TimesMlpAlaeIterations()
    {
        var result = TrainingBenchmark.Run(new TrainingBenchmarkOptions { Preset = null, Batch = 4, Iterations = 1, Warmup = 0 });
        Assert.That(result.MillisecondsPerIteration, Has.Length.EqualTo(1).And.All.GreaterThan(0));
        Assert.That(result.Options.Describe(), Does.Contain("MLP-ALAE"));
        Assert.That(result.Activity, Is.Null, "launch counts exist only on a GPU");
    }

    [Test]
    public void RejectsAResolutionThePresetDoesNotHave()
    {
        var options = new TrainingBenchmarkOptions { Preset = StyleAlaePreset.Tiny, Resolution = 32, Batch = 2 };
        Assert.That(() => options.Validate(), Throws.ArgumentException.With.Message.Contains("--res 32"));
        Assert.That(() => (options with { Resolution = 12 }).Validate(), Throws.ArgumentException);
        Assert.That(() => (options with { Resolution = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("--res is required"));
        Assert.That(() => (options with { Resolution = 8, Batch = 0 }).Validate(), Throws.ArgumentException);
    }

    [Test]
    public void TimesAeStyleGanIterationsAtItsPresetsResolution()
    {
        var result = TrainingBenchmark.Run(new TrainingBenchmarkOptions { Preset = null, AeStyleGan = AeStyleGanPreset.Tiny, Batch = 4, Iterations = 2, Warmup = 1 });
        Assert.That(result.MillisecondsPerIteration, Has.Length.EqualTo(2).And.All.GreaterThan(0));
        Assert.That(result.Options.Describe(), Is.EqualTo("preset aegan-tiny (16², joint)"));
        var options = result.Options with { Resolution = 8 };
        Assert.That(() => options.Validate(), Throws.ArgumentException.With.Message.Contains("--res 8: AE-StyleGAN trains at its preset's resolution, 16"));
        Assert.That(() => (options with { Resolution = 0, Preset = StyleAlaePreset.Tiny }).Validate(), Throws.ArgumentException.With.Message.Contains("not several"));
        Assert.That(() => (options with { Resolution = 0, Batch = 6 }).Validate(), Throws.ArgumentException.With.Message.Contains("batch 6"));
    }
}

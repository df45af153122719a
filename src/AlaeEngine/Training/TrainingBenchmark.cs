using System.Diagnostics;
using AlaeEngine.Cuda;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>What <see cref="TrainingBenchmark.Run"/> measures: a preset's model at one resolution and batch size.</summary>
public sealed record TrainingBenchmarkOptions
{
    public required StyleAlaePreset Preset { get; init; }
    /// <summary>Resolution of the level that trains (a power of two from 4 to the preset's resolution).</summary>
    public required int Resolution { get; init; }
    public required int Batch { get; init; }
    public int Iterations { get; init; } = 20;
    public int Warmup { get; init; } = 3;
    public double R1Gamma { get; init; } = 10;
    public ulong Seed { get; init; } = 1;
    /// <summary>Where the model and data live (the CUDA backend must already be started for a GPU).</summary>
    public Device Device { get; init; } = Device.Cpu;

    public int Level => 31 - int.LeadingZeroCount(Resolution) - 2;

    public void Validate()
    {
        Preset.Validate();
        if (Resolution < 4 || (Resolution & (Resolution - 1)) != 0 || Resolution > Preset.Model.Resolution)
            throw new ArgumentException($"--res {Resolution}: expected a power of two from 4 to {Preset.Model.Resolution} (preset '{Preset.Name}')");
        if (Batch < 1) throw new ArgumentException($"batch must be ≥ 1, got {Batch}");
        if (Iterations < 1 || Warmup < 0) throw new ArgumentException("iterations must be ≥ 1 and warm-up ≥ 0");
    }
}

/// <summary>The timings of a benchmark: per measured iteration, and the peak memory of the run.</summary>
public sealed record TrainingBenchmarkResult(TrainingBenchmarkOptions Options, double[] MillisecondsPerIteration, long PeakBytes, string PeakMeaning)
{
    public double MedianMilliseconds
    {
        get
        {
            var s = MillisecondsPerIteration.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
        }
    }

    public double ImagesPerSecond => Options.Batch * 1000.0 / MedianMilliseconds;
}

/// <summary>
/// Times full StyleALAE training iterations as the trainer runs them — D step with R1 by double backward, G step,
/// reciprocity step, the Adam updates, the EMA update — on random images at one level (blend 1), so a preset's cost
/// per resolution and batch can be measured without a data set or the schedule. The first <c>Warmup</c> iterations
/// (kernel compilation, pool and allocator growth) are not timed. On a GPU every iteration ends with a device
/// synchronisation, so the time is the device's; peak memory is the CUDA allocator's peak over the timed iterations,
/// on the CPU the process's peak working set.
/// </summary>
public static class TrainingBenchmark
{
    public static TrainingBenchmarkResult Run(TrainingBenchmarkOptions options)
    {
        options.Validate();
        var device = options.Device;
        var preset = options.Preset;
        using var model = new StyleAlae(preset.Model, new Init(options.Seed, DType.Float32, device));
        model.SetLevel(options.Level, 1);
        using var encoderOpt = new Adam(model.EncoderParameters.Concat(model.DiscriminatorParameters).ToList(), preset.LearningRate(options.Level));
        using var decoderOpt = new Adam(model.MappingParameters.Concat(model.GeneratorParameters).ToList(), preset.LearningRate(options.Level));
        using var ema = new Ema(model.Parameters());
        var algorithm = new AlaeAlgorithm(model, encoderOpt, decoderOpt, options.R1Gamma);
        var noise = new RandomStream(options.Seed + 7);
        using var x = TensorScope.Unscoped(() => RandomImages(options, noise));
        var gpu = Backends.For(device) as CudaKernels;
        var allocator = gpu?.Allocator;
        double beta = Ema.BetaForBatch(options.Batch);

        var times = new double[options.Iterations];
        for (int i = -options.Warmup; i < options.Iterations; i++)
        {
            if (i == 0) allocator?.ResetPeak();
            var clock = Stopwatch.StartNew();
            algorithm.Step(x, noise);
            ema.Update(beta);
            // the losses' Item() already waits for the step; the EMA update is queued after it
            gpu?.Synchronize();
            if (i >= 0) times[i] = clock.Elapsed.TotalMilliseconds;
        }
        if (allocator != null) return new TrainingBenchmarkResult(options, times, allocator.PeakBytes, "GPU allocator peak");
        using var process = Process.GetCurrentProcess();
        return new TrainingBenchmarkResult(options, times, process.PeakWorkingSet64, "process peak working set");
    }

    // uniform in [-1, 1], the range of the real images
    private static Tensor RandomImages(TrainingBenchmarkOptions o, RandomStream random)
    {
        using var scope = TensorScope.Begin();
        var u = random.Uniform(new Shape(o.Batch, o.Preset.Model.ImageChannels, o.Resolution, o.Resolution), DType.Float32, o.Device);
        return scope.Keep(Op.AddScalar(Op.Scale(u, 2), -1));
    }
}

using System.Diagnostics;
using AlaeEngine.Cpu;
using AlaeEngine.Cuda;
using AlaeEngine.Losses;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// What <see cref="TrainingBenchmark.Run"/> measures: a StyleALAE preset's model (<see cref="Preset"/>) or a Balanced
/// PIONEER preset's (<see cref="Pioneer"/>) at one resolution and batch size, an AE-StyleGAN preset's
/// (<see cref="AeStyleGan"/>, at its resolution), or, with none, MLP-ALAE (784-D MNIST vectors, no resolution).
/// </summary>
public sealed record TrainingBenchmarkOptions
{
    /// <summary>The name the command line uses for MLP-ALAE in place of a preset.</summary>
    public const string MlpName = "mlp";

    public required StyleAlaePreset? Preset { get; init; }
    public PioneerPreset? Pioneer { get; init; }
    /// <summary>An AE-StyleGAN preset, timed at its own resolution (<see cref="Preset"/> must then be null).</summary>
    public AeStyleGanPreset? AeStyleGan { get; init; }
    /// <summary>Resolution of the level that trains (a power of two from 4 to the preset's resolution); unused for MLP-ALAE.</summary>
    public int Resolution { get; init; }
    public required int Batch { get; init; }
    public int Iterations { get; init; } = 20;
    public int Warmup { get; init; } = 3;
    /// <summary>Iterations run after the timed ones with every operation timed (CUDA events on a GPU, <see cref="Cpu.CpuProfiler"/> on the CPU; 0: none).</summary>
    public int ProfileIterations { get; init; }
    public double R1Gamma { get; init; } = 10;
    public ulong Seed { get; init; } = 1;
    /// <summary>Where the model and data live (the CUDA backend must already be started for a GPU).</summary>
    public Device Device { get; init; } = Device.Cpu;
    /// <summary>On a GPU, the ceilings of the cost model the iterations are priced with (<see cref="CudaActivity"/>).</summary>
    public CostCeilings Ceilings { get; init; } = CostCeilings.H100;

    public int Level => 31 - int.LeadingZeroCount(Resolution) - 2;

    /// <summary>"preset celeba-hq256, level 4 (64²)" or "MLP-ALAE (MNIST, 784-D)".</summary>
    public string Describe() => AeStyleGan != null ? $"preset {AeStyleGan.Name} ({AeStyleGan.Model.Resolution}², {AeStyleGan.Mode.ToString().ToLowerInvariant()})"
        : PresetName == null ? "MLP-ALAE (MNIST, 784-D)" : $"preset {PresetName}, level {Level} ({Resolution}²)";

    private string? PresetName => Preset?.Name ?? Pioneer?.Name;

    public void Validate()
    {
        if (new object?[] { Preset, Pioneer, AeStyleGan }.Count(p => p != null) > 1)
            throw new ArgumentException("a benchmark times one model: a StyleALAE, a PIONEER or an AE-StyleGAN preset, not several");
        Preset?.Validate();
        Pioneer?.Validate();
        if (AeStyleGan != null)
        {
            (AeStyleGan with { Batch = Batch }).Validate(); // the benchmark's batch must split into minibatch-stddev groups too
            if (Resolution != 0 && Resolution != AeStyleGan.Model.Resolution)
                throw new ArgumentException($"--res {Resolution}: AE-StyleGAN trains at its preset's resolution, {AeStyleGan.Model.Resolution} ('{AeStyleGan.Name}')");
        }
        else if ((Preset?.Model.Resolution ?? Pioneer?.Model.Resolution) is { } top)
        {
            if (Resolution == 0) throw new ArgumentException($"--res is required for the preset '{PresetName}'");
            if (Resolution < 4 || (Resolution & (Resolution - 1)) != 0 || Resolution > top)
                throw new ArgumentException($"--res {Resolution}: expected a power of two from 4 to {top} (preset '{PresetName}')");
        }
        else if (Resolution != 0)
            throw new ArgumentException($"--res {Resolution}: MLP-ALAE has no resolution (it trains on 784-D MNIST vectors); --res applies to the StyleALAE and PIONEER presets");
        if (Batch < 1) throw new ArgumentException($"batch must be ≥ 1, got {Batch}");
        if (Iterations < 1 || Warmup < 0 || ProfileIterations < 0) throw new ArgumentException("iterations must be ≥ 1, warm-up and profiled iterations ≥ 0");
    }
}

/// <summary>On the CPU, the host pool's peaks over the timed iterations: bytes of tensors and buffers at once, bytes the pool held.</summary>
public readonly record struct HostMemoryPeaks(long InUse, long Held);

/// <summary>
/// The timings of a benchmark: per measured iteration, the peak memory of the run, and on a GPU what the host issued
/// during the timed iterations (launches, cuBLAS calls, memory operations, waits) and, when asked, the GPU time per
/// operation summed over the profiled iterations.
/// </summary>
public sealed record TrainingBenchmarkResult(TrainingBenchmarkOptions Options, double[] MillisecondsPerIteration, long PeakBytes, string PeakMeaning,
    CudaActivity? Activity = null, IReadOnlyList<KernelProfileRow>? Profile = null, HostMemoryPeaks? Host = null)
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
/// Times full training iterations as the trainers run them — D step with R1 by double backward, G step, reciprocity
/// step, the Adam updates, and for StyleALAE the EMA update; for Balanced PIONEER the encoder step with the image pool
/// (filled during the warm-up), the n_generator decoder steps and the decoder's EMA — on random images (a preset at one
/// level, blend 1, or MLP-ALAE), so a model's cost per resolution and batch can be measured without a data set or the schedule. The
/// first <c>Warmup</c> iterations (kernel compilation, pool and allocator growth) are not timed. On a GPU every
/// iteration ends with a device synchronisation, so the time includes the device's; peak memory is the CUDA
/// allocator's peak over the timed iterations, on the CPU the process's peak working set.
/// </summary>
public static class TrainingBenchmark
{
    public static TrainingBenchmarkResult Run(TrainingBenchmarkOptions options)
    {
        options.Validate();
        var noise = new RandomStream(options.Seed + 7);
        var init = new Init(options.Seed, DType.Float32, options.Device);
        if (options.Pioneer is { } pioneer) return TimePioneer(options, pioneer, noise, init);
        if (options.AeStyleGan is { } aegan) return TimeAeStyleGan(options, aegan, init, noise);
        if (options.Preset is not { } preset)
        {
            using var mlp = new MlpAlae(new MlpAlaeConfig(), init);
            using var x = TensorScope.Unscoped(() => RandomImages(new Shape(options.Batch, mlp.Config.ImageSize), options.Device, noise));
            return Time(options, mlp, MlpTrainingOptions.DefaultLearningRate, x, noise, ema: null);
        }
        using var model = new StyleAlae(preset.Model, init);
        model.SetLevel(options.Level, 1);
        using var ema = new Ema(model.Parameters());
        using var images = TensorScope.Unscoped(() => RandomImages(
            new Shape(options.Batch, preset.Model.ImageChannels, options.Resolution, options.Resolution), options.Device, noise));
        return Time(options, model, preset.LearningRate(options.Level), images, noise, ema);
    }

    private static TrainingBenchmarkResult Time(TrainingBenchmarkOptions options, IAlaeModel model, double lr, Tensor x, RandomStream noise, Ema? ema)
    {
        using var encoderOpt = new Adam(model.EncoderParameters.Concat(model.DiscriminatorParameters).ToList(), lr);
        using var decoderOpt = new Adam(model.MappingParameters.Concat(model.GeneratorParameters).ToList(), lr);
        var algorithm = new AlaeAlgorithm(model, encoderOpt, decoderOpt, options.R1Gamma);
        double beta = Ema.BetaForBatch(options.Batch);
        return Time(options, () =>
        {
            algorithm.Step(x, noise);
            ema?.Update(beta);
        });
    }

    // the PIONEER iteration as PioneerTrainer runs it after a level's fade-in: pool in use, the first rule's margin and λ_X 1.5
    private static TrainingBenchmarkResult TimePioneer(TrainingBenchmarkOptions options, PioneerPreset preset, RandomStream noise, Init init)
    {
        using var model = new BalancedPioneer(preset.Model, init);
        model.SetLevel(options.Level, 1);
        using var emaDecoder = new PioneerDecoder(preset.Model, init);
        using var ema = new Ema(model.DecoderParameters, emaDecoder.Parameters().Select(p => p.Value).ToList());
        var rule = preset.Rules[0];
        using var encoderOpt = new Adam(model.EncoderParameters, rule.LearningRate, preset.AdamBeta2);
        using var decoderOpt = new Adam(model.DecoderParameters, rule.LearningRate, preset.AdamBeta2);
        var algorithm = new PioneerAlgorithm(model, encoderOpt, decoderOpt, preset.GeneratorSteps, preset.Losses);
        using var pool = new ImagePool(preset.PoolSize(options.Level));
        using var images = TensorScope.Unscoped(() => RandomImages(
            new Shape(options.Batch, preset.Model.ImageChannels, options.Resolution, options.Resolution), options.Device, noise));
        return Time(options, () =>
        {
            algorithm.Step(images, preset.ReconstructionWeightAfterFade, rule.Margin, pool, noise);
            ema.Update(preset.EmaDecay);
        });
    }

    // AeStyleGanTrainer's iteration: the algorithm's steps (lazy R1 and path length on the iterations the preset says,
    // counted from the first warm-up iteration) and the EMA of F, G and E; a VGG16 term runs with zero weights, whose
    // cost is that of trained ones
    private static TrainingBenchmarkResult TimeAeStyleGan(TrainingBenchmarkOptions options, AeStyleGanPreset preset, Init init, RandomStream noise)
    {
        preset = preset with { Batch = options.Batch };
        using var model = new AeStyleGan(preset.Model, init, preset.Mode == AeStyleGanMode.Decoupled);
        using var ema = new Ema(model.MappingParameters.Concat(model.GeneratorParameters).Concat(model.EncoderParameters).ToList());
        using var vgg = preset.Perceptual == PerceptualKind.Vgg16 ? new Vgg16(Vgg16.StandardWidths, Vgg16Input.CaffeBgr, DType.Float32, options.Device) : null;
        using var algorithm = new AeStyleGanAlgorithm(model, preset, AeStyleGanAlgorithm.PerceptualLoss(preset.Perceptual, model, vgg));
        var c = preset.Model;
        using var images = TensorScope.Unscoped(() => RandomImages(new Shape(options.Batch, c.ImageChannels, c.Resolution, c.Resolution), options.Device, noise));
        var real = Enumerable.Repeat(images, algorithm.RealBatches).ToList();
        double beta = Ema.BetaForBatch(options.Batch, preset.EmaHalfLifeImages);
        long iteration = 0;
        return Time(options, () =>
        {
            algorithm.Step(real, iteration++, noise);
            ema.Update(beta);
        });
    }

    private static TrainingBenchmarkResult Time(TrainingBenchmarkOptions options, Action iteration)
    {
        var gpu = Backends.For(options.Device) as CudaKernels;
        if (gpu != null) gpu.Ceilings = options.Ceilings;

        var times = new double[options.Iterations];
        CudaActivity activityAtStart = default;
        for (int i = -options.Warmup; i < options.Iterations; i++)
        {
            if (i == 0 && gpu != null)
            {
                gpu.Allocator.ResetPeak();
                activityAtStart = gpu.Activity;
            }
            if (i == 0) HostMemoryPool.ResetPeaks();
            var clock = Stopwatch.StartNew();
            iteration();
            gpu?.Synchronize();
            if (i >= 0) times[i] = clock.Elapsed.TotalMilliseconds;
        }
        if (gpu != null)
        {
            var activity = gpu.Activity - activityAtStart;
            long peak = gpu.Allocator.PeakBytes;
            IReadOnlyList<KernelProfileRow>? profile = null;
            if (options.ProfileIterations > 0)
            {
                using var profiler = gpu.StartProfiler();
                for (int i = 0; i < options.ProfileIterations; i++) iteration();
                profile = profiler.Finish();
            }
            return new TrainingBenchmarkResult(options, times, peak, "GPU allocator peak", activity, profile);
        }
        var host = new HostMemoryPeaks(HostMemoryPool.PeakBytesInUse, HostMemoryPool.PeakBytesHeld);
        IReadOnlyList<KernelProfileRow>? cpuProfile = null;
        if (options.ProfileIterations > 0)
        {
            var profiler = CpuProfiler.Start();
            try
            {
                for (int i = 0; i < options.ProfileIterations; i++) iteration();
            }
            finally { cpuProfile = profiler.Finish(); }
        }
        using var process = Process.GetCurrentProcess();
        return new TrainingBenchmarkResult(options, times, process.PeakWorkingSet64, "process peak working set", Profile: cpuProfile,
            Host: host);
    }

    // uniform in [-1, 1], the range of the real images
    private static Tensor RandomImages(Shape shape, Device device, RandomStream random)
    {
        using var scope = TensorScope.Begin();
        var u = random.Uniform(shape, DType.Float32, device);
        return scope.Keep(Op.AddScalar(Op.Scale(u, 2), -1));
    }
}

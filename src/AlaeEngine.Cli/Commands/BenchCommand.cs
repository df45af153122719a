using System.CommandLine;
using AlaeEngine.Cpu;
using AlaeEngine.Cuda;
using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae bench train`: median time of full training iterations of MLP-ALAE, of one level of a StyleALAE or Balanced PIONEER preset, or of an AE-StyleGAN preset (see <see cref="TrainingBenchmark"/>).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var preset = Opt.Of("--preset", $"architecture: {TrainingBenchmarkOptions.MlpName} (MLP-ALAE), a StyleALAE preset ({string.Join(", ", StyleAlaePreset.All.Select(p => p.Name))}) " +
            $", a Balanced PIONEER preset ({string.Join(", ", PioneerPreset.All.Select(p => p.Name))}) " +
            $"or an AE-StyleGAN preset ({string.Join(", ", AeStyleGanPreset.All.Select(p => p.Name))})",
            StyleAlaePreset.CelebAHq256.Name);
        var res = Opt.AtLeast("--res", "resolution of the level to train (a power of two up to the preset's; required for StyleALAE and PIONEER presets; AE-StyleGAN trains at its preset's)", 0, 0);
        var batch = Opt.RequiredAtLeast("--batch", "batch size", 1);
        var device = ComputeDevice.Option("cuda");
        var iterations = Opt.AtLeast("--iterations", "timed iterations", 20, 1);
        var warmup = Opt.AtLeast("--warmup", "untimed iterations first (kernel compilation, memory pools)", 3, 0);
        var seed = Opt.Of("--seed", "seed of the weights and random data", 1UL);
        var profile = Opt.AtLeast("--profile", "run this many more iterations with every operation timed (on a GPU every kernel, GEMM and copy by CUDA events; on the CPU every kernel call) and print where the time goes", 0, 0);
        var threads = Opt.Threads();
        var h100 = CostCeilings.H100;
        var copy = Opt.Of("--copy-tbs", "cost model: device copy bandwidth in TB/s, read + write (H100 2.98, H200 ≈ 4.3)", h100.CopyBytesPerSecond / 1e12);
        var tf32Rate = Opt.Of("--tf32-tflops", "cost model: TF32 GEMM rate in TFLOP/s", h100.Tf32FlopsPerSecond / 1e12);
        var fp32Rate = Opt.Of("--fp32-tflops", "cost model: FP32 GEMM and kernel rate in TFLOP/s", h100.Fp32FlopsPerSecond / 1e12);
        var floor = Opt.Of("--launch-floor-us", "cost model: least time of one operation on the stream, in µs", h100.LaunchFloorSeconds * 1e6);
        var train = new Command("train",
            "time full training iterations on random images (MLP-ALAE, a StyleALAE or PIONEER preset at one level, or an AE-StyleGAN preset): the model's steps with their Adam updates and EMA " +
            "(AE-StyleGAN's lazy R1 every 16 iterations, counted from the first warm-up one)")
        {
            preset, res, batch, device, iterations, warmup, seed, threads, profile, copy, tf32Rate, fp32Rate, floor,
        };
        train.SetAction(r =>
        {
            CpuKernels.Threads = r.GetValue(threads);
            string model = r.GetValue(preset)!;
            var options = new TrainingBenchmarkOptions
            {
                Preset = model == TrainingBenchmarkOptions.MlpName || IsPioneer(model) || IsAeStyleGan(model) ? null : StyleAlaePreset.Named(model),
                Pioneer = IsPioneer(model) ? PioneerPreset.Named(model) : null, AeStyleGan = IsAeStyleGan(model) ? AeStyleGanPreset.Named(model) : null,
                Resolution = r.GetValue(res), Batch = r.GetValue(batch),
                Iterations = r.GetValue(iterations), Warmup = r.GetValue(warmup), Seed = r.GetValue(seed), ProfileIterations = r.GetValue(profile),
                Ceilings = Ceilings(r.GetValue(copy), r.GetValue(tf32Rate), r.GetValue(fp32Rate), r.GetValue(floor)),
            };
            options.Validate();
            options = options with { Device = ComputeDevice.Open(r.GetValue(device)!) };
            string where = options.Device.Kind == DeviceKind.Cpu ? $"CPU, {CpuKernels.Threads} threads" : options.Device.ToString();
            Console.WriteLine($"bench train: {options.Describe()}, batch {options.Batch}, " +
                              $"{options.Warmup} warm-up + {options.Iterations} timed iterations on {where}");
            TrainingBenchmarkResult result;
            try
            {
                result = TrainingBenchmark.Run(options);
            }
            catch (Exception e) when (ComputeDevice.IsOutOfMemory(e))
            {
                Console.Error.WriteLine($"alae: error: the GPU ran out of memory ({options.Describe()}, batch {options.Batch}): {e.Message}; try a smaller --batch");
                return 2;
            }
            var ms = result.MillisecondsPerIteration;
            Console.WriteLine($"median      {result.MedianMilliseconds:F1} ms per iteration (min {ms.Min():F1}, max {ms.Max():F1})");
            Console.WriteLine($"throughput  {result.ImagesPerSecond:F1} images/s");
            Console.WriteLine($"peak memory {result.PeakBytes / (1024.0 * 1024.0):F1} MiB ({result.PeakMeaning})");
            if (result.Host is { } host)
                Console.WriteLine($"host pool   {host.InUse / (1024.0 * 1024.0):F1} MiB of tensors and buffers at most at once, {host.Held / (1024.0 * 1024.0):F1} MiB held at most (timed iterations)");
            if (result.Activity is { } activity)
            {
                var (kernels, blas, memory, waits) = activity.PerIteration(options.Iterations);
                Console.WriteLine($"per iteration {kernels:F0} kernel launches, {blas:F0} cuBLAS calls, {memory:F0} memory operations, {waits:F0} host waits");
                PrintCostModel(activity, options);
            }
            if (result.Profile is { } rows)
            {
                if (options.Device.Kind == DeviceKind.Cpu) PrintCpuProfile(rows, options.ProfileIterations, result.MedianMilliseconds);
                else PrintProfile(rows, options.ProfileIterations, result.MedianMilliseconds);
            }
            return 0;
        });
        return new Command("bench", "measure the engine's speed") { train };
    }

    private static bool IsPioneer(string preset) => PioneerPreset.All.Any(p => p.Name == preset);
    private static bool IsAeStyleGan(string preset) => AeStyleGanPreset.All.Any(p => p.Name == preset);

    // the cost model's per-iteration totals; the modelled time is a lower bound on the GPU time, and says so
    private static void PrintCostModel(CudaActivity a, TrainingBenchmarkOptions options)
    {
        int n = options.Iterations;
        Console.WriteLine($"cost model  {a.Bytes / n / 1e9:F3} GB moved, {a.Flops / n / 1e9:F1} GFLOP per iteration; modelled GPU time " +
                          $"≥ {a.ModelledSecondsFp32 / n * 1e3:F3} ms (FP32 GEMMs), ≥ {a.ModelledSecondsTf32 / n * 1e3:F3} ms (TF32 GEMMs)");
        Console.WriteLine($"            a lower bound: every operation at max(bytes ÷ copy bandwidth, FLOPs ÷ rate, launch floor), none overlapping; " +
                          $"{options.Ceilings}");
    }

    private static CostCeilings Ceilings(double copyTbs, double tf32Tflops, double fp32Tflops, double floorUs)
    {
        if (!(copyTbs > 0) || !(tf32Tflops > 0) || !(fp32Tflops > 0) || !(floorUs >= 0))
            throw new ArgumentException("--copy-tbs, --tf32-tflops and --fp32-tflops must be > 0, --launch-floor-us ≥ 0");
        return new CostCeilings(copyTbs * 1e12, tf32Tflops * 1e12, fp32Tflops * 1e12, floorUs * 1e-6);
    }

    // GPU time per operation and iteration, longest first (then by modelled time, the order under the emulation, whose
    // events measure 0), beside the cost model's bytes and modelled time of the same operations; the events add host
    // time, so the shares are of GPU time
    private static void PrintProfile(IReadOnlyList<KernelProfileRow> rows, int iterations, double medianMs)
    {
        double total = rows.Sum(r => r.Milliseconds), modelled = rows.Sum(r => r.ModelledMilliseconds);
        Console.WriteLine($"where the GPU time goes ({iterations} profiled iterations; GPU busy {total / iterations:F2} ms of a {medianMs:F2} ms iteration, " +
                          $"modelled {modelled / iterations:F2} ms):");
        Console.WriteLine($"{"ms/iter",9} {"share",6} {"model ms",9} {"GB/iter",8} {"calls/iter",10}  operation");
        foreach (var r in rows)
            Console.WriteLine($"{r.Milliseconds / iterations,9:F3} {100 * r.Milliseconds / Math.Max(total, 1e-12),5:F1}% " +
                              $"{r.ModelledMilliseconds / iterations,9:F3} {r.Bytes / iterations / 1e9,8:F3} {(double)r.Calls / iterations,10:F1}  {r.Name}");
    }

    // CPU time per kernel and iteration (wall clock of each call, so a threaded kernel counts once), longest first: a
    // summary per kernel, then the longest rows per kernel and argument shapes
    private static void PrintCpuProfile(IReadOnlyList<KernelProfileRow> rows, int iterations, double medianMs)
    {
        double total = rows.Sum(r => r.Milliseconds);
        Console.WriteLine($"where the CPU time goes ({iterations} profiled iterations; CPU kernels {total / iterations:F2} ms of a {medianMs:F2} ms iteration):");
        var perKernel = rows.GroupBy(r => r.Name.Split(' ')[0])
            .Select(g => new KernelProfileRow(g.Key, g.Sum(r => r.Calls), g.Sum(r => r.Milliseconds))).OrderByDescending(r => r.Milliseconds);
        const int longest = 30;
        foreach (var (title, list) in new[] { ("per kernel:", perKernel.ToList()), ($"the {Math.Min(longest, rows.Count)} longest of {rows.Count} kernel and shape rows:", rows.Take(longest).ToList()) })
        {
            Console.WriteLine(title);
            Console.WriteLine($"{"ms/iter",9} {"share",6} {"calls/iter",10}  operation");
            foreach (var r in list)
                Console.WriteLine($"{r.Milliseconds / iterations,9:F3} {100 * r.Milliseconds / Math.Max(total, 1e-12),5:F1}% {(double)r.Calls / iterations,10:F1}  {r.Name}");
        }
    }
}

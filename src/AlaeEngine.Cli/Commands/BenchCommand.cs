using System.CommandLine;
using AlaeEngine.Cpu;
using AlaeEngine.Cuda;
using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae bench train`: median time of full training iterations of MLP-ALAE or of a StyleALAE level (see <see cref="TrainingBenchmark"/>).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var preset = Opt.Of("--preset", $"architecture: {TrainingBenchmarkOptions.MlpName} (MLP-ALAE) or a StyleALAE preset ({string.Join(", ", StyleAlaePreset.All.Select(p => p.Name))})",
            StyleAlaePreset.CelebAHq256.Name);
        var res = Opt.AtLeast("--res", "resolution of the level to train (a power of two up to the preset's; required for StyleALAE presets)", 0, 0);
        var batch = Opt.RequiredAtLeast("--batch", "batch size", 1);
        var device = ComputeDevice.Option("cuda");
        var iterations = Opt.AtLeast("--iterations", "timed iterations", 20, 1);
        var warmup = Opt.AtLeast("--warmup", "untimed iterations first (kernel compilation, memory pools)", 3, 0);
        var seed = Opt.Of("--seed", "seed of the weights and random data", 1UL);
        var profile = Opt.AtLeast("--profile", "on a GPU, run this many more iterations with every kernel, GEMM and copy timed by CUDA events, and print where the GPU time goes", 0, 0);
        var threads = Opt.Threads();
        var train = new Command("train",
            "time full training iterations on random images (MLP-ALAE, or a StyleALAE preset at one level): D step with R1, G step, reciprocity step, Adam updates, EMA")
        {
            preset, res, batch, device, iterations, warmup, seed, threads, profile,
        };
        train.SetAction(r =>
        {
            CpuKernels.Threads = r.GetValue(threads);
            string model = r.GetValue(preset)!;
            var options = new TrainingBenchmarkOptions
            {
                Preset = model == TrainingBenchmarkOptions.MlpName ? null : StyleAlaePreset.Named(model), Resolution = r.GetValue(res), Batch = r.GetValue(batch),
                Iterations = r.GetValue(iterations), Warmup = r.GetValue(warmup), Seed = r.GetValue(seed), ProfileIterations = r.GetValue(profile),
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
            if (result.Activity is { } activity)
            {
                var (kernels, blas, memory, waits) = activity.PerIteration(options.Iterations);
                Console.WriteLine($"per iteration {kernels:F0} kernel launches, {blas:F0} cuBLAS calls, {memory:F0} memory operations, {waits:F0} host waits");
            }
            if (result.Profile is { } rows) PrintProfile(rows, options.ProfileIterations, result.MedianMilliseconds);
            else if (options.ProfileIterations > 0) Console.WriteLine("--profile: only a GPU run is profiled");
            return 0;
        });
        return new Command("bench", "measure the engine's speed") { train };
    }

    // GPU time per operation and iteration, longest first; the events add host time, so the shares are of GPU time
    private static void PrintProfile(IReadOnlyList<KernelProfileRow> rows, int iterations, double medianMs)
    {
        double total = rows.Sum(r => r.Milliseconds);
        Console.WriteLine($"where the GPU time goes ({iterations} profiled iterations; GPU busy {total / iterations:F2} ms of a {medianMs:F2} ms iteration):");
        Console.WriteLine($"{"ms/iter",9} {"share",6} {"calls/iter",10}  operation");
        foreach (var r in rows)
            Console.WriteLine($"{r.Milliseconds / iterations,9:F3} {100 * r.Milliseconds / Math.Max(total, 1e-12),5:F1}% {(double)r.Calls / iterations,10:F1}  {r.Name}");
    }
}

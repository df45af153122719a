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
        var res = Opt.Of("--res", "resolution of the level to train (a power of two up to the preset's; required for StyleALAE presets)", 0);
        var batch = Opt.Required<int>("--batch", "batch size");
        var device = Opt.Of("--device", "cuda or cpu", "cuda");
        var iterations = Opt.Of("--iterations", "timed iterations", 20);
        var warmup = Opt.Of("--warmup", "untimed iterations first (kernel compilation, memory pools)", 3);
        var seed = Opt.Of("--seed", "seed of the weights and random data", 1UL);
        var profile = Opt.Of("--profile", "run this many more iterations with every operation timed (on a GPU every kernel, GEMM and copy by CUDA events; on the CPU every kernel call) and print where the time goes", 0);
        var threads = Opt.Of("--threads", "CPU worker threads", Environment.ProcessorCount);
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
            if (result.Host is { } host)
                Console.WriteLine($"host pool   {host.InUse / (1024.0 * 1024.0):F1} MiB of tensors and buffers at most at once, {host.Held / (1024.0 * 1024.0):F1} MiB held at most (timed iterations)");
            if (result.Activity is { } activity)
            {
                var (kernels, blas, memory, waits) = activity.PerIteration(options.Iterations);
                Console.WriteLine($"per iteration {kernels:F0} kernel launches, {blas:F0} cuBLAS calls, {memory:F0} memory operations, {waits:F0} host waits");
            }
            if (result.Profile is { } rows)
                PrintProfile(rows, options.ProfileIterations, result.MedianMilliseconds, options.Device.Kind == DeviceKind.Cpu ? "CPU" : "GPU");
            return 0;
        });
        return new Command("bench", "measure the engine's speed") { train };
    }

    // time per operation and iteration, longest first; on a GPU the events add host time, so the shares are of GPU time.
    // The CPU's rows are per kernel call and argument shapes: a summary per kernel first, then the longest rows.
    private static void PrintProfile(IReadOnlyList<KernelProfileRow> rows, int iterations, double medianMs, string where)
    {
        double total = rows.Sum(r => r.Milliseconds);
        Console.WriteLine($"where the {where} time goes ({iterations} profiled iterations; {where} kernels {total / iterations:F2} ms of a {medianMs:F2} ms iteration):");
        if (where == "CPU")
        {
            var perKernel = rows.GroupBy(r => r.Name.Split(' ')[0])
                .Select(g => new KernelProfileRow(g.Key, g.Sum(r => r.Calls), g.Sum(r => r.Milliseconds))).OrderByDescending(r => r.Milliseconds).ToList();
            PrintRows(perKernel, iterations, total);
            const int longest = 30;
            Console.WriteLine($"the {Math.Min(longest, rows.Count)} longest of {rows.Count} kernel and shape rows:");
            rows = rows.Take(longest).ToList();
        }
        PrintRows(rows, iterations, total);
    }

    private static void PrintRows(IReadOnlyList<KernelProfileRow> rows, int iterations, double total)
    {
        Console.WriteLine($"{"ms/iter",9} {"share",6} {"calls/iter",10}  operation");
        foreach (var r in rows)
            Console.WriteLine($"{r.Milliseconds / iterations,9:F3} {100 * r.Milliseconds / Math.Max(total, 1e-12),5:F1}% {(double)r.Calls / iterations,10:F1}  {r.Name}");
    }
}

using System.CommandLine;
using AlaeEngine.Cpu;
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
        var threads = Opt.Of("--threads", "CPU worker threads", Environment.ProcessorCount);
        var train = new Command("train",
            "time full training iterations on random images (MLP-ALAE, or a StyleALAE preset at one level): D step with R1, G step, reciprocity step, Adam updates, EMA")
        {
            preset, res, batch, device, iterations, warmup, seed, threads,
        };
        train.SetAction(r =>
        {
            CpuKernels.Threads = r.GetValue(threads);
            string model = r.GetValue(preset)!;
            var options = new TrainingBenchmarkOptions
            {
                Preset = model == TrainingBenchmarkOptions.MlpName ? null : StyleAlaePreset.Named(model), Resolution = r.GetValue(res), Batch = r.GetValue(batch),
                Iterations = r.GetValue(iterations), Warmup = r.GetValue(warmup), Seed = r.GetValue(seed),
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
            return 0;
        });
        return new Command("bench", "measure the engine's speed") { train };
    }
}

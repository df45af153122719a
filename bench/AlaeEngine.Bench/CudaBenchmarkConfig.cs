using AlaeEngine.Cuda;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;

namespace AlaeEngine.Bench;

/// <summary>
/// Configuration of <see cref="CudaKernelBenchmarks"/>: run in-process (the bundle has a runtime but no SDK to build the
/// usual child process, and one process keeps one CUDA context), a short job (each launch is 0.05–10 ms), the
/// <see cref="RateColumn"/> and <see cref="CopyShareColumn"/>, and without a GPU a filter that drops every CUDA benchmark after saying why.
/// </summary>
public sealed class CudaBenchmarkConfig : InProcessConfig
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        if (CudaBackend.IsAvailable(out string why)) return true;
        Console.WriteLine($"CudaKernelBenchmarks skipped: no CUDA device: {why}");
        return false;
    });

    public CudaBenchmarkConfig()
    {
        AddColumn(new RateColumn(), new CopyShareColumn());
        AddFilter(new SimpleFilter(_ => Available.Value));
    }
}

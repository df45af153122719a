using AlaeEngine.Cuda;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cli.Commands;

/// <summary>The --device option of the training and benchmark commands: cpu, or cuda (the CUDA backend, started here).</summary>
internal static class ComputeDevice
{
    public static Device Open(string name)
    {
        switch (name)
        {
            case "cpu":
                return Device.Cpu;
            case "cuda":
                if (!CudaBackend.IsAvailable(out string why))
                {
                    throw new ArgumentException($"no CUDA device: {CudaBackend.Briefly(why)} (use --device cpu)");
                }
                var gpu = CudaBackend.Start();
                Console.WriteLine($"CUDA: {gpu.Description}, {gpu.Versions()}");
                return gpu.Device;
            default:
                throw new ArgumentException($"--device {name}: expected cpu or cuda");
        }
    }

    /// <summary>
    /// True for an allocation failure on the GPU: the allocator's cuMemAlloc (after it has released its cache) reports
    /// CUDA_ERROR_OUT_OF_MEMORY, cuBLAS its workspace failure as CUBLAS_STATUS_ALLOC_FAILED; both name the error in the message.
    /// </summary>
    public static bool IsOutOfMemory(Exception e)
        => e is CudaException && (e.Message.Contains("CUDA_ERROR_OUT_OF_MEMORY", StringComparison.Ordinal)
                                  || e.Message.Contains("CUBLAS_STATUS_ALLOC_FAILED", StringComparison.Ordinal));
}

using System.CommandLine;
using System.Globalization;
using AlaeEngine.Cuda;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The --device option of every command that computes: cpu, cuda (the first GPU) or cuda:N (GPU N). The numbers count
/// the GPUs the CUDA driver shows, which are those CUDA_VISIBLE_DEVICES lists when it is set; the line that names the
/// GPU says so.
/// </summary>
internal static class ComputeDevice
{
    private const string Forms = "cpu, cuda or cuda:N (N = 0, 1, …: the GPU's number)";

    /// <summary>--device, its value checked when the command line is parsed.</summary>
    public static Option<string> Option(string defaultValue, string description = "cpu, cuda (the first GPU) or cuda:N (GPU N, counting those CUDA_VISIBLE_DEVICES shows)")
    {
        var option = Opt.Of("--device", description, defaultValue);
        option.CustomParser = r =>
        {
            string text = r.Tokens[^1].Value;
            if (!TryParse(text, out _)) r.AddError($"--device {text}: expected {Forms}");
            return text;
        };
        return option;
    }

    /// <summary>"cpu" → the CPU; "cuda" → GPU 0; "cuda:N" → GPU N.</summary>
    public static bool TryParse(string name, out Device device)
    {
        device = Device.Cpu;
        if (name == "cpu") return true;
        if (name == "cuda") { device = Device.Cuda(0); return true; }
        if (name.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            device = Device.Cuda(index);
            return true;
        }
        return false;
    }

    /// <summary>The device named by --device, its CUDA backend started and named in one line; no usable GPU is an error that says why.</summary>
    public static Device Open(string name)
    {
        if (!TryParse(name, out var device)) throw new ArgumentException($"--device {name}: expected {Forms}");
        if (device.Kind == DeviceKind.Cpu) return device;
        if (!CudaBackend.IsAvailable(out string why, device.Index))
            throw new ArgumentException($"--device {name}: no CUDA device: {CudaBackend.Briefly(why)}{VisibleDevicesNote()} (use --device cpu)");
        var gpu = CudaBackend.Start(device.Index);
        Console.WriteLine($"CUDA: {device} is {gpu.Description}, {gpu.Versions()}{VisibleDevicesNote()}");
        return gpu.Device;
    }

    /// <summary>"; CUDA_VISIBLE_DEVICES=2,3, so cuda:0 is the first GPU of that list" when the variable is set, else "".</summary>
    public static string VisibleDevicesNote()
        => Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES") is { } visible
            ? $"; CUDA_VISIBLE_DEVICES={visible}, so cuda:0 is the first GPU of that list"
            : "";

    /// <summary>
    /// True for an allocation failure on the GPU: the allocator's cuMemAlloc (after it has released its cache) reports
    /// CUDA_ERROR_OUT_OF_MEMORY, cuBLAS its workspace failure as CUBLAS_STATUS_ALLOC_FAILED; both name the error in the message.
    /// </summary>
    public static bool IsOutOfMemory(Exception e)
        => e is CudaException && (e.Message.Contains("CUDA_ERROR_OUT_OF_MEMORY", StringComparison.Ordinal)
                                  || e.Message.Contains("CUBLAS_STATUS_ALLOC_FAILED", StringComparison.Ordinal));
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>
/// Starts the CUDA backend: opens a GPU, registers its <see cref="CudaKernels"/> for <see cref="Device.Cuda"/>(i) and the
/// host↔device copy with <see cref="Backends"/>. Without a GPU nothing here is needed: the engine runs on the CPU backend.
/// </summary>
public static class CudaBackend
{
    private static readonly Dictionary<int, CudaKernels> _started = new();

    /// <summary>The kernels of the device, started on first call (compiling the kernels lazily, family by family).</summary>
    public static CudaKernels Start(int device = 0)
    {
        lock (_started)
        {
            if (_started.TryGetValue(device, out var k)) return k;
            k = new CudaKernels(new CudaDevice(device));
            Backends.Register(Device.Cuda(device), k, Transfer);
            _started[device] = k;
            return k;
        }
    }

    /// <summary>
    /// One line per CUDA library in use: its file, the driver's CUDA version, and any newer NVRTC or cuBLAS passed
    /// over because the driver cannot use it (alae selftest prints these under its header).
    /// </summary>
    public static IReadOnlyList<string> Libraries() => NativeLibraries.Describe();

    /// <summary>
    /// The first line of <see cref="IsAvailable"/>'s reason: what failed and how to choose a library, without the list of
    /// every path the loader tried (one per line).
    /// </summary>
    public static string Briefly(string why) => why.Split('\n')[0].Replace("; tried:", "", StringComparison.Ordinal);

    /// <summary>True when a GPU, its driver, NVRTC and cuBLAS can all be loaded; otherwise why not. Never throws.</summary>
    public static unsafe bool IsAvailable(out string why, int device = 0)
    {
        try
        {
            NativeLibraries.Load(NativeLibraries.Cuda);
            Cu.Check(Cu.Init(0));
            int count;
            Cu.Check(Cu.DeviceGetCount(&count));
            if (device >= count)
            {
                why = count == 0 ? "the CUDA driver reports no GPU"
                    : $"cuda:{device} asked for, the driver shows {count} GPU{(count == 1 ? " (cuda:0)" : $"s (cuda:0 to cuda:{count - 1})")}";
                return false;
            }
            NativeLibraries.Load(NativeLibraries.Nvrtc);
            NativeLibraries.Load(NativeLibraries.Cublas);
            why = "";
            return true;
        }
        catch (CudaException e) { why = e.Message; }
        catch (DllNotFoundException e) { why = e.Message; }
        catch (EntryPointNotFoundException e) { why = e.Message; }
        return false;
    }

    // the copy registered with Backends: host ↔ device, or device → device through the host
    private static unsafe void Transfer(Tensor src, Tensor dst)
    {
        long bytes = (long)src.Length * src.DType.SizeOf();
        if (bytes == 0) return;
        if (src.Storage is Cpu.CpuStorage && dst.Storage is CudaStorage d)
        {
            var k = Gpu(dst);
            k.MakeCurrent();
            k.Record(CudaDevice.Operation.Memory, new LaunchCost(bytes, 0), "memcpy host→device");
            k.Profiler?.Before();
            fixed (byte* h = HostBytes(src)) Cu.Check(Cu.MemcpyHtoDAsync(d.Pointer, h, (nuint)bytes, k.Stream));
            k.Profiler?.After("memcpy host→device");
        }
        else if (src.Storage is CudaStorage s && dst.Storage is Cpu.CpuStorage)
        {
            var k = Gpu(src);
            k.MakeCurrent();
            k.Record(CudaDevice.Operation.Readback, new LaunchCost(bytes, 0), "memcpy device→host");
            k.Profiler?.Before();
            fixed (byte* h = HostBytes(dst)) Cu.Check(Cu.MemcpyDtoHAsync(h, s.Pointer, (nuint)bytes, k.Stream));
            k.Profiler?.After("memcpy device→host");
            k.Synchronize();
        }
        else
        {
            using var host = src.MoveTo(Device.Cpu);
            Transfer(host, dst);
        }
    }

    private static CudaDevice Gpu(Tensor t) => ((CudaKernels)Backends.For(t.Device)).Gpu;

    private static Span<byte> HostBytes(Tensor t) => t.DType == DType.Float32
        ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span<float>())
        : System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span<double>());
}

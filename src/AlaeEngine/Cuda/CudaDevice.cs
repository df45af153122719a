using System.Runtime.InteropServices;
using System.Text;

namespace AlaeEngine.Cuda;

/// <summary>
/// One GPU as the engine uses it: the primary context (the one cuBLAS's runtime also picks), one stream that every
/// kernel, copy and GEMM is issued on (so they run in order with no host synchronisation; uploads from the host go
/// through <see cref="Uploads"/>' copy stream, which the stream waits for), a cuBLAS handle bound to
/// that stream, the loaded kernel modules and the memory allocator. Lives as long as the process. The stream is
/// non-blocking: work another library queues on the legacy default stream (stream 0) neither waits for it nor makes
/// it wait; the engine itself never uses stream 0 (only the asynchronous copies and memsets, on its own stream).
/// </summary>
internal sealed unsafe class CudaDevice
{
    [ThreadStatic] private static nint t_current;

    private readonly Dictionary<string, nint> _modules = new();
    private readonly Dictionary<string, nint> _functions = new();

    public int Ordinal { get; }
    public string Name { get; }
    /// <summary>Compute capability as major·10 + minor (90 for an H100).</summary>
    public int Arch { get; }
    public nint Context { get; }
    public nint Stream { get; }
    public nint Blas { get; }
    public CudaAllocator Allocator { get; }

    /// <summary>Host → device copies (pinned staging on a copy stream), made at the first upload; lives as long as the device.</summary>
    public HostUploader Uploads => _uploads.Value;
    private readonly Lazy<HostUploader> _uploads;

    // counters behind CudaActivity; only the thread that drives the device changes them
    internal long KernelLaunches, BlasCalls, MemoryOperations, HostWaits;
    private double _bytes, _flops, _modelledFp32, _modelledTf32;

    public CudaActivity Activity => new(KernelLaunches, BlasCalls, MemoryOperations, HostWaits, _bytes, _flops, _modelledFp32, _modelledTf32);

    /// <summary>The ceilings the modelled times of <see cref="Activity"/> accumulate with (an H100's unless set).</summary>
    public CostCeilings Ceilings { get; set; } = CostCeilings.H100;

    /// <summary>The kinds of operation <see cref="Record"/> counts; a copy to the host is costed but counted as a host wait.</summary>
    internal enum Operation { Kernel, Gemm, Memory, Readback }

    /// <summary>
    /// Counts one operation issued on the stream and adds its cost to the model: every launch site calls it once, with
    /// the cost computed from the shapes it launches with. An operation that declares no bytes is a launcher bug.
    /// </summary>
    internal void Record(Operation op, LaunchCost cost, string what)
    {
        if (!(cost.Bytes > 0)) throw new ArgumentException($"{what}: a GPU operation must declare the bytes it moves (LaunchCost)");
        if (op == Operation.Kernel) KernelLaunches++;
        else if (op == Operation.Gemm) BlasCalls++;
        else if (op == Operation.Memory) MemoryOperations++;
        _bytes += cost.Bytes;
        _flops += cost.Flops;
        LastCost = (cost, Ceilings.Seconds(cost, tf32Gemm: false));
        _modelledFp32 += LastCost.ModelledSeconds;
        _modelledTf32 += Ceilings.Seconds(cost, tf32Gemm: op == Operation.Gemm);
    }

    /// <summary>The cost and modelled seconds (FP32 GEMMs) of the operation recorded last, for the profiler's rows.</summary>
    internal (LaunchCost Cost, double ModelledSeconds) LastCost { get; private set; }

    /// <summary>The profiler bracketing every operation with events, while one is attached.</summary>
    internal CudaProfiler? Profiler;

    public CudaDevice(int ordinal)
    {
        NativeLibraries.Load(NativeLibraries.Cuda);
        Cu.Check(Cu.Init(0));
        int dev, major, minor;
        Cu.Check(Cu.DeviceGet(&dev, ordinal));
        Cu.Check(Cu.DeviceGetAttribute(&major, Cu.AttrComputeCapabilityMajor, dev));
        Cu.Check(Cu.DeviceGetAttribute(&minor, Cu.AttrComputeCapabilityMinor, dev));
        byte* name = stackalloc byte[256];
        Cu.Check(Cu.DeviceGetName(name, 256, dev));
        Ordinal = ordinal;
        Name = Marshal.PtrToStringUTF8((nint)name) ?? $"cuda:{ordinal}";
        Arch = major * 10 + minor;
        nint ctx, stream, blas;
        Cu.Check(Cu.DevicePrimaryCtxRetain(&ctx, dev));
        Context = ctx;
        MakeCurrent();
        Cu.Check(Cu.StreamCreate(&stream, Cu.StreamNonBlocking));
        Stream = stream;
        NativeLibraries.Load(NativeLibraries.Cublas);
        Cublas.Check(Cublas.Create(&blas));
        Blas = blas;
        Cublas.Check(Cublas.SetStream(blas, stream));
        Allocator = new CudaAllocator(this);
        _uploads = new Lazy<HostUploader>(() => new HostUploader(this));
    }

    /// <summary>Makes the context current on the calling thread (contexts are per thread; test runners use pools).</summary>
    public void MakeCurrent()
    {
        if (t_current == Context) return;
        Cu.Check(Cu.CtxSetCurrent(Context));
        t_current = Context;
    }

    public void Synchronize()
    {
        MakeCurrent();
        HostWaits++;
        Cu.Check(Cu.StreamSynchronize(Stream));
    }

    /// <summary>The entry point of a kernel family, compiling (or reading from the cache) and loading the family on first use.</summary>
    public nint Function(KernelFamily family, string entryPoint)
    {
        lock (_functions)
        {
            string key = family.Name + "/" + entryPoint;
            if (_functions.TryGetValue(key, out var f)) return f;
            MakeCurrent();
            if (!_modules.TryGetValue(family.Name, out var module))
            {
                module = LoadModule(family.Name);
                _modules[family.Name] = module;
            }
            var name = Encoding.UTF8.GetBytes(entryPoint + "\0");
            fixed (byte* n = name) Cu.Check(Cu.ModuleGetFunction(&f, module, n));
            _functions[key] = f;
            return f;
        }
    }

    /// <summary>
    /// Compiles (or reads from the cache) and loads one kernel family. A cached image the driver rejects — a truncated or
    /// corrupt file — is deleted with a warning on standard error and compiled once more; only a fresh image that fails
    /// to load is an error.
    /// </summary>
    internal nint LoadModule(string family)
    {
        MakeCurrent();
        var compiled = KernelCompiler.Compile(family, Arch);
        int r = TryLoad(compiled.Image, out var module);
        if (r != 0 && compiled.FromCache)
        {
            Console.Error.WriteLine($"warning: the driver rejected the cached kernel image {compiled.CacheFile} ({Cu.Describe(r)}); " +
                                    $"deleted it and compiling kernels/{family}.cu again");
            KernelCompiler.Evict(compiled.CacheFile);
            compiled = KernelCompiler.Compile(family, Arch, readCache: false);
            r = TryLoad(compiled.Image, out module);
        }
        if (r != 0) throw new CudaException($"cuModuleLoadData(kernels/{family}.cu for {compiled.Target}) failed: {Cu.Describe(r)}");
        return module;
    }

    private static int TryLoad(byte[] image, out nint module)
    {
        nint m;
        int r;
        fixed (byte* p = image) r = Cu.ModuleLoadData(&m, p);
        module = m;
        return r;
    }
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>
/// <see cref="IKernels"/> on one GPU: every method launches kernels from kernels/*.cu (or cuBLAS) on the device's
/// stream and returns without waiting, so a training step queues its work and only a copy to the host synchronises.
/// Each method computes the function of the same method of <see cref="Cpu.CpuKernels"/>; the parity tests compare
/// them. Families live in the partial files beside this one.
/// </summary>
public sealed unsafe partial class CudaKernels : IKernels
{
    private const int Threads = 256;

    private readonly CudaDevice _device;

    internal CudaKernels(CudaDevice device) => _device = device;

    internal CudaDevice Gpu => _device;

    /// <summary>
    /// The largest grid a launcher asks for (65535·8 blocks); kernels loop grid-stride past it, so a tensor of more than
    /// MaxBlocks·256 elements (134,215,680) takes a second pass. Tests lower it to run those later passes on small tensors.
    /// </summary>
    internal int MaxBlocks { get; set; } = 65535 * 8;

    public Device Device => Device.Cuda(_device.Ordinal);
    /// <summary>The GPU's name and compute capability, e.g. "NVIDIA H100 80GB HBM3 (sm_90)".</summary>
    public string Description => $"{_device.Name} (sm_{_device.Arch})";
    public CudaAllocator Allocator => _device.Allocator;
    /// <summary>Launches, cuBLAS calls, memory operations and host waits issued to this GPU so far, and their modelled cost.</summary>
    public CudaActivity Activity => _device.Activity;

    /// <summary>The cost model's ceilings for <see cref="Activity"/> (an H100's unless set; set them before the work they should price).</summary>
    public CostCeilings Ceilings { get => _device.Ceilings; set => _device.Ceilings = value; }

    /// <summary>Lets cuBLAS use TF32 tensor cores for float32 GEMMs (about 1e-3 relative error instead of 1e-6).</summary>
    public static bool AllowTf32 { get; set; }

    /// <summary>Waits until all queued work of this device has finished (for timing, or before reading results).</summary>
    public void Synchronize() => _device.Synchronize();

    /// <summary>Starts timing the GPU work queued from now on.</summary>
    public CudaTimer StartTimer() => new(_device);

    /// <summary>Starts timing every operation queued from now on, per kernel, GEMM shape and memory operation (see <see cref="CudaProfiler"/>).</summary>
    public CudaProfiler StartProfiler()
    {
        _device.MakeCurrent();
        return new CudaProfiler(_device);
    }

    /// <summary>Free and total device memory in bytes, as the driver reports them (other processes included).</summary>
    public (long Free, long Total) MemoryInfo()
    {
        _device.MakeCurrent();
        nuint free, total;
        Cu.Check(Cu.MemGetInfo(&free, &total));
        return ((long)free, (long)total);
    }

    /// <summary>Driver, NVRTC and cuBLAS versions, e.g. "driver 13.0, NVRTC 13.0, cuBLAS 13.1.0".</summary>
    public string Versions()
    {
        _device.MakeCurrent();
        int driver, blas;
        Cu.Check(Cu.DriverGetVersion(&driver));
        Cublas.Check(Cublas.GetVersion(_device.Blas, &blas));
        var (nm, nn) = KernelCompiler.NvrtcVersion();
        return $"driver {driver / 1000}.{driver % 1000 / 10}, NVRTC {nm}.{nn}, cuBLAS {blas / 10000}.{blas % 10000 / 100}.{blas % 100}";
    }

    public Storage Allocate(int length, DType dtype, bool clear)
    {
        _device.MakeCurrent();
        var s = new CudaStorage(length, dtype, Device, _device.Allocator);
        if (clear && length > 0)
        {
            _device.Record(CudaDevice.Operation.Memory, LaunchCost.Elements(0, length, dtype), "memset");
            _device.Profiler?.Before();
            Cu.Check(Cu.MemsetD32Async(s.Pointer, 0, (nuint)((long)length * dtype.SizeOf() / 4), _device.Stream));
            _device.Profiler?.After("memset");
        }
        return s;
    }

    public void Fill(Tensor dst, double value)
    {
        int n = dst.Length;
        Launch(KernelCatalog.Elementwise, "fill", dst.DType, n, LaunchCost.Of([], [dst]), Ptr(dst), n, Scalar(dst, value));
    }

    public void Copy(Tensor src, Tensor dst)
    {
        RequireSameLength("Copy", src, dst);
        int n = src.Length;
        if (n == 0) return;
        if (src.DType == dst.DType)
        {
            _device.MakeCurrent();
            _device.Record(CudaDevice.Operation.Memory, LaunchCost.Of([src], [dst]), "memcpy device→device");
            _device.Profiler?.Before();
            Cu.Check(Cu.MemcpyDtoDAsync(Ptr(dst), Ptr(src), (nuint)((long)n * src.DType.SizeOf()), _device.Stream));
            _device.Profiler?.After("memcpy device→device");
            return;
        }
        string name = src.DType == DType.Float32 ? "convert_f32_f64" : "convert_f64_f32";
        LaunchNamed(KernelCatalog.Elementwise, name, n, LaunchCost.Of([src], [dst]), Ptr(src), Ptr(dst), n);
    }

    /// <summary>The device address of a tensor of this device.</summary>
    private ulong Ptr(Tensor t)
    {
        t.ThrowIfDisposed();
        if (t.Storage is not CudaStorage s || t.Device != Device)
            throw new ArgumentException($"tensor {t} is not on {Device}; move it there first (MoveTo)");
        return s.Pointer;
    }

    /// <summary>A T-typed scalar argument for a kernel instantiated for t's dtype.</summary>
    private static KernelArg Scalar(Tensor t, double v) => Scalar(t.DType, v);

    private static KernelArg Scalar(DType dtype, double v) => dtype == DType.Float32 ? (KernelArg)(float)v : v;

    private static void RequireSameLength(string op, Tensor a, Tensor b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"{op}: {a.Shape} and {b.Shape} differ in length");
    }

    private static void RequireSameDType(string op, params Tensor[] ts)
    {
        foreach (var t in ts)
            if (t.DType != ts[0].DType) throw new ArgumentException($"{op}: mixed dtypes ({ts[0].DType.Name()} and {t.DType.Name()})");
    }

    /// <summary>
    /// Launches baseName_f32/_f64 with a 1-D grid covering n elements (nothing when n is 0). <paramref name="cost"/>: what
    /// the launch must move and compute (<see cref="LaunchCost.Of"/> over the tensors it reads and writes), for the cost model.
    /// </summary>
    private void Launch(KernelFamily family, string baseName, DType dtype, long n, LaunchCost cost, params ReadOnlySpan<KernelArg> args)
        => LaunchNamed(family, family.EntryPoint(baseName, dtype), n, cost, args);

    private void LaunchNamed(KernelFamily family, string entryPoint, long n, LaunchCost cost, params ReadOnlySpan<KernelArg> args)
    {
        if (n <= 0) return;
        LaunchGrid(family, entryPoint, (uint)Math.Min((n + Threads - 1) / Threads, MaxBlocks), Threads, cost, args);
    }

    /// <summary>
    /// Launches baseName_f32/_f64 with one block per plane of <paramref name="inner"/> elements (grid-stride past
    /// <see cref="MaxBlocks"/>): a warp for short planes, up to <see cref="Threads"/> threads while each keeps ≥ 4 elements.
    /// </summary>
    private void LaunchPlanes(KernelFamily family, string baseName, DType dtype, int planes, int inner, LaunchCost cost, ReadOnlySpan<KernelArg> args)
    {
        if (planes <= 0) return;
        uint threads = 32;
        while (threads < Threads && threads * 8 <= inner) threads *= 2;
        LaunchGrid(family, family.EntryPoint(baseName, dtype), (uint)Math.Min(planes, MaxBlocks), threads, cost, args);
    }

    private void LaunchGrid(KernelFamily family, string entryPoint, uint blocks, uint threads, LaunchCost cost, ReadOnlySpan<KernelArg> args)
    {
        var f = _device.Function(family, entryPoint);
        _device.MakeCurrent();
        void** p = stackalloc void*[args.Length];
        fixed (KernelArg* a = args)
        {
            for (int i = 0; i < args.Length; i++) p[i] = a[i].External != null ? a[i].External : &a[i];
            _device.Record(CudaDevice.Operation.Kernel, cost, entryPoint);
            _device.Profiler?.Before();
            int r = Cu.LaunchKernel(f, blocks, 1, 1, threads, 1, 1, 0, _device.Stream, p, null);
            if (r != 0) throw new CudaException($"cuLaunchKernel({family.Name}/{entryPoint}, grid {blocks}, block {threads}) failed: {Cu.Describe(r)}");
            _device.Profiler?.After(entryPoint);
        }
    }
}

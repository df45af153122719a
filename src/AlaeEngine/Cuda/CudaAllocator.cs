namespace AlaeEngine.Cuda;

/// <summary>
/// Device memory with a cache of freed blocks keyed by rounded size, so a training step's temporaries are recycled
/// without cuMemAlloc/cuMemFree (which synchronise the device). Reuse is safe without events because every kernel,
/// copy and GEMM runs on the device's one stream: work that used a block is ordered before work that reuses it.
/// Sizes are rounded up to 512 B, and above 1 MiB to a quarter of their power of two (at most 25 % slack).
/// <see cref="Limit"/> caps the bytes held from the driver (in use and cached), e.g. to share a GPU; it starts from the
/// environment variable ALAE_CUDA_MEMORY_LIMIT (bytes, or with a K, M or G suffix).
/// </summary>
public sealed unsafe class CudaAllocator
{
    private const long SmallGranule = 512, LargeFrom = 1 << 20;

    private readonly CudaDevice _device;
    private readonly Dictionary<long, Stack<ulong>> _cache = new();

    public const string LimitVariable = "ALAE_CUDA_MEMORY_LIMIT";

    internal CudaAllocator(CudaDevice device)
    {
        _device = device;
        if (Environment.GetEnvironmentVariable(LimitVariable) is { Length: > 0 } limit) Limit = ParseLimit(limit);
    }

    /// <summary>Most bytes this allocator may hold from the driver (0: no limit beyond the GPU's own).</summary>
    public long Limit { get; set; }

    /// <summary>"4G", "512M", "64K" or a byte count → bytes (binary units).</summary>
    public static long ParseLimit(string text)
    {
        string t = text.Trim();
        long unit = char.ToUpperInvariant(t.Length > 0 ? t[^1] : ' ') switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        if (unit > 1) t = t[..^1];
        if (!double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) || !(v > 0) || v * unit > long.MaxValue)
            throw new ArgumentException($"{LimitVariable}='{text}': expected a positive size such as 8G, 512M or 1000000");
        return (long)(v * unit);
    }

    /// <summary>Bytes held by live storages (rounded sizes).</summary>
    public long InUseBytes { get; private set; }
    /// <summary>Bytes of freed blocks kept for reuse.</summary>
    public long CachedBytes { get; private set; }
    /// <summary>The largest <see cref="InUseBytes"/> since start or the last <see cref="ResetPeak"/>.</summary>
    public long PeakBytes { get; private set; }

    public void ResetPeak()
    {
        lock (_cache) PeakBytes = InUseBytes;
    }

    public static long RoundUp(long bytes)
    {
        if (bytes <= LargeFrom) return Math.Max(SmallGranule, (bytes + SmallGranule - 1) / SmallGranule * SmallGranule);
        long quarter = (1L << (int)(63 - long.LeadingZeroCount(bytes - 1))) / 4;
        return (bytes + quarter - 1) / quarter * quarter;
    }

    internal ulong Rent(long bytes, out long rounded)
    {
        rounded = RoundUp(bytes);
        lock (_cache)
        {
            ulong ptr;
            if (_cache.TryGetValue(rounded, out var stack) && stack.Count > 0)
            {
                ptr = stack.Pop();
                CachedBytes -= rounded;
            }
            else ptr = AllocateNew(rounded);
            InUseBytes += rounded;
            PeakBytes = Math.Max(PeakBytes, InUseBytes);
            return ptr;
        }
    }

    /// <summary>Takes a block back into the cache; makes no driver call, so any thread may return memory.</summary>
    internal void Return(ulong ptr, long rounded)
    {
        lock (_cache)
        {
            if (!_cache.TryGetValue(rounded, out var stack)) _cache[rounded] = stack = new Stack<ulong>();
            stack.Push(ptr);
            InUseBytes -= rounded;
            CachedBytes += rounded;
        }
    }

    /// <summary>Gives every cached block back to the driver (after the stream has finished with them).</summary>
    public void Trim()
    {
        lock (_cache)
        {
            if (CachedBytes == 0) return;
            _device.Synchronize();
            foreach (var stack in _cache.Values)
                while (stack.Count > 0) Cu.Check(Cu.MemFree(stack.Pop()));
            CachedBytes = 0;
        }
    }

    // on out-of-memory (the driver's, or the limit's) the cache is released and the allocation tried once more
    private ulong AllocateNew(long bytes)
    {
        _device.MakeCurrent();
        if (Limit > 0 && InUseBytes + CachedBytes + bytes > Limit)
        {
            Trim();
            if (InUseBytes + bytes > Limit)
                throw new CudaException($"cuMemAlloc_v2({bytes} bytes) on {_device.Name} refused: CUDA_ERROR_OUT_OF_MEMORY under {LimitVariable}={Limit} B; " +
                                        $"in use {InUseBytes} B");
        }
        ulong ptr;
        int r = Cu.MemAlloc(&ptr, (nuint)bytes);
        if (r == Cu.ErrorOutOfMemory && CachedBytes > 0)
        {
            Trim();
            r = Cu.MemAlloc(&ptr, (nuint)bytes);
        }
        if (r != 0)
            throw new CudaException($"cuMemAlloc_v2({bytes} bytes) on {_device.Name} failed: {Cu.Describe(r)}; " +
                                    $"in use {InUseBytes} B, cached {CachedBytes} B");
        return ptr;
    }
}

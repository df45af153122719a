namespace AlaeEngine.Cuda;

/// <summary>
/// Device memory with a cache of freed blocks keyed by rounded size, so a training step's temporaries are recycled
/// without cuMemAlloc/cuMemFree (which synchronise the device). Reuse is safe without events because every kernel,
/// copy and GEMM runs on the device's one stream: work that used a block is ordered before work that reuses it.
/// Sizes are rounded up to 512 B, and above 1 MiB to a quarter of their power of two (at most 25 % slack).
/// </summary>
public sealed unsafe class CudaAllocator
{
    private const long SmallGranule = 512, LargeFrom = 1 << 20;

    private readonly CudaDevice _device;
    private readonly Dictionary<long, Stack<ulong>> _cache = new();

    internal CudaAllocator(CudaDevice device) => _device = device;

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

    // on out-of-memory the cache is released and the allocation tried once more
    private ulong AllocateNew(long bytes)
    {
        _device.MakeCurrent();
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

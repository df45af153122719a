namespace AlaeEngine.Cpu;

/// <summary>
/// Splits independent work — rows, (n, c) planes, tensors — over <see cref="CpuKernels.Threads"/> workers in
/// contiguous ranges. Each item is computed by one worker in the same order as on one thread, so results do not depend
/// on the thread count. Small jobs stay on the calling thread: a hand-off costs about 10 µs (<see cref="WorkerTeam"/>).
/// </summary>
internal static class CpuParallel
{
    // elements (or multiply-adds) below which one thread finishes before a second would start
    private const long MinWork = 1 << 15;

    /// <summary>Runs body(lo, hi) over ranges covering [0, count); workPerItem sizes the job (elements per item).</summary>
    public static void For(int count, long workPerItem, Action<int, int> body)
    {
        int workers = (int)Math.Min(Math.Min(CpuKernels.Threads, count), Math.Max(1, count * Math.Max(workPerItem, 1) / MinWork));
        if (workers <= 1)
        {
            if (count > 0) body(0, count);
            return;
        }
        Split(count, workers, body);
    }

    /// <summary>Runs body(lo, hi) on exactly <paramref name="workers"/> workers, each a contiguous share of [0, count).</summary>
    public static void Split(int count, int workers, Action<int, int> body)
        => WorkerTeam.Run(workers, w => body((int)((long)count * w / workers), (int)((long)count * (w + 1) / workers)));

    /// <summary>
    /// Runs body(start, end) over element ranges covering [0, length), split at multiples of 64 elements; each element
    /// costs workPerElement (1 for a pass over the elements).
    /// </summary>
    public static void ForElements(int length, Action<int, int> body, long workPerElement = 1)
    {
        const int block = 64;
        For((length + block - 1) / block, block * workPerElement, (lo, hi) => body(lo * block, Math.Min(length, hi * block)));
    }
}

namespace AlaeEngine.Cpu;

/// <summary>
/// The CPU backend's host memory. Arrays come in size classes (four per power of two, so at most a quarter of one is
/// unused), are kept on free lists when released and handed out again: a training loop that allocates the same
/// tensors every iteration stops allocating after the first, so it touches no fresh pages and gives the garbage
/// collector nothing to do (the shared ArrayPool keeps only a few arrays per size and core, and hands out new ones when
/// they run dry). Arrays of a size class that nobody has rented for a whole sweep period (2^16 rents, tens of training
/// iterations) go back to the collector, so held memory follows a change of resolution or batch size. Thread-safe.
/// </summary>
public static class HostMemoryPool
{
    private const int SweepPeriod = 1 << 16;
    private static readonly object Gate = new();
    private static long _rents, _inUse, _held, _peakInUse, _peakHeld;

    /// <summary>Bytes of arrays rented and not yet returned.</summary>
    public static long BytesInUse { get { lock (Gate) return _inUse; } }
    /// <summary>Bytes of all arrays the pool owns: in use, plus idle on its free lists.</summary>
    public static long BytesHeld { get { lock (Gate) return _held; } }
    public static long PeakBytesInUse { get { lock (Gate) return _peakInUse; } }
    public static long PeakBytesHeld { get { lock (Gate) return _peakHeld; } }

    /// <summary>Starts the peaks again from the present (before a measured run).</summary>
    public static void ResetPeaks()
    {
        lock (Gate) { _peakInUse = _inUse; _peakHeld = _held; }
    }

    /// <summary>An array of at least length elements (its size class), contents undefined.</summary>
    public static T[] Rent<T>(int length) where T : unmanaged
    {
        int size = ClassSize(length);
        lock (Gate)
        {
            if (++_rents % SweepPeriod == 0) Sweep();
            var array = Lists<T>.Take(size);
            long bytes = (long)size * Sizeof<T>();
            if (array == null) { _held += bytes; _peakHeld = Math.Max(_peakHeld, _held); }
            _inUse += bytes;
            _peakInUse = Math.Max(_peakInUse, _inUse);
            return array ?? GC.AllocateUninitializedArray<T>(size);
        }
    }

    /// <summary>Gives back an array from <see cref="Rent{T}"/>.</summary>
    public static void Return<T>(T[] array) where T : unmanaged
    {
        lock (Gate)
        {
            _inUse -= (long)array.Length * Sizeof<T>();
            Lists<T>.Put(array, _rents);
        }
    }

    /// <summary>
    /// The size class of a length: 64 elements at least, then steps of a quarter of the power of two below it
    /// (…, 1024, 1280, 1536, 1792, 2048, 2560, …).
    /// </summary>
    public static int ClassSize(int length)
    {
        if (length <= 64) return 64;
        int below = 1 << (31 - int.LeadingZeroCount(length - 1));
        int step = below / 4;
        return (int)Math.Min(int.MaxValue, ((long)length + step - 1) / step * step);
    }

    private static int Sizeof<T>() => typeof(T) == typeof(double) ? 8 : 4;

    // called under the gate: arrays idle since before the previous sweep are dropped
    private static void Sweep()
    {
        long cutoff = _rents - SweepPeriod;
        _held -= Lists<float>.Drop(cutoff) * 4 + Lists<double>.Drop(cutoff) * 8;
    }

    // the free arrays of one element type, by size, each with the rent count at which it came back
    private static class Lists<T> where T : unmanaged
    {
        private static readonly Dictionary<int, Stack<(T[] Array, long Stamp)>> Free = new();

        public static T[]? Take(int size) => Free.TryGetValue(size, out var s) && s.Count > 0 ? s.Pop().Array : null;

        public static void Put(T[] array, long stamp)
        {
            if (!Free.TryGetValue(array.Length, out var s)) Free[array.Length] = s = new Stack<(T[], long)>();
            s.Push((array, stamp));
        }

        /// <summary>Drops the arrays returned before cutoff; returns their element count.</summary>
        public static long Drop(long cutoff)
        {
            long elements = 0;
            foreach (var (size, s) in Free)
            {
                int idle = s.Count(e => e.Stamp < cutoff);
                if (idle == 0) continue;
                // a stack enumerates from the top: reversed, the kept arrays go back in their order
                var kept = s.Where(e => e.Stamp >= cutoff).Reverse().ToArray();
                s.Clear();
                foreach (var e in kept) s.Push(e);
                elements += (long)idle * size;
            }
            return elements;
        }
    }
}

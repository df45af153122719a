namespace AlaeEngine.Cuda;

/// <summary>
/// Host → device copies through pinned staging buffers on a copy stream of their own. A copy from pageable memory (a
/// .NET array) is staged by the driver while the host waits, and only once the stream has drained up to it: the host
/// stops queueing work and the GPU idles while it catches up (≈ 200 MB per iteration at 1024² b16). Here the host copies
/// the bytes into one of two pinned buffers of <see cref="ChunkBytes"/> (a larger upload goes chunk by chunk,
/// alternating), queues cuMemcpyHtoDAsync of the buffer on the copy stream and records the buffer's event after it,
/// and the compute stream waits for the last chunk's event (cuStreamWaitEvent), so the kernels queued next see the data
/// and the host goes on at once. The copy stream first waits for the work already queued on the compute stream: the
/// destination may be memory the stream-ordered caching allocator handed back from it. A buffer is refilled only once
/// its event shows its previous copy done (cuEventSynchronize), so at most two chunks are in flight. The buffers are
/// allocated at the first upload and reused for every later one; <see cref="Dispose"/> waits for the copies and frees
/// buffers, events and stream.
/// </summary>
internal sealed unsafe class HostUploader : IDisposable
{
    public const int DefaultChunkBytes = 8 << 20;

    private readonly CudaDevice _device;
    private readonly nint _copyStream, _computeQueued;
    private readonly nint[] _buffers = new nint[2], _copied = new nint[2];
    private int _next;
    private bool _disposed;

    public int ChunkBytes { get; }

    public HostUploader(CudaDevice device, int chunkBytes = DefaultChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        _device = device;
        ChunkBytes = chunkBytes;
        device.MakeCurrent();
        nint stream, ev;
        Cu.Check(Cu.StreamCreate(&stream, Cu.StreamNonBlocking));
        _copyStream = stream;
        Cu.Check(Cu.EventCreate(&ev, Cu.EventDisableTiming));
        _computeQueued = ev;
        for (int k = 0; k < 2; k++)
        {
            Cu.Check(Cu.EventCreate(&ev, Cu.EventDisableTiming));
            _copied[k] = ev;
        }
    }

    /// <summary>Queues the copy of <paramref name="source"/> to device address <paramref name="destination"/>, ordered before the compute stream's next work.</summary>
    public void Upload(ReadOnlySpan<byte> source, ulong destination)
    {
        if (source.IsEmpty) return;
        lock (_buffers) UploadLocked(source, destination);    // the ring of buffers is one per device, whichever thread uploads
    }

    private void UploadLocked(ReadOnlySpan<byte> source, ulong destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _device.MakeCurrent();
        Cu.Check(Cu.EventRecord(_computeQueued, _device.Stream));
        Cu.Check(Cu.StreamWaitEvent(_copyStream, _computeQueued, 0));
        int last = 0;
        for (int at = 0; at < source.Length; at += ChunkBytes)
        {
            int k = last = _next, n = Math.Min(ChunkBytes, source.Length - at);
            _next ^= 1;
            if (_buffers[k] == 0)
            {
                void* p;
                Cu.Check(Cu.MemHostAlloc(&p, (nuint)ChunkBytes, 0));
                _buffers[k] = (nint)p;
            }
            else Cu.Check(Cu.EventSynchronize(_copied[k]));    // its previous copy has read it
            source.Slice(at, n).CopyTo(new Span<byte>((void*)_buffers[k], n));
            Cu.Check(Cu.MemcpyHtoDAsync(destination + (ulong)at, (void*)_buffers[k], (nuint)n, _copyStream));
            Cu.Check(Cu.EventRecord(_copied[k], _copyStream));
        }
        Cu.Check(Cu.StreamWaitEvent(_device.Stream, _copied[last], 0));
    }

    public void Dispose()
    {
        lock (_buffers) DisposeLocked();
    }

    private void DisposeLocked()
    {
        if (_disposed) return;
        _disposed = true;
        _device.MakeCurrent();
        Cu.Check(Cu.StreamSynchronize(_copyStream));
        foreach (var b in _buffers)
            if (b != 0) Cu.Check(Cu.MemFreeHost((void*)b));
        foreach (var e in _copied) Cu.Check(Cu.EventDestroy(e));
        Cu.Check(Cu.EventDestroy(_computeQueued));
        Cu.Check(Cu.StreamDestroy(_copyStream));
    }
}

namespace AlaeEngine.Cuda;

/// <summary>
/// Times the work queued on a device's stream between construction and <see cref="ElapsedMilliseconds"/> with two CUDA
/// events, so the measurement is GPU time, not the time the host spent queueing launches.
/// </summary>
public sealed unsafe class CudaTimer : IDisposable
{
    private readonly CudaDevice _device;
    private nint _start, _end;

    internal CudaTimer(CudaDevice device)
    {
        _device = device;
        device.MakeCurrent();
        nint start, end;
        Cu.Check(Cu.EventCreate(&start, 0));
        Cu.Check(Cu.EventCreate(&end, 0));
        _start = start; _end = end;
        Cu.Check(Cu.EventRecord(_start, device.Stream));
    }

    /// <summary>Records the end event, waits for it and returns the GPU time since the start event.</summary>
    public float ElapsedMilliseconds()
    {
        ObjectDisposedException.ThrowIf(_start == 0, this);
        _device.MakeCurrent();
        Cu.Check(Cu.EventRecord(_end, _device.Stream));
        Cu.Check(Cu.EventSynchronize(_end));
        float ms;
        Cu.Check(Cu.EventElapsedTime(&ms, _start, _end));
        return ms;
    }

    public void Dispose()
    {
        if (_start == 0) return;
        _device.MakeCurrent();
        Cu.Check(Cu.EventDestroy(_start));
        Cu.Check(Cu.EventDestroy(_end));
        _start = _end = 0;
    }
}

namespace AlaeEngine.Cuda;

/// <summary>
/// GPU time of one kind of operation over a profiled run (a kernel entry point, a GEMM shape, a memory operation), with
/// the cost model's bytes and modelled milliseconds (FP32 GEMMs) of the same operations.
/// </summary>
public sealed record KernelProfileRow(string Name, long Calls, double Milliseconds, double Bytes = 0, double ModelledMilliseconds = 0);

/// <summary>
/// Where the GPU time goes: while attached to a device, every kernel launch, cuBLAS call and memory operation is
/// bracketed by two CUDA events on the device's stream, and <see cref="Finish"/> sums the time between them per name.
/// The events cost the host a few µs per operation, so profile separately from timing. Names: kernels by entry point,
/// GEMMs as "cublas gemm m×n×k (batch b)", copies and memsets by kind.
/// </summary>
public sealed unsafe class CudaProfiler : IDisposable
{
    private readonly CudaDevice _device;
    private readonly List<(string name, nint start, nint end, LaunchCost cost, double modelled)> _records = new();
    private readonly Stack<nint> _free = new();
    private nint _pendingStart;

    internal CudaProfiler(CudaDevice device)
    {
        if (device.Profiler != null) throw new InvalidOperationException("a profiler is already attached to this device");
        _device = device;
        device.Profiler = this;
    }

    // called by the device's launchers just before and just after they issue an operation
    internal void Before()
    {
        _pendingStart = Event();
        Cu.Check(Cu.EventRecord(_pendingStart, _device.Stream));
    }

    internal void After(string name)
    {
        var end = Event();
        Cu.Check(Cu.EventRecord(end, _device.Stream));
        var (cost, modelled) = _device.LastCost;   // every launch site records its cost before issuing
        _records.Add((name, _pendingStart, end, cost, modelled));
    }

    /// <summary>Detaches from the device, waits for the stream and returns the rows, longest total first.</summary>
    public IReadOnlyList<KernelProfileRow> Finish()
    {
        Detach();
        _device.Synchronize();
        var rows = new Dictionary<string, KernelProfileRow>();
        foreach (var (name, start, end, cost, modelled) in _records)
        {
            float ms;
            Cu.Check(Cu.EventElapsedTime(&ms, start, end));
            var r = rows.GetValueOrDefault(name) ?? new KernelProfileRow(name, 0, 0);
            rows[name] = r with { Calls = r.Calls + 1, Milliseconds = r.Milliseconds + ms, Bytes = r.Bytes + cost.Bytes,
                                  ModelledMilliseconds = r.ModelledMilliseconds + modelled * 1e3 };
            _free.Push(start); _free.Push(end);
        }
        _records.Clear();
        return rows.Values.OrderByDescending(r => r.Milliseconds).ThenByDescending(r => r.ModelledMilliseconds).ThenBy(r => r.Name).ToList();
    }

    public void Dispose()
    {
        Detach();
        _device.MakeCurrent();
        foreach (var (_, start, end, _, _) in _records) { _free.Push(start); _free.Push(end); }
        _records.Clear();
        while (_free.Count > 0) Cu.Check(Cu.EventDestroy(_free.Pop()));
    }

    private void Detach()
    {
        if (_device.Profiler == this) _device.Profiler = null;
    }

    private nint Event()
    {
        if (_free.Count > 0) return _free.Pop();
        nint e;
        Cu.Check(Cu.EventCreate(&e, 0));
        return e;
    }
}

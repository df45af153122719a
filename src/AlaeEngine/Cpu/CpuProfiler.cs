using System.Diagnostics;
using System.Reflection;
using System.Text;
using AlaeEngine.Cuda;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>
/// Where the CPU time goes: while attached, every <see cref="IKernels"/> call on the CPU passes through a proxy that
/// times it (wall clock, so a multithreaded kernel counts once) under its method name and the shapes of its tensor
/// arguments ("Conv2d x(16,64,32,32) w(64,64,3,3) y(16,64,32,32) 1 1"). The proxy costs about a microsecond a call, not
/// counted in the kernels' time, so profile separately from timing. <see cref="Finish"/> restores the plain kernels.
/// </summary>
public class CpuProfiler : DispatchProxy
{
    private readonly Dictionary<string, (long Calls, double Ms)> _rows = new();
    private IKernels _inner = CpuKernels.Instance;

    /// <summary>Starts profiling the CPU backend; only one profiler at a time.</summary>
    public static CpuProfiler Start()
    {
        var proxy = Create<IKernels, CpuProfiler>();
        var profiler = (CpuProfiler)(object)proxy;
        profiler._inner = Backends.Swap(Device.Cpu, proxy);
        if (profiler._inner is not CpuKernels)
        {
            Backends.Swap(Device.Cpu, profiler._inner);
            throw new InvalidOperationException("a CPU profiler is already attached");
        }
        return profiler;
    }

    /// <summary>Detaches and returns the rows per method and argument shapes, longest total first.</summary>
    public IReadOnlyList<KernelProfileRow> Finish()
    {
        if (Backends.For(Device.Cpu) == (IKernels)(object)this) Backends.Swap(Device.Cpu, _inner);
        lock (_rows)
            return _rows.Select(kv => new KernelProfileRow(kv.Key, kv.Value.Calls, kv.Value.Ms))
                .OrderByDescending(r => r.Milliseconds).ThenBy(r => r.Name).ToList();
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        var clock = Stopwatch.StartNew();
        object? result;
        try { result = method!.Invoke(_inner, args); }
        catch (TargetInvocationException e) when (e.InnerException != null) { throw e.InnerException; }
        double ms = clock.Elapsed.TotalMilliseconds;
        string name = Describe(method!, args);
        lock (_rows)
        {
            _rows.TryGetValue(name, out var r);
            _rows[name] = (r.Calls + 1, r.Ms + ms);
        }
        return result;
    }

    // the method and what decides its cost: tensor shapes, integer and flag arguments (scalars such as a scale, a
    // seed or an Adam step vary from call to call and would split one operation into many rows)
    private static string Describe(MethodInfo method, object?[]? args)
    {
        var s = new StringBuilder(method.Name);
        var names = method.GetParameters();
        for (int i = 0; i < (args?.Length ?? 0); i++)
            switch (args![i])
            {
                case Tensor t: s.Append(' ').Append(names[i].Name).Append(t.Shape); break;
                case int or bool or Enum: s.Append(' ').Append(args[i]); break;
                case System.Collections.ICollection list: s.Append(" [").Append(list.Count).Append(']'); break;
            }
        return s.ToString();
    }
}

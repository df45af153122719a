using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>Host memory rented from <see cref="HostMemoryPool"/>, so a training step's temporaries are recycled rather than collected.</summary>
public sealed class CpuStorage : Storage
{
    private float[]? _f32;
    private double[]? _f64;

    public CpuStorage(int length, DType dtype, bool clear = true) : base(length, dtype, Device.Cpu)
    {
        if (dtype == DType.Float32)
        {
            _f32 = HostMemoryPool.Rent<float>(length);
            if (clear) Array.Clear(_f32, 0, length);
        }
        else
        {
            _f64 = HostMemoryPool.Rent<double>(length);
            if (clear) Array.Clear(_f64, 0, length);
        }
    }

    public Span<T> Span<T>() where T : unmanaged
    {
        if (IsReleased) throw new ObjectDisposedException("tensor", "the tensor's storage was released (it was disposed or its scope ended)");
        if (typeof(T) == typeof(float) && _f32 != null) return System.Runtime.InteropServices.MemoryMarshal.Cast<float, T>(_f32.AsSpan(0, Length));
        if (typeof(T) == typeof(double) && _f64 != null) return System.Runtime.InteropServices.MemoryMarshal.Cast<double, T>(_f64.AsSpan(0, Length));
        throw new InvalidOperationException($"storage holds {DType.Name()}, asked for {typeof(T).Name}");
    }

    protected override void Free()
    {
        if (_f32 != null) { HostMemoryPool.Return(_f32); _f32 = null; }
        if (_f64 != null) { HostMemoryPool.Return(_f64); _f64 = null; }
    }
}

using AlaeEngine.Autograd;
using AlaeEngine.Cpu;

namespace AlaeEngine.Tensors;

/// <summary>
/// A contiguous, row-major n-dimensional array on one device, with the autograd bookkeeping of the tape:
/// a leaf that <see cref="RequiresGrad"/>, or the output of a recorded op (<see cref="GradFn"/>).
/// Disposal is deterministic: either explicitly, or by the <see cref="TensorScope"/> the tensor was created in.
/// </summary>
public sealed class Tensor : IDisposable
{
    private bool _disposed;

    internal Tensor(Storage storage, Shape shape)
    {
        if (storage.Length < shape.Length)
            throw new ArgumentException($"storage of {storage.Length} elements is too small for shape {shape}");
        Storage = storage;
        Shape = shape;
        TensorScope.Current?.Track(this);
    }

    public Shape Shape { get; }
    public DType DType => Storage.DType;
    public Device Device => Storage.Device;
    public int Rank => Shape.Rank;
    public int Length => Shape.Length;
    public Storage Storage { get; }
    public string? Name { get; set; }

    /// <summary>A leaf that gradients are computed for (a parameter, or the real images of the R1 penalty).</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>Gradient accumulated by <see cref="Autograd.Backward"/>; owned by this tensor.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The tape node that produced this tensor, or null for a leaf.</summary>
    internal Node? GradFn { get; set; }
    internal int OutputIndex { get; set; }

    /// <summary>True when gradients can flow into this tensor: a grad-requiring leaf or a recorded op output.</summary>
    public bool TracksGrad => RequiresGrad || GradFn != null;
    public bool IsDisposed => _disposed;

    public IKernels Kernels => Backends.For(Device);

    public static Tensor Empty(Shape shape, DType dtype = DType.Float32, Device? device = null)
        => new(Backends.For(device ?? Device.Cpu).Allocate(shape.Length, dtype, clear: false), shape);

    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32, Device? device = null)
        => new(Backends.For(device ?? Device.Cpu).Allocate(shape.Length, dtype, clear: true), shape);

    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        var t = Empty(shape, dtype, device);
        t.Kernels.Fill(t, value);
        return t;
    }

    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null)
        => Full(new Shape(), value, dtype, device);

    public static Tensor FromArray(float[] data, Shape shape, Device? device = null)
    {
        CheckCount(data.Length, shape);
        var t = new Tensor(new CpuStorage(shape.Length, DType.Float32, clear: false), shape);
        data.AsSpan(0, shape.Length).CopyTo(t.Span<float>());
        return device is { Kind: DeviceKind.Cuda } d ? t.MoveTo(d) : t;
    }

    public static Tensor FromArray(double[] data, Shape shape, Device? device = null)
    {
        CheckCount(data.Length, shape);
        var t = new Tensor(new CpuStorage(shape.Length, DType.Float64, clear: false), shape);
        data.AsSpan(0, shape.Length).CopyTo(t.Span<double>());
        return device is { Kind: DeviceKind.Cuda } d ? t.MoveTo(d) : t;
    }

    private static void CheckCount(int n, Shape shape)
    {
        if (n != shape.Length) throw new ArgumentException($"{n} values given for shape {shape} ({shape.Length} elements)");
    }

    /// <summary>Host view of a CPU tensor's elements.</summary>
    public Span<T> Span<T>() where T : unmanaged
    {
        ThrowIfDisposed();
        if (Storage is not CpuStorage cpu)
            throw new InvalidOperationException($"tensor {Shape} is on {Device}; copy it to the CPU (ToCpu) to read its elements");
        return cpu.Span<T>()[..Length];
    }

    public float[] ToFloatArray()
    {
        using var host = Device.Kind == DeviceKind.Cpu ? null : MoveTo(Device.Cpu);
        var src = host ?? this;
        if (src.DType == DType.Float32) return src.Span<float>().ToArray();
        var d = src.Span<double>();
        var r = new float[d.Length];
        for (int i = 0; i < d.Length; i++) r[i] = (float)d[i];
        return r;
    }

    public double[] ToDoubleArray()
    {
        using var host = Device.Kind == DeviceKind.Cpu ? null : MoveTo(Device.Cpu);
        var src = host ?? this;
        if (src.DType == DType.Float64) return src.Span<double>().ToArray();
        var f = src.Span<float>();
        var r = new double[f.Length];
        for (int i = 0; i < f.Length; i++) r[i] = f[i];
        return r;
    }

    /// <summary>The single element of a one-element tensor.</summary>
    public double Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item() needs a one-element tensor, got shape {Shape}");
        return ToDoubleArray()[0];
    }

    /// <summary>A copy on another device (not recorded on the tape).</summary>
    public Tensor MoveTo(Device device)
    {
        ThrowIfDisposed();
        var dst = Empty(Shape, DType, device);
        Backends.Transfer(this, dst);
        return dst;
    }

    /// <summary>A copy with another element type (not recorded on the tape).</summary>
    public Tensor Cast(DType dtype)
    {
        ThrowIfDisposed();
        var dst = Empty(Shape, dtype, Device);
        Kernels.Copy(this, dst);
        return dst;
    }

    /// <summary>A tensor sharing this one's storage with another shape of the same length (not recorded on the tape).</summary>
    internal Tensor View(Shape shape)
    {
        ThrowIfDisposed();
        if (shape.Length != Length) throw new ArgumentException($"cannot view {Shape} ({Length} elements) as {shape} ({shape.Length} elements)");
        Storage.AddRef();
        return new Tensor(Storage, shape);
    }

    /// <summary>A copy that is not connected to the tape.</summary>
    public Tensor Detach()
    {
        ThrowIfDisposed();
        var dst = Empty(Shape, DType, Device);
        Kernels.Copy(this, dst);
        return dst;
    }

    internal void ThrowIfDisposed()
    {
        if (_disposed) throw new ObjectDisposedException("tensor", $"tensor {Name ?? ""}{Shape} was disposed (explicitly or by its scope)");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Storage.Release();
        GradFn = null;
        Grad?.Dispose();
        Grad = null;
    }

    public override string ToString() => $"Tensor{Shape} {DType.Name()} {Device}{(Name != null ? " " + Name : "")}";
}

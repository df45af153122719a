using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Device memory of one tensor (and its views), rented from the device's caching allocator and returned to it on release.</summary>
public sealed class CudaStorage : Storage
{
    private readonly CudaAllocator? _allocator;
    private readonly CudaStorage? _parent;
    private readonly long _rounded;
    private ulong _pointer;

    internal CudaStorage(int length, DType dtype, Device device, CudaAllocator allocator) : base(length, dtype, device)
    {
        _allocator = allocator;
        _pointer = allocator.Rent((long)Math.Max(length, 1) * dtype.SizeOf(), out _rounded);
    }

    /// <summary>
    /// Elements [offset, offset + length) of another storage, which stays alive until this one is released. The engine's
    /// own tensors always start at an allocation (256-byte aligned); a view at an odd offset is how the tests run the
    /// kernels' paths for addresses that are not (the vector loads are taken only where the address allows).
    /// </summary>
    internal CudaStorage(CudaStorage parent, int offset, int length) : base(length, parent.DType, parent.Device)
    {
        if (offset < 0 || (long)offset + length > parent.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"elements [{offset}, {(long)offset + length}) are outside a storage of {parent.Length}");
        parent.AddRef();
        _parent = parent;
        _pointer = parent.Pointer + (ulong)offset * (ulong)parent.DType.SizeOf();
    }

    /// <summary>The device address of element 0.</summary>
    public ulong Pointer => IsReleased
        ? throw new ObjectDisposedException("tensor", "the tensor's storage was released (it was disposed or its scope ended)")
        : _pointer;

    public long Bytes => (long)Length * DType.SizeOf();

    protected override void Free()
    {
        if (_parent != null) _parent.Release();
        else _allocator!.Return(_pointer, _rounded);
        _pointer = 0;
    }
}

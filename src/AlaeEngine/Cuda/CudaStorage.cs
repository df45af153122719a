using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Device memory of one tensor (and its views), rented from the device's caching allocator and returned to it on release.</summary>
public sealed class CudaStorage : Storage
{
    private readonly CudaAllocator _allocator;
    private readonly long _rounded;
    private ulong _pointer;

    internal CudaStorage(int length, DType dtype, Device device, CudaAllocator allocator) : base(length, dtype, device)
    {
        _allocator = allocator;
        _pointer = allocator.Rent((long)Math.Max(length, 1) * dtype.SizeOf(), out _rounded);
    }

    /// <summary>The device address of element 0.</summary>
    public ulong Pointer => IsReleased
        ? throw new ObjectDisposedException("tensor", "the tensor's storage was released (it was disposed or its scope ended)")
        : _pointer;

    public long Bytes => (long)Length * DType.SizeOf();

    protected override void Free()
    {
        _allocator.Return(_pointer, _rounded);
        _pointer = 0;
    }
}

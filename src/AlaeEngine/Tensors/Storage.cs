namespace AlaeEngine.Tensors;

/// <summary>
/// A buffer of elements on one device. Several tensors (a tensor and its reshaped views) may share one storage;
/// it is released when the last of them is disposed, never by the garbage collector's timing.
/// </summary>
public abstract class Storage
{
    private int _refs = 1;

    protected Storage(int length, DType dtype, Device device)
    {
        Length = length; DType = dtype; Device = device;
    }

    public int Length { get; }
    public DType DType { get; }
    public Device Device { get; }
    public bool IsReleased => _refs <= 0;

    internal void AddRef()
    {
        if (_refs <= 0) throw new ObjectDisposedException("storage", "a view was taken of a tensor whose storage was already released");
        _refs++;
    }

    internal void Release()
    {
        if (--_refs == 0) Free();
    }

    /// <summary>Returns the memory to its pool or allocator.</summary>
    protected abstract void Free();
}

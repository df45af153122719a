using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// The pool of generated images Balanced PIONEER's encoder step draws its fakes from (the reference's utils.ImagePool,
/// after CycleGAN): a query of N images goes through them one by one; while the pool is not full an image is stored and
/// returned as is; once it is full, with probability ½ the image replaces a uniformly chosen stored one, which is
/// returned instead, and otherwise the image is returned as is. Every query draws 2·N uniform numbers from the caller's
/// stream whatever happens, so the stream position is a function of the images queried alone.
/// The state (the stored images) is <see cref="Snapshot"/> / <see cref="Restore"/>d for checkpoints. The trainer empties
/// the pool at every schedule rule change, so it never holds images of two resolutions.
/// </summary>
public sealed class ImagePool : IDisposable
{
    private Tensor? _images;   // (Capacity, C, H, W) once the first image arrives; rows [0, Count) are valid

    public ImagePool(int capacity)
    {
        if (capacity < 0) throw new ArgumentException($"image pool: capacity must be ≥ 0, got {capacity}");
        Capacity = capacity;
    }

    public int Capacity { get; }
    public int Count { get; private set; }

    /// <summary>images: (N, C, H, W) → (N, C, H, W), a new tensor on the images' device (not on the tape).</summary>
    public Tensor Query(Tensor images, RandomStream random)
    {
        if (images.Rank != 4) throw new ArgumentException($"image pool: images must be (N, C, H, W), got {images.Shape}");
        int n = images.Shape[0];
        var result = images.Detach();
        if (Capacity == 0) return result;
        if (_images != null && ImageShape(_images) != ImageShape(images))
            throw new ArgumentException($"image pool: holds images of shape {ImageShape(_images)}, was given {ImageShape(images)} (empty it when the resolution changes)");
        if (_images != null && (_images.DType != images.DType || _images.Device != images.Device))
            throw new ArgumentException($"image pool: holds {_images.DType.Name()} images on {_images.Device}, was given {images.DType.Name()} on {images.Device}");
        double[] draws;
        using (var u = random.Uniform(new Shape(n, 2), DType.Float64)) draws = u.ToDoubleArray();
        _images ??= Allocate(images.Shape, images.DType, images.Device);
        var k = images.Kernels;
        for (int i = 0; i < n; i++)
        {
            if (Count < Capacity)
            {
                k.CopyAxisRange(images, i, _images, Count++, 1, 0);
                continue;
            }
            if (draws[2 * i] <= 0.5) continue;
            int slot = Math.Min(Capacity - 1, (int)(draws[2 * i + 1] * Capacity));
            k.CopyAxisRange(_images, slot, result, i, 1, 0);
            k.CopyAxisRange(images, i, _images, slot, 1, 0);
        }
        return result;
    }

    /// <summary>Forgets every stored image (the reference creates a new pool at every rule change).</summary>
    public void Clear()
    {
        _images?.Dispose();
        _images = null;
        Count = 0;
    }

    /// <summary>The stored images (Count, C, H, W) as a CPU copy, or null when the pool is empty.</summary>
    public Tensor? Snapshot()
    {
        if (_images == null || Count == 0) return null;
        var rows = Tensor.Empty(_images.Shape.With(0, Count), _images.DType, _images.Device);
        _images.Kernels.CopyAxisRange(_images, 0, rows, 0, Count, 0);
        if (rows.Device.Kind == DeviceKind.Cpu) return rows;
        using (rows) return rows.MoveTo(Device.Cpu);
    }

    /// <summary>
    /// Replaces the contents by a <see cref="Snapshot"/> (null: empty), kept on <paramref name="device"/>.
    /// </summary>
    public void Restore(Tensor? snapshot, Device device)
    {
        Clear();
        if (snapshot == null) return;
        if (snapshot.Rank != 4 || snapshot.Shape[0] > Capacity)
            throw new ArgumentException($"image pool: a snapshot must be (n ≤ {Capacity}, C, H, W), got {snapshot.Shape}");
        _images = Allocate(snapshot.Shape, snapshot.DType, device);
        using (TensorScope.Begin())
        {
            var moved = snapshot.Device == device ? snapshot : snapshot.MoveTo(device);
            _images.Kernels.CopyAxisRange(moved, 0, _images, 0, snapshot.Shape[0], 0);
        }
        Count = snapshot.Shape[0];
    }

    public void Dispose() => Clear();

    // (Capacity, C, H, W) for images of the given shape, owned by the pool (no scope frees it)
    private Tensor Allocate(Shape images, DType dtype, Device device)
        => TensorScope.Unscoped(() => Tensor.Empty(images.With(0, Capacity), dtype, device));

    private static string ImageShape(Tensor t) => $"({string.Join(", ", t.Shape.ToArray().Skip(1))})";
}

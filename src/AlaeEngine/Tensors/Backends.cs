using AlaeEngine.Cpu;

namespace AlaeEngine.Tensors;

/// <summary>Maps a device to its kernels. The CPU backend is always present; a CUDA backend registers itself when started.</summary>
public static class Backends
{
    private static readonly Dictionary<Device, IKernels> _byDevice = new() { [Device.Cpu] = CpuKernels.Instance };
    private static Action<Tensor, Tensor>? _crossDeviceCopy;

    public static IKernels For(Device device)
    {
        lock (_byDevice)
            return _byDevice.TryGetValue(device, out var k)
                ? k
                : throw new InvalidOperationException($"no backend is running for device {device}; start it first (the CUDA backend needs a GPU)");
    }

    public static void Register(Device device, IKernels kernels, Action<Tensor, Tensor> transfer)
    {
        lock (_byDevice)
        {
            _byDevice[device] = kernels;
            _crossDeviceCopy = transfer;
        }
    }

    /// <summary>Puts other kernels in place of a device's (a profiling proxy) and returns the ones replaced.</summary>
    internal static IKernels Swap(Device device, IKernels kernels)
    {
        lock (_byDevice)
        {
            var previous = For(device);
            _byDevice[device] = kernels;
            return previous;
        }
    }

    /// <summary>Copies src into dst (same shape) across devices.</summary>
    internal static void Transfer(Tensor src, Tensor dst)
    {
        if (src.Device == dst.Device) { For(src.Device).Copy(src, dst); return; }
        if (src.DType != dst.DType) throw new ArgumentException("a transfer between devices keeps the dtype");
        if (_crossDeviceCopy == null) throw new InvalidOperationException($"no transfer from {src.Device} to {dst.Device}");
        _crossDeviceCopy(src, dst);
    }
}

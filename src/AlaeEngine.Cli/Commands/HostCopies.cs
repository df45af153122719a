using AlaeEngine.Tensors;

namespace AlaeEngine.Cli.Commands;

/// <summary>Moving the inference commands' tensors between the host and the compute device (the grids are drawn from CPU tensors).</summary>
internal static class HostCopies
{
    /// <summary>Each tensor on the CPU (copied back from a GPU, as is on the CPU).</summary>
    public static List<Tensor> OnCpu(params IEnumerable<Tensor> images) => images.Select(t => t.Device.Kind == DeviceKind.Cpu ? t : t.MoveTo(Device.Cpu)).ToList();

    /// <summary>A CPU tensor (loaded images) on <paramref name="device"/>.</summary>
    public static Tensor On(Tensor x, Device device) => device.Kind == DeviceKind.Cpu ? x : x.MoveTo(device);
}

namespace AlaeEngine.Tensors;

public enum DeviceKind { Cpu, Cuda }

/// <summary>Where a tensor's storage lives. The device of a tensor picks the kernels that run on it.</summary>
public readonly record struct Device(DeviceKind Kind, int Index = 0)
{
    public static readonly Device Cpu = new(DeviceKind.Cpu);
    public static Device Cuda(int index = 0) => new(DeviceKind.Cuda, index);
    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";
}

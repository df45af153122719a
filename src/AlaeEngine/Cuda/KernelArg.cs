using System.Runtime.InteropServices;

namespace AlaeEngine.Cuda;

/// <summary>
/// One kernel argument as cuLaunchKernel wants it: the bytes of a scalar or device pointer (up to 8, little-endian,
/// read by the kernel at the parameter's own size), or the address of a caller-owned struct passed by value.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly unsafe struct KernelArg
{
    public readonly ulong Bits;
    public readonly void* External;

    private KernelArg(ulong bits, void* external) { Bits = bits; External = external; }

    public static implicit operator KernelArg(int v) => new((uint)v, null);
    public static implicit operator KernelArg(float v) => new(BitConverter.SingleToUInt32Bits(v), null);
    public static implicit operator KernelArg(double v) => new(BitConverter.DoubleToUInt64Bits(v), null);
    public static implicit operator KernelArg(ulong v) => new(v, null);

    /// <summary>A struct argument; the struct must stay where it is (a local) until the launch returns.</summary>
    public static KernelArg Struct(void* address) => new(0, address);
}

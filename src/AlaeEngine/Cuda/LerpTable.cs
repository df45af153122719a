using System.Runtime.InteropServices;

namespace AlaeEngine.Cuda;

/// <summary>
/// Up to <see cref="Capacity"/> tensor pairs of one multi-tensor lerp launch, passed by value as a kernel parameter;
/// mirrors struct LerpTable of kernels/optim.cu: unsigned long long a[128], b[128]; int offsets[129]; int count.
/// Slot k covers elements offsets[k] .. offsets[k + 1] of the launch's concatenated index.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LerpTable
{
    public const int Capacity = 128;

    public fixed ulong A[Capacity];
    public fixed ulong B[Capacity];
    public fixed int Offsets[Capacity + 1];
    public int Count;
}

using System.Runtime.InteropServices;

namespace AlaeEngine.Cuda;

/// <summary>
/// Up to <see cref="Capacity"/> parameters of one multi-tensor Adam launch, passed to the kernel by value (kernel
/// parameters, no upload); mirrors struct AdamTable of kernels/optim.cu:
/// unsigned long long p[96], g[96], v[96]; double stepSize[96]; int offsets[97]; int count.
/// Slot k covers elements offsets[k] .. offsets[k + 1] of the launch's concatenated index.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct AdamTable
{
    public const int Capacity = 96;

    public fixed ulong P[Capacity];
    public fixed ulong G[Capacity];
    public fixed ulong V[Capacity];
    public fixed double StepSize[Capacity];
    public fixed int Offsets[Capacity + 1];
    public int Count;
}

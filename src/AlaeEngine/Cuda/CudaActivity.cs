namespace AlaeEngine.Cuda;

/// <summary>
/// What the host has asked of one GPU so far: kernel launches, cuBLAS calls, asynchronous memory operations (memset,
/// device-to-device and host-to-device copies) and host waits (stream synchronisations, including the one behind every
/// copy to the host), and the cost model's totals over the same operations (copies to the host included): compulsory
/// bytes, FLOPs, and the modelled GPU time (<see cref="CostCeilings"/>) with GEMMs at the FP32 and at the TF32 rate.
/// Counting them shows where a launch-bound step spends its host time; none of them depends on the GPU.
/// </summary>
public readonly record struct CudaActivity(long KernelLaunches, long BlasCalls, long MemoryOperations, long HostWaits,
    double Bytes, double Flops, double ModelledSecondsFp32, double ModelledSecondsTf32)
{
    public long Total => KernelLaunches + BlasCalls + MemoryOperations;

    public static CudaActivity operator -(CudaActivity a, CudaActivity b)
        => new(a.KernelLaunches - b.KernelLaunches, a.BlasCalls - b.BlasCalls, a.MemoryOperations - b.MemoryOperations, a.HostWaits - b.HostWaits,
            a.Bytes - b.Bytes, a.Flops - b.Flops, a.ModelledSecondsFp32 - b.ModelledSecondsFp32, a.ModelledSecondsTf32 - b.ModelledSecondsTf32);

    /// <summary>Per-iteration averages of a difference taken over <paramref name="iterations"/> iterations.</summary>
    public (double Kernels, double Blas, double Memory, double Waits) PerIteration(int iterations)
        => ((double)KernelLaunches / iterations, (double)BlasCalls / iterations, (double)MemoryOperations / iterations, (double)HostWaits / iterations);
}

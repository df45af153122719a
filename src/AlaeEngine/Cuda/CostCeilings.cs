namespace AlaeEngine.Cuda;

/// <summary>
/// The ceilings of the per-iteration cost model: an operation takes at least max(bytes ÷ copy bandwidth, FLOPs ÷ its
/// rate, the launch floor). Summed over an iteration's operations this is a lower bound on its GPU time: every
/// operation at its ceiling and none overlapping its neighbours' floors is the best a GPU could do with these launches.
/// Defaults: an H100 SXM as issue 11 measures it (copy 2.98 TB/s counting read + write, TF32 GEMM 401 TFLOP/s, FP32
/// 51 TFLOP/s) and a 2 µs floor per launch; an H200 copies at ≈ 4.3 TB/s.
/// </summary>
/// <param name="CopyBytesPerSecond">bytes read + written per second by a device-to-device copy</param>
/// <param name="Tf32FlopsPerSecond">cuBLAS GEMMs with TF32 tensor cores</param>
/// <param name="Fp32FlopsPerSecond">cuBLAS GEMMs in plain float32, and the FLOPs of kernels</param>
/// <param name="LaunchFloorSeconds">the least time one kernel, GEMM or memory operation takes on the stream</param>
public sealed record CostCeilings(double CopyBytesPerSecond = 2.98e12, double Tf32FlopsPerSecond = 401e12,
    double Fp32FlopsPerSecond = 51e12, double LaunchFloorSeconds = 2e-6)
{
    public static CostCeilings H100 { get; } = new();

    /// <summary>The modelled seconds of one operation; <paramref name="tf32Gemm"/> puts a GEMM's FLOPs at the TF32 rate.</summary>
    public double Seconds(LaunchCost cost, bool tf32Gemm)
        => Math.Max(Math.Max(cost.Bytes / CopyBytesPerSecond, cost.Flops / (tf32Gemm ? Tf32FlopsPerSecond : Fp32FlopsPerSecond)), LaunchFloorSeconds);

    public override string ToString()
        => $"copy {CopyBytesPerSecond / 1e12:G3} TB/s, TF32 {Tf32FlopsPerSecond / 1e12:G3} TFLOP/s, FP32 {Fp32FlopsPerSecond / 1e12:G3} TFLOP/s, " +
           $"launch floor {LaunchFloorSeconds * 1e6:G3} µs";
}

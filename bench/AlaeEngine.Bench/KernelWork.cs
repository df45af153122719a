namespace AlaeEngine.Bench;

/// <summary>
/// The work a CUDA kernel benchmark counts per launch, from its (N, C, H, W): compulsory bytes for the memory-bound
/// kernels (each tensor read or written once, float32) and FLOPs for the GEMM-bound ones (a multiply-add is 2 FLOPs).
/// The formulas are in bench/NOTES.md; a kernel that moves more bytes than counted shows as a lower rate.
/// </summary>
public static class KernelWork
{
    public const int BytesPerElement = 4;

    /// <summary>The achieved rate of one launch that took <paramref name="meanNanoseconds"/>: work per second, its unit and the unit's divisor.</summary>
    public static (double PerSecond, string Unit, double Scale) Rate(string benchmark, StyleShape s, double meanNanoseconds)
    {
        var (amount, unit, scale) = Of(benchmark, s);
        return (amount / (meanNanoseconds * 1e-9), unit, scale);
    }

    /// <summary>(amount per launch, unit: "GB/s" or "TFLOP/s", divisor to turn amount/s into that unit).</summary>
    public static (double Amount, string Unit, double Scale) Of(string benchmark, StyleShape s)
    {
        double e = (double)s.N * s.C * s.H * s.W;       // elements of one activation
        double conv = 2.0 * s.N * s.C * s.C * 9 * s.H * s.W;
        return benchmark switch
        {
            // x read, y written: the copy ceiling the GB/s rows are compared with
            nameof(CudaKernelBenchmarks.DeviceCopy) => (2 * e * BytesPerElement, "GB/s", 1e9),
            // x read, y written; the mean and std taps (N·C each) are negligible
            nameof(CudaKernelBenchmarks.InstanceNormForward) => (2 * e * BytesPerElement, "GB/s", 1e9),
            // x read, y written (the style, 2·N·C, and the bias, C, are negligible)
            nameof(CudaKernelBenchmarks.AdaInModulation) or nameof(CudaKernelBenchmarks.BiasLeakyRelu) => (2 * e * BytesPerElement, "GB/s", 1e9),
            // g and y (or x) read, gx written (the (N, C) sums, the bias and the style gradients are negligible)
            nameof(CudaKernelBenchmarks.BiasLeakyReluBackward) or nameof(CudaKernelBenchmarks.AdaInModulationBackward)
                or nameof(CudaKernelBenchmarks.InstanceNormBackward) => (3 * e * BytesPerElement, "GB/s", 1e9),
            // x read, y written, the noise planes (N·H·W) read once
            nameof(CudaKernelBenchmarks.NoiseInjection) => ((2 * e + (double)s.N * s.H * s.W) * BytesPerElement, "GB/s", 1e9),
            // g read once, the noise planes read and their gradient written (N·H·W each); the block partials (E/256) ignored
            nameof(CudaKernelBenchmarks.NoiseInjectionBackward) => ((e + 2.0 * s.N * s.H * s.W) * BytesPerElement, "GB/s", 1e9),
            // 3×3 FIR, pad 1, and its adjoint: x read, y written (the 9 taps are in shared memory)
            nameof(CudaKernelBenchmarks.Blur3x3) or nameof(CudaKernelBenchmarks.Blur3x3Backward) => (2 * e * BytesPerElement, "GB/s", 1e9),
            // 2× FIR resampling: the full-resolution side E and the half-resolution side E/4, each once
            nameof(CudaKernelBenchmarks.Fir4x4Up2) or nameof(CudaKernelBenchmarks.Fir4x4Down2) => (1.25 * e * BytesPerElement, "GB/s", 1e9),
            // x read, a quarter-size y written; the gradient also writes gx
            nameof(CudaKernelBenchmarks.MaxPool2x2) => (1.25 * e * BytesPerElement, "GB/s", 1e9),
            nameof(CudaKernelBenchmarks.MaxPool2x2Backward) => (2.25 * e * BytesPerElement, "GB/s", 1e9),
            // C → C 3×3, pad 1: 2·N·C·C·9·H·W for the forward and for each backward
            nameof(CudaKernelBenchmarks.Conv3x3Forward) or nameof(CudaKernelBenchmarks.Conv3x3BackwardData)
                or nameof(CudaKernelBenchmarks.Conv3x3BackwardWeight) => (conv, "TFLOP/s", 1e12),
            // the conv's GEMM for one sample: (C × 9C)·(9C × H·W)
            nameof(CudaKernelBenchmarks.GemmOfConvSample) => (2.0 * s.C * 9 * s.C * s.H * s.W, "TFLOP/s", 1e12),
            _ => throw new ArgumentException($"no work formula for benchmark {benchmark}"),
        };
    }
}

using AlaeEngine.Cpu;
using AlaeEngine.Tensors;
using BenchmarkDotNet.Attributes;

namespace AlaeEngine.Bench;

/// <summary>
/// CPU reference kernels at MLP-ALAE and small StyleALAE sizes. GEMM FLOPs = 2·M·N·K; see bench/NOTES.md for rates
/// against the machine's ceiling.
/// </summary>
[Config(typeof(InProcessConfig))]
public class CpuKernelBenchmarks
{
    private Tensor _a = null!, _w = null!, _c = null!, _x = null!, _wc = null!, _y = null!, _in = null!, _inY = null!, _m = null!, _s = null!, _inGx = null!;

    [GlobalSetup]
    public void Setup()
    {
        var r = new RandomStream(1);
        _a = r.Normal(new Shape(128, 1024)); _w = r.Normal(new Shape(1024, 1024)); _c = Tensor.Empty(new Shape(128, 1024));
        _x = r.Normal(new Shape(8, 64, 32, 32)); _wc = r.Normal(new Shape(64, 64, 3, 3)); _y = Tensor.Empty(new Shape(8, 64, 32, 32));
        _in = r.Normal(new Shape(16, 64, 32, 32)); _inY = Tensor.Empty(_in.Shape);
        _m = Tensor.Empty(new Shape(16, 64, 1, 1)); _s = Tensor.Empty(new Shape(16, 64, 1, 1)); _inGx = Tensor.Empty(_in.Shape);
        CpuKernels.Instance.InstanceNorm(_in, _inY, _m, _s, 1e-5, 1e-8);   // y and std as the backward sees them
    }

    /// <summary>x·Wᵀ of the 1024-wide MLP layer at batch 128: 268 MFLOP.</summary>
    [Benchmark] public void Gemm_128x1024x1024() => CpuKernels.Instance.MatMul(_a, false, _w, true, _c, 1, 0);

    /// <summary>3×3 conv, (8, 64, 32, 32) → (8, 64, 32, 32): 604 MFLOP.</summary>
    [Benchmark] public void Conv3x3_8x64x32x32() => CpuKernels.Instance.Conv2d(_x, _wc, _y, 1, 1);

    /// <summary>Instance norm with taps over (16, 64, 32, 32): 4 MiB read, 4 MiB written.</summary>
    [Benchmark] public void InstanceNorm_16x64x32x32() => CpuKernels.Instance.InstanceNorm(_in, _inY, _m, _s, 1e-5, 1e-8);

    /// <summary>Its backward with the gradients of y and both taps (the encoder's case): gy and y read, gx written, 4 MiB each.</summary>
    [Benchmark] public void InstanceNormBackward_16x64x32x32() => CpuKernels.Instance.InstanceNormBackward(_in, _inY, _s, _m, _s, _inGx, 1e-5, 1e-8);
}

using AlaeEngine.Cuda;
using AlaeEngine.Tensors;
using BenchmarkDotNet.Attributes;

namespace AlaeEngine.Bench;

/// <summary>
/// The CUDA kernels StyleALAE spends its time in, at its activation shapes (<see cref="StyleShape.All"/>), float32.
/// Each invocation queues <see cref="Launches"/> launches on the device's stream and synchronises once, so the
/// ~10 µs of a host synchronisation is spread over the launches and the time is that of a full queue, i.e. GPU time
/// (bench/NOTES.md explains this choice). The Rate column divides <see cref="KernelWork"/> by the time per launch.
/// </summary>
[Config(typeof(CudaBenchmarkConfig))]
public class CudaKernelBenchmarks
{
    public const int Launches = 10;

    private CudaKernels _k = null!;
    private readonly List<Tensor> _owned = new();   // freed in Cleanup; BenchmarkDotNet may run setup and cleanup on different threads, so no TensorScope
    private Tensor _x = null!, _y = null!, _mean = null!, _std = null!, _style = null!, _bias = null!, _noiseWeight = null!, _noise = null!;
    private Tensor _filter = null!, _w = null!, _gw = null!, _a = null!, _b = null!, _c = null!, _pooled = null!;
    private Tensor _gx = null!, _gChannel = null!, _gStyle = null!, _gNoise = null!, _half = null!, _filter4 = null!;

    [ParamsSource(nameof(Shapes))]
    public StyleShape Shape { get; set; } = null!;

    public static IEnumerable<StyleShape> Shapes => StyleShape.All;

    [GlobalSetup]
    public void Setup()
    {
        _k = CudaBackend.Start();
        var gpu = _k.Device;
        var (n, c, h, w) = (Shape.N, Shape.C, Shape.H, Shape.W);
        var r = new RandomStream(1);
        _x = Own(r.Normal(new Shape(n, c, h, w), DType.Float32, gpu));
        _y = Own(r.Normal(_x.Shape, DType.Float32, gpu));    // an output, and the second input of the backward benchmarks
        _mean = Own(Tensor.Empty(new Shape(n, c, 1, 1), DType.Float32, gpu));
        _std = Own(Tensor.Empty(new Shape(n, c, 1, 1), DType.Float32, gpu));
        _style = Own(r.Normal(new Shape(n, 2 * c), DType.Float32, gpu));      // AdaIN's [s, b] per sample and channel
        _bias = Own(r.Normal(new Shape(c), DType.Float32, gpu));
        _noiseWeight = Own(r.Normal(new Shape(c), DType.Float32, gpu));
        _noise = Own(r.Normal(new Shape(n, 1, h, w), DType.Float32, gpu));
        _gx = Own(Tensor.Empty(_x.Shape, DType.Float32, gpu));
        _gChannel = Own(Tensor.Empty(new Shape(c), DType.Float32, gpu));                // a bias or noise-weight gradient
        _gStyle = Own(Tensor.Empty(_style.Shape, DType.Float32, gpu));
        _gNoise = Own(Tensor.Empty(_noise.Shape, DType.Float32, gpu));
        _filter = Own(Tensor.FromArray(new[] { 1f, 2, 1, 2, 4, 2, 1, 2, 1 }.Select(v => v / 16).ToArray(), new Shape(3, 3), gpu));
        // StyleGAN2's [1, 3, 3, 1] ⊗ [1, 3, 3, 1] / 64 resampling filter, and an activation at half the resolution
        _filter4 = Own(Tensor.FromArray(new[] { 1f, 3, 3, 1 }.SelectMany(a => new[] { 1f, 3, 3, 1 }.Select(b => a * b / 64)).ToArray(), new Shape(4, 4), gpu));
        _half = Own(r.Normal(new Shape(n, c, h / 2, w / 2), DType.Float32, gpu));
        _w = Own(r.Normal(new Shape(c, c, 3, 3), DType.Float32, gpu));
        _gw = Own(Tensor.Empty(_w.Shape, DType.Float32, gpu));
        // GEMM of one sample of the conv: W (C, 9C) · cols (9C, H·W)
        _a = Own(r.Normal(new Shape(c, 9 * c), DType.Float32, gpu));
        _b = Own(r.Normal(new Shape(9 * c, h * w), DType.Float32, gpu));
        _c = Own(Tensor.Empty(new Shape(c, h * w), DType.Float32, gpu));
        _pooled = Own(Tensor.Empty(new Shape(n, c, h / 2, w / 2), DType.Float32, gpu));
        _k.InstanceNorm(_x, _y, _mean, _std, 1e-8, 1e-8);    // y normalised and std positive, as the backward sees them
        _k.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
        _k.Allocator.Trim();
    }

    /// <summary>The ceiling of the memory-bound rows, measured in the same run: y ← x as one device-to-device copy (cuMemcpyDtoDAsync).</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void DeviceCopy() => Repeat(() => _k.Copy(_x, _y));

    /// <summary>Instance norm with the mean and std taps: y = (x − μ)/σ over each (n, c) plane.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void InstanceNormForward() => Repeat(() => _k.InstanceNorm(_x, _y, _mean, _std, 1e-8, 1e-8));

    /// <summary>
    /// Its backward as Op.InstanceNorm runs it in the encoder (gradients of y and of both taps): one block per plane
    /// holding gy and y in registers up to 128², a sums pass and an apply pass over 16384-element pieces above.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void InstanceNormBackward() => Repeat(() => _k.InstanceNormBackward(_x, _y, _std, _mean, _std, _gx, 1e-8, 1e-8));

    /// <summary>AdaIN's modulation as Op.StyleMod runs it: y = x·(1 + s) + b with style (N, 2C) = [s, b], one fused launch.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void AdaInModulation() => Repeat(() => _k.StyleModulate(_x, _style, _y));

    /// <summary>Its backward as Op.StyleMod runs it: gx = g·(1 + s) and the style gradient [Σ g·x, Σ g] per plane, one launch.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void AdaInModulationBackward() => Repeat(() => _k.StyleModulateBackward(_x, _y, _style, _gx, _gStyle));

    /// <summary>A conv layer's epilogue as Op.BiasLeakyRelu runs it: y = leaky_relu(x + bias, 0.2), bias (C), one fused launch.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void BiasLeakyRelu() => Repeat(() => _k.BiasLeakyRelu(_x, _bias, _y, 0.2));

    /// <summary>The generator's noise injection as Op.AddNoise runs it: y = x + weight[c]·noise[n], noise (N, 1, H, W), one fused launch.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void NoiseInjection() => Repeat(() => _k.AddNoise(_x, _noiseWeight, _noise, _y));

    /// <summary>Its backward as Op.BiasLeakyRelu runs it: gx = g·(y &gt; 0 ? 1 : 0.2) and the bias gradient Σ gx, one pass + sum_to over (N, C).</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void BiasLeakyReluBackward() => Repeat(() => _k.BiasLeakyReluBackward(_x, _y, _gx, _gChannel, 0.2, 1));

    /// <summary>Its backward as Op.AddNoise runs it: the weight gradient Σ g·noise and the noise gradient Σ_c g·weight in one pass over g, + sum_to of the block partials.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void NoiseInjectionBackward() => Repeat(() => _k.AddNoiseBackward(_x, _noiseWeight, _noise, _gChannel, _gNoise));

    /// <summary>The [1 2 1]⊗[1 2 1]/16 blur: upfirdn2d with a 3×3 filter, pad 1, same size out.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void Blur3x3() => Repeat(() => _k.Upfirdn2d(_x, _filter, _y, 1, 1, 1, 1, 1, 1));

    /// <summary>The blur's backward (Op.Upfirdn2dAdjoint): the same tiled kernel with the filter flipped.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void Blur3x3Backward() => Repeat(() => _k.Upfirdn2dAdjoint(_x, _filter, _y, 1, 1, 1, 1, 1, 1));

    /// <summary>StyleGAN2's 2× FIR upsampling: upfirdn2d up 2 with the 4×4 filter, (N, C, H/2, W/2) → (N, C, H, W).</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void Fir4x4Up2() => Repeat(() => _k.Upfirdn2d(_half, _filter4, _y, 2, 1, 2, 1, 2, 1));

    /// <summary>StyleGAN2's 2× FIR downsampling: upfirdn2d down 2 with the 4×4 filter, (N, C, H, W) → (N, C, H/2, W/2).</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void Fir4x4Down2() => Repeat(() => _k.Upfirdn2d(_x, _filter4, _half, 1, 2, 1, 1, 1, 1));
    /// <summary>VGG16's 2×2 max pooling (AE-StyleGAN's perceptual loss): x read, a quarter-size y written.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void MaxPool2x2() => Repeat(() => _k.MaxPool2x2(_x, _pooled));

    /// <summary>Its gradient: x and the quarter-size gy read, gx written.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void MaxPool2x2Backward() => Repeat(() => _k.MaxPool2x2Backward(_x, _pooled, _y));

    /// <summary>C → C, 3×3, pad 1: im2col + batched GEMM.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void Conv3x3Forward() => Repeat(() => _k.Conv2d(_x, _w, _y, 1, 1));

    /// <summary>The input gradient: GEMM Wᵀ·gy + col2im.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void Conv3x3BackwardData() => Repeat(() => _k.Conv2dBackwardData(_x, _w, _y, 1, 1));

    /// <summary>The weight gradient: im2col + one GEMM per sample accumulating into gw.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void Conv3x3BackwardWeight() => Repeat(() => _k.Conv2dBackwardWeight(_x, _y, _gw, 1, 1));

    /// <summary>cuBLAS alone at the conv's per-sample GEMM: (C × 9C)·(9C × H·W); the conv minus N of these is im2col's cost.</summary>
    [Benchmark(OperationsPerInvoke = Launches)]
    public void GemmOfConvSample() => Repeat(() => _k.MatMul(_a, false, _b, false, _c, 1, 0));

    private Tensor Own(Tensor t)
    {
        _owned.Add(t);
        return t;
    }

    private void Repeat(Action launch)
    {
        for (int i = 0; i < Launches; i++) launch();
        _k.Synchronize();
    }
}

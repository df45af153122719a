using AlaeEngine.Cuda;
using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>The cost model's arithmetic; needs no GPU.</summary>
[TestFixture]
public class CostCeilingsTests
{
    [Test]
    public void AnOperationTakesTheLongestOfItsBytesItsFlopsAndTheFloor()
    {
        var c = new CostCeilings(CopyBytesPerSecond: 1e12, Tf32FlopsPerSecond: 400e12, Fp32FlopsPerSecond: 50e12, LaunchFloorSeconds: 2e-6);
        Assert.That(c.Seconds(new LaunchCost(3e9, 0), tf32Gemm: false), Is.EqualTo(3e-3).Within(1e-15), "memory-bound: 3 GB at 1 TB/s");
        Assert.That(c.Seconds(new LaunchCost(1e6, 1e12), tf32Gemm: false), Is.EqualTo(0.02).Within(1e-15), "FP32: 1 TFLOP at 50 TFLOP/s");
        Assert.That(c.Seconds(new LaunchCost(1e6, 1e12), tf32Gemm: true), Is.EqualTo(2.5e-3).Within(1e-15), "TF32: 1 TFLOP at 400 TFLOP/s");
        Assert.That(c.Seconds(new LaunchCost(4, 0), tf32Gemm: false), Is.EqualTo(2e-6), "a tiny launch costs the floor");
    }

    [Test]
    public void CostOfTensorsCountsEachOnceAtItsElementSize()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Empty(new Shape(3, 5), DType.Float32);
        var b = Tensor.Empty(new Shape(5), DType.Float64);
        var y = Tensor.Empty(new Shape(3, 5), DType.Float32);
        Assert.That(LaunchCost.Of([a, b], [y], 7), Is.EqualTo(new LaunchCost(15 * 4 + 5 * 8 + 15 * 4, 7)));
        Assert.That(LaunchCost.Elements(10, 2, DType.Float64), Is.EqualTo(new LaunchCost(96, 0)));
    }
}

/// <summary>
/// What the launchers record for the cost model, from their shapes: checked on a few launches against formulas written
/// out here, and over a whole training iteration against its own totals. Runs under the host emulation or on a GPU.
/// </summary>
public class CostModelTests : GpuParity
{
    private static readonly CostCeilings Test = new(CopyBytesPerSecond: 1e12, Tf32FlopsPerSecond: 400e12, Fp32FlopsPerSecond: 50e12, LaunchFloorSeconds: 1e-6);

    private CudaActivity Measure(Action launches)
    {
        var saved = Cuda.Ceilings;
        Cuda.Ceilings = Test;
        try
        {
            var before = Cuda.Activity;
            launches();
            return Cuda.Activity - before;
        }
        finally { Cuda.Ceilings = saved; }
    }

    [Test]
    public void GemmRecordsItsOperandsAndTwoFlopsPerMultiplyAdd()
    {
        int m = 64, n = 48, k = 96;
        var a = Tensor.Zeros(new Shape(m, k), DType.Float32, Gpu);
        var b = Tensor.Zeros(new Shape(k, n), DType.Float32, Gpu);
        var c = Tensor.Zeros(new Shape(m, n), DType.Float32, Gpu);
        var fresh = Measure(() => Cuda.MatMul(a, false, b, false, c, 1, 0));
        Assert.That(fresh.BlasCalls, Is.EqualTo(1));
        Assert.That(fresh.Flops, Is.EqualTo(2.0 * m * n * k));
        Assert.That(fresh.Bytes, Is.EqualTo(4.0 * (m * k + k * n + m * n)));
        Assert.That(fresh.ModelledSecondsFp32, Is.EqualTo(Math.Max(2.0 * m * n * k / 50e12, 1e-6)).Within(1e-18));
        var accumulate = Measure(() => Cuda.MatMul(a, false, b, false, c, 1, 1));
        Assert.That(accumulate.Bytes, Is.EqualTo(4.0 * (m * k + k * n + 2 * m * n)), "beta ≠ 0 reads C as well");
    }

    [Test]
    public void ElementwiseAndEpilogueKernelsRecordTheirTensors()
    {
        var x = Tensor.Zeros(new Shape(4, 8, 16, 16), DType.Float32, Gpu);
        var bias = Tensor.Zeros(new Shape(8), DType.Float32, Gpu);
        var y = Tensor.Empty(x.Shape, DType.Float32, Gpu);
        var epilogue = Measure(() => Cuda.BiasLeakyRelu(x, bias, y, 0.2));
        Assert.That((epilogue.KernelLaunches, epilogue.Bytes, epilogue.Flops), Is.EqualTo((1L, 4.0 * (2 * 8192 + 8), 0.0)));
        var sums = Tensor.Empty(new Shape(1, 8, 1, 1), DType.Float32, Gpu);
        Assert.That(Measure(() => Cuda.SumTo(x, sums)).Bytes, Is.EqualTo(4.0 * (8192 + 8)));
        var copy = Measure(() => Cuda.Copy(x, y));
        Assert.That((copy.MemoryOperations, copy.Bytes), Is.EqualTo((1L, 2 * 4.0 * 8192)));
        Assert.That(copy.ModelledSecondsFp32, Is.EqualTo(1e-6).Within(1e-15), "64 KiB at 1 TB/s is under the floor");
    }

    [Test]
    public void ConvolutionRecordsIm2colAndItsGemms()
    {
        // x (2, 3, 8, 8), w (5, 3, 3, 3), pad 1: cols (27, 64) per sample, one batched GEMM (5 × 64 × 27) over both samples
        var x = Tensor.Zeros(new Shape(2, 3, 8, 8), DType.Float32, Gpu);
        var w = Tensor.Zeros(new Shape(5, 3, 3, 3), DType.Float32, Gpu);
        var y = Tensor.Empty(new Shape(2, 5, 8, 8), DType.Float32, Gpu);
        var a = Measure(() => Cuda.Conv2d(x, w, y, 1, 1));
        Assert.That((a.KernelLaunches, a.BlasCalls), Is.EqualTo((1L, 1L)));
        Assert.That(a.Flops, Is.EqualTo(2.0 * 2 * 5 * 64 * 27));
        double im2col = 2 * 3 * 64 + 2 * 27 * 64, gemm = 5 * 27 + 2 * 27 * 64 + 2 * 5 * 64;
        Assert.That(a.Bytes, Is.EqualTo(4 * (im2col + gemm)));
    }

    [Test]
    public void AnOperationWithoutBytesIsALauncherBug()
    {
        Assert.That(() => Cuda.Gpu.Record(CudaDevice.Operation.Kernel, default, "new_kernel_f32"),
            Throws.ArgumentException.With.Message.Contains("new_kernel_f32: a GPU operation must declare the bytes it moves"));
    }

    [Test]
    public void ATrainingIterationIsPricedLaunchByLaunch()
    {
        var saved = Cuda.Ceilings;
        TrainingBenchmarkResult result;
        try
        {
            result = TrainingBenchmark.Run(new TrainingBenchmarkOptions
            {
                Preset = StyleAlaePreset.Tiny, Resolution = 8, Batch = 2, Iterations = 1, Warmup = 1, Device = Gpu, Ceilings = Test,
            });
            Assert.That(Cuda.Ceilings, Is.EqualTo(Test), "the benchmark prices with the ceilings it was given");
        }
        finally { Cuda.Ceilings = saved; }
        var a = result.Activity!.Value;
        long operations = a.KernelLaunches + a.BlasCalls + a.MemoryOperations;
        Assert.That(a.Flops, Is.GreaterThan(0));
        // each operation costs at least the floor and at least its bytes at the copy rate; TF32 GEMMs only make it shorter
        Assert.That(a.ModelledSecondsFp32, Is.GreaterThanOrEqualTo(operations * Test.LaunchFloorSeconds));
        Assert.That(a.ModelledSecondsFp32, Is.GreaterThanOrEqualTo(a.Bytes / Test.CopyBytesPerSecond));
        Assert.That(a.ModelledSecondsTf32, Is.LessThanOrEqualTo(a.ModelledSecondsFp32).And.GreaterThan(0));
    }
}

using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>GPU against CPU: fill, copy, broadcasting binary ops, unary ops, the fused epilogues, reductions over broadcast axes.</summary>
[GpuFixture]
public class GpuElementwiseParityTests : GpuParity
{
    [Test]
    public void Fill([Values] DType dtype, [Values(0, 1, 1000, 70001)] int n)
    {
        Parity("Fill", [Rand([n], dtype, 1)], [0], (k, t) => k.Fill(t[0], -2.75), Tolerance.Exact);
    }

    [Test]
    public void CopyAndConvert([Values] DType from, [Values] DType to)
    {
        Parity($"Copy {from}→{to}", [Rand([3, 333], from, 2, -1e3, 1e3), Rand([3, 333], to, 3)], [1], (k, t) => k.Copy(t[0], t[1]), Tolerance.Exact);
    }

    [Test]
    public void TransferRoundTripIsExact([Values] DType dtype)
    {
        var cpu = Rand([5, 7, 11], dtype, 4);
        using var gpu = cpu.MoveTo(Gpu);
        using var back = gpu.MoveTo(Device.Cpu);
        AssertClose(cpu, back, (0, 0), "host → device → host");
    }

    [Test]
    public void AllocateClearGivesZeros([Values] DType dtype)
    {
        using var z = Tensor.Zeros(new Shape(1234567), dtype, Gpu);
        Assert.That(z.ToDoubleArray().All(v => v == 0), Is.True);
    }

    [Test]
    public void AllocatorReusesFreedBlocksAndTracksPeak()
    {
        var a = Cuda.Allocator;
        Tensor.Empty(new Shape(1 << 20), DType.Float32, Gpu).Dispose();   // the block is now cached
        a.ResetPeak();
        long inUse = a.InUseBytes, cached = a.CachedBytes;
        using (Tensor.Empty(new Shape(1 << 20), DType.Float32, Gpu))
        {
            Assert.That(a.CachedBytes, Is.EqualTo(cached - (4L << 20)), "the cached block of the same size is reused");
            Assert.That(a.PeakBytes, Is.EqualTo(inUse + (4L << 20)));
        }
        Assert.That(a.InUseBytes, Is.EqualTo(inUse));
    }

    [Test]
    public void AllocatorLimitRefusesWithTheOutOfMemoryError()
    {
        var a = Cuda.Allocator;
        long before = a.Limit;
        a.Trim();   // a cached block of a requested size would be reused without asking the limit (it is already held)
        try
        {
            a.Limit = a.InUseBytes + (8L << 20);
            using (Tensor.Empty(new Shape(1 << 20), DType.Float32, Gpu))   // 4 MiB fits under the limit
            {
                Assert.That(() => Tensor.Empty(new Shape(2 << 20), DType.Float32, Gpu),   // 8 MiB more does not
                    Throws.InstanceOf<AlaeEngine.Cuda.CudaException>().With.Message.Contains("CUDA_ERROR_OUT_OF_MEMORY").And.Message.Contains("ALAE_CUDA_MEMORY_LIMIT"));
                Assert.That(a.CachedBytes, Is.Zero, "the cache was released before refusing");
            }
            using (Tensor.Empty(new Shape(2 << 20), DType.Float32, Gpu)) { }   // with the 4 MiB returned (and freed), 8 MiB fits
        }
        finally { a.Limit = before; }
    }

    [Test]
    public void ProfilerTimesEachOperationByName()
    {
        var a = Tensor.Zeros(new Shape(64, 32), DType.Float32, Gpu);   // a memset, before the profiler starts
        var b = Tensor.Empty(new Shape(32, 16), DType.Float32, Gpu);
        var c = Tensor.Empty(new Shape(64, 16), DType.Float32, Gpu);
        var d = Tensor.Empty(new Shape(64, 16), DType.Float32, Gpu);
        IReadOnlyList<AlaeEngine.Cuda.KernelProfileRow> rows;
        using (var profiler = Cuda.StartProfiler())
        {
            Cuda.Fill(b, 0.5);
            Cuda.MatMul(a, false, b, false, c, 1, 0);
            Cuda.Unary(UnaryOp.Neg, c, d);
            Cuda.Unary(UnaryOp.Neg, d, c);
            Cuda.Copy(c, d);
            rows = profiler.Finish();
        }
        Assert.That(rows.ToDictionary(r => r.Name, r => r.Calls), Is.EquivalentTo(new Dictionary<string, long>
        {
            ["fill_f32"] = 1, ["cublas gemm 64×16×32"] = 1, ["unary_f32"] = 2, ["memcpy device→device"] = 1,
        }));
        Assert.That(rows.All(r => r.Milliseconds >= 0), Is.True);
        Cuda.Fill(b, 1);   // after Finish the device runs unprofiled
        using var again = Cuda.StartProfiler();
        Assert.That(again.Finish(), Is.Empty);
    }

    [Test]
    public void TimerAndMemoryInfoAnswer()
    {
        using var timer = Cuda.StartTimer();
        using var t = Tensor.Zeros(new Shape(1 << 16), DType.Float32, Gpu);
        Cuda.Fill(t, 1);
        Assert.That(timer.ElapsedMilliseconds(), Is.GreaterThanOrEqualTo(0));
        var (free, total) = Cuda.MemoryInfo();
        Assert.That(free, Is.InRange(0, total));
        Assert.That(Cuda.Versions(), Does.StartWith("driver "));
    }

    private static readonly int[][][] BinaryShapes =
    [
        [[2, 3, 4, 5], [2, 3, 4, 5]],
        [[2, 3, 4, 5], [1, 3, 1, 1]],
        [[3, 1, 5], [4, 1]],
        [[], [7, 3]],
        [[17], [1]],
        [[1, 9], [9, 1]],
        [[2, 1, 3, 1, 5, 1], [1, 4, 1, 6, 1, 7]],
    ];

    [Test]
    public void Binary([Values] BinaryOp op, [Values] DType dtype, [Range(0, 6)] int shapes)
    {
        Shape sa = BinaryShapes[shapes][0], sb = BinaryShapes[shapes][1];
        var sd = Shape.Broadcast(sa, sb)!;
        // divisors kept away from zero
        Parity($"{op} {sa} {sb}", [Rand(sa, dtype, 5), Rand(sb, dtype, 6, 0.5, 2), Rand(sd, dtype, 7)], [2],
            (k, t) => k.Binary(op, t[0], t[1], t[2]), Tolerance.Elementwise);
        // and the operands swapped, so each side is the broadcast one once
        Parity($"{op} {sb} {sa}", [Rand(sb, dtype, 8), Rand(sa, dtype, 9, 0.5, 2), Rand(sd, dtype, 10)], [2],
            (k, t) => k.Binary(op, t[0], t[1], t[2]), Tolerance.Elementwise);
    }

    [Test]
    public void Unary([Values] UnaryOp op, [Values] DType dtype)
    {
        var (lo, hi) = op switch
        {
            UnaryOp.Sqrt or UnaryOp.Rsqrt or UnaryOp.Log or UnaryOp.Reciprocal => (0.01, 10.0),
            UnaryOp.Softplus or UnaryOp.Sigmoid => (-40.0, 40.0),
            UnaryOp.Exp => (-10.0, 10.0),
            _ => (-3.0, 3.0),
        };
        double alpha = op switch { UnaryOp.LeakyRelu => 0.2, UnaryOp.Scale => 1.7, UnaryOp.AddScalar => -0.3, _ => 0 };
        Parity($"{op}", [Rand([3, 1001], dtype, 11, lo, hi), Rand([3, 1001], dtype, 12)], [1],
            (k, t) => k.Unary(op, t[0], t[1], alpha), Tolerance.Elementwise);
    }

    [Test]
    public void LeakyReluGrad([Values] DType dtype, [Values(1.0, 1.4142135623730951)] double gain)
    {
        Parity($"LeakyReluGrad gain {gain}", [Rand([4, 999], dtype, 13), Rand([4, 999], dtype, 14), Rand([4, 999], dtype, 15)], [2],
            (k, t) => k.LeakyReluGrad(t[0], t[1], t[2], 0.2, gain), Tolerance.Elementwise);
    }

    [Test]
    public void BiasLeakyRelu([Values] DType dtype, [Values(new[] { 128, 1024 }, new[] { 3, 5, 7, 9 }, new[] { 2, 64, 33, 31 })] int[] dims,
        [Values(1.0, 1.4142135623730951)] double gain)
    {
        Parity($"BiasLeakyRelu gain {gain}", [Rand(dims, dtype, 16, -3, 3), Rand([dims[1]], dtype, 17), Rand(dims, dtype, 18)], [2],
            (k, t) => k.BiasLeakyRelu(t[0], t[1], t[2], 0.2, gain), Tolerance.Elementwise);
    }

    // (N, F) takes the linear path (leaky_relu_grad + sum_to); the others one block of 32, 128 and 256 threads per plane
    [Test]
    public void BiasLeakyReluBackward([Values] DType dtype,
        [Values(new[] { 128, 1024 }, new[] { 3, 5, 7, 9 }, new[] { 2, 64, 33, 31 }, new[] { 3, 2, 40, 41 })] int[] dims)
    {
        Parity("BiasLeakyReluBackward", [Rand(dims, dtype, 26), Rand(dims, dtype, 27), Rand(dims, dtype, 28), Rand([dims[1]], dtype, 29)], [2, 3],
            (k, t) => k.BiasLeakyReluBackward(t[0], t[1], t[2], t[3], 0.2, Math.Sqrt(2)), Tolerance.Reduction);
    }

    [Test]
    public void AddNoise([Values] DType dtype, [Values(new[] { 3, 5, 7, 9 }, new[] { 2, 64, 33, 31 })] int[] dims)
    {
        Parity("AddNoise", [Rand(dims, dtype, 19), Rand([dims[1]], dtype, 20), Rand([dims[0], 1, dims[2], dims[3]], dtype, 21), Rand(dims, dtype, 22)], [3],
            (k, t) => k.AddNoise(t[0], t[1], t[2], t[3]), Tolerance.Elementwise);
    }

    [Test]
    public void StyleModulate([Values] DType dtype, [Values(new[] { 3, 5, 7, 9 }, new[] { 2, 64, 33, 31 })] int[] dims)
    {
        Parity("StyleModulate", [Rand(dims, dtype, 23), Rand([dims[0], 2 * dims[1]], dtype, 24), Rand(dims, dtype, 25)], [2],
            (k, t) => k.StyleModulate(t[0], t[1], t[2]), Tolerance.Elementwise);
    }

    // one tile of partly idle threads; four tiles and two chunks of 32 channels; a chunk of 8 channels; one pixel
    [Test]
    public void AddNoiseBackward([Values] DType dtype, [Values(new[] { 3, 5, 7, 9 }, new[] { 2, 64, 33, 31 }, new[] { 2, 40, 17, 17 }, new[] { 1, 3, 1, 1 })] int[] dims)
    {
        int[] plane = [dims[0], 1, dims[2], dims[3]];
        Parity("AddNoiseBackward", [Rand(dims, dtype, 35), Rand([dims[1]], dtype, 36), Rand(plane, dtype, 37), Rand([dims[1]], dtype, 38), Rand(plane, dtype, 39)],
            [3, 4], (k, t) => k.AddNoiseBackward(t[0], t[1], t[2], t[3], t[4]), Tolerance.Reduction);
    }

    [Test]
    public void StyleModulateBackward([Values] DType dtype, [Values(new[] { 3, 5, 7, 9 }, new[] { 2, 64, 33, 31 }, new[] { 2, 3, 1, 1 }, new[] { 2, 2, 40, 41 })] int[] dims)
    {
        Parity("StyleModulateBackward", [Rand(dims, dtype, 30), Rand(dims, dtype, 31), Rand([dims[0], 2 * dims[1]], dtype, 32), Rand(dims, dtype, 33),
            Rand([dims[0], 2 * dims[1]], dtype, 34)], [3, 4], (k, t) => k.StyleModulateBackward(t[0], t[1], t[2], t[3], t[4]), Tolerance.Reduction);
    }

    private static readonly int[][][] SumShapes =
    [
        [[4, 3, 5, 7], [3, 1, 1]],
        [[4, 3, 5, 7], [1, 5, 7]],
        [[4, 3, 5, 7], []],
        [[4, 3, 5, 7], [4, 1, 5, 1]],
        [[4, 3, 5, 7], [5, 7]],
        [[4, 3, 5, 7], [4, 3, 5, 7]],
        [[64, 2000], [1, 2000]],
        [[64, 2000], [64, 1]],
        [[300, 301], [1]],
    ];

    [Test]
    public void SumTo([Values] DType dtype, [Range(0, 8)] int shapes)
    {
        Shape sx = SumShapes[shapes][0], sd = SumShapes[shapes][1];
        Parity($"SumTo {sx}→{sd}", [Rand(sx, dtype, 16), Rand(sd, dtype, 17)], [1], (k, t) => k.SumTo(t[0], t[1]), Tolerance.Reduction);
    }

    [Test]
    public void BroadcastTo([Values] DType dtype, [Range(0, 5)] int shapes)
    {
        Shape sd = SumShapes[shapes][0], sx = SumShapes[shapes][1];
        Parity($"BroadcastTo {sx}→{sd}", [Rand(sx, dtype, 18), Rand(sd, dtype, 19)], [1], (k, t) => k.BroadcastTo(t[0], t[1]), Tolerance.Exact);
    }
}

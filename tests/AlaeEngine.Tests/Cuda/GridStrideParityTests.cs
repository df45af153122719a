using AlaeEngine.Cpu;
using AlaeEngine.Tensors;
using AlaeEngine.Verification;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// The launchers cap a grid at <see cref="AlaeEngine.Cuda.CudaKernels.MaxBlocks"/> (65535·8) blocks and the kernels
/// loop grid-stride past it: the second pass of those loops, run for real at the sizes where it starts (a tensor of more
/// than 134,215,680 elements, a sum with more than 524,280 outputs), and for every op with the grid cut to two blocks.
/// </summary>
public class GridStrideParityTests : GpuParity
{
    private static IEnumerable<TestCaseData> Cases() => OpCases.All.Select(c => new TestCaseData(c).SetName($"TwoBlockGrid {c}"));

    /// <summary>Every op of the table on CUDA against the CPU with every launch cut to two blocks, so each block loops.</summary>
    [TestCaseSource(nameof(Cases))]
    public void EveryOpMatchesTheCpuWhenBlocksLoop(OpCase c)
    {
        int saved = Cuda.MaxBlocks;
        Cuda.MaxBlocks = 2;
        try
        {
            foreach (var r in ParityCheck.Run(c, new ParitySide(Device.Cpu, DType.Float32), new ParitySide(Gpu, DType.Float32), ParityCheck.Tolerance(c)))
                Assert.That(r.Passed, $"{c} {r.Check}: {r.Worst} max error {r.MaxError:E2} > {r.Tolerance:E0}");
        }
        finally { Cuda.MaxBlocks = saved; }
    }

    /// <summary>
    /// x: (2, 64, 1024, 1024) = 2²⁷ elements, 2048 past the first pass, on the device only (1 GiB for x and y). x is a
    /// 1024² plane of small integers plus a small integer per (n, c), so the host knows every element without a copy
    /// and every partial sum of SumTo is an integer below 2²⁴: any summation order is exact and the sums compare exactly.
    /// </summary>
    [Test]
    public void TensorPastTheGridLimitIsCoveredByBiasLeakyReluAndSumTo()
    {
        const int n = 2, c = 64, hw = 1024 * 1024;
        Assert.That((long)n * c * hw, Is.GreaterThan((long)Cuda.MaxBlocks * 256), "the tensor needs a second grid-stride pass");
        var random = new Random(5);
        var plane = Integers(new Shape(1, 1, 1024, 1024), random);
        var offsets = Integers(new Shape(n, c, 1, 1), random);
        var bias = Rand([c], DType.Float32, 6);
        using var x = Tensor.Empty(new Shape(n, c, 1024, 1024), DType.Float32, Gpu);
        using (var p = plane.MoveTo(Gpu))
        using (var o = offsets.MoveTo(Gpu))
            Cuda.Binary(BinaryOp.Add, p, o, x);

        using (var y = Tensor.Empty(x.Shape, DType.Float32, Gpu))
        using (var b = bias.MoveTo(Gpu))
        {
            Cuda.BiasLeakyRelu(x, b, y, 0.2);
            // plane by plane: the device copies one plane out, the host computes it from plane + offset
            using var rows = y.View(new Shape(n * c, hw));
            using var row = Tensor.Empty(new Shape(1, hw), DType.Float32, Gpu);
            for (int k = 0; k < n * c; k++)
            {
                using var scope = TensorScope.Begin();
                Cuda.CopyAxisRange(rows, k, row, 0, 1, 0);
                var xk = Tensor.Empty(plane.Shape, DType.Float32);
                CpuKernels.Instance.Binary(BinaryOp.Add, plane, Tensor.Full(new Shape(1, 1, 1, 1), offsets.Span<float>()[k]), xk);
                var expected = Tensor.Empty(plane.Shape, DType.Float32);
                CpuKernels.Instance.BiasLeakyRelu(xk, Tensor.Full(new Shape(1), bias.Span<float>()[k % c]), expected, 0.2);
                AssertClose(expected, row.MoveTo(Device.Cpu), Tolerance.Elementwise.For(DType.Float32), $"bias + leaky ReLU, plane {k} of {n * c}");
            }
        }

        using var sums = Tensor.Empty(new Shape(1, c, 1, 1), DType.Float32, Gpu);
        Cuda.SumTo(x, sums);
        double planeSum = plane.ToDoubleArray().Sum();
        var off = offsets.ToDoubleArray();
        var exact = Enumerable.Range(0, c).Select(ch => n * planeSum + (double)hw * Enumerable.Range(0, n).Sum(s => off[s * c + ch])).ToArray();
        Assert.That(sums.ToDoubleArray(), Is.EqualTo(exact), "SumTo (2, 64, 1024, 1024) → (1, 64, 1, 1), exact integers");
    }

    /// <summary>(2, 32, 128, 128) → (1, 32, 128, 128): 524,288 outputs, one block each, 8 of them in a block's second pass.</summary>
    [Test]
    public void SumToWithMoreOutputsThanTheGridLimit()
    {
        var dst = new Shape(1, 32, 128, 128);
        Assert.That(dst.Length, Is.GreaterThan(Cuda.MaxBlocks));
        // each output adds two numbers: one rounding, the same in any order
        Parity($"SumTo (2, 32, 128, 128) → {dst}", [Rand([2, 32, 128, 128], DType.Float32, 7), Rand(dst, DType.Float32, 8)], [1],
            (k, t) => k.SumTo(t[0], t[1]), Tolerance.Exact);
    }

    // integers in [-2, 2] as float32
    private static Tensor Integers(Shape shape, Random random)
    {
        var t = Tensor.Empty(shape, DType.Float32);
        var s = t.Span<float>();
        for (int i = 0; i < s.Length; i++) s[i] = random.Next(-2, 3);
        return t;
    }
}

using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>GPU against CPU: VGG16's 2×2 max pooling and its gradient, with ties (values on a coarse grid) and odd sizes.</summary>
public class GpuMaxPoolParityTests : GpuParity
{
    private static Tensor Tied(int[] dims, DType dtype, int seed)
    {
        var r = new Random(seed);
        var x = Tensor.FromArray(Enumerable.Range(0, dims.Aggregate(1, (a, b) => a * b)).Select(_ => (double)r.Next(-3, 4)).ToArray(), new Shape(dims));
        return dtype == DType.Float64 ? x : x.Cast(dtype);
    }

    [Test]
    public void MaxPool2x2([Values] DType dtype, [Values(new[] { 2, 3, 8, 6 }, new[] { 1, 2, 7, 9 }, new[] { 2, 64, 32, 32 })] int[] dims)
    {
        int[] dy = [dims[0], dims[1], dims[2] / 2, dims[3] / 2];
        Parity("MaxPool2x2", [Tied(dims, dtype, 60), Rand(dy, dtype, 61)], [1], (k, t) => k.MaxPool2x2(t[0], t[1]), Tolerance.Exact);
    }

    [Test]
    public void MaxPool2x2Backward([Values] DType dtype, [Values(new[] { 2, 3, 8, 6 }, new[] { 1, 2, 7, 9 })] int[] dims)
    {
        int[] dy = [dims[0], dims[1], dims[2] / 2, dims[3] / 2];
        Parity("MaxPool2x2Backward", [Tied(dims, dtype, 62), Rand(dy, dtype, 63), Rand(dims, dtype, 64)], [2],
            (k, t) => k.MaxPool2x2Backward(t[0], t[1], t[2]), Tolerance.Exact);
    }
}

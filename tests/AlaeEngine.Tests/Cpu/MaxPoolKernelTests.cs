using AlaeEngine.Cpu;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cpu;

/// <summary>The CPU max pooling against its definition, ties included (the op table checks its gradient away from ties).</summary>
public class MaxPoolKernelTests
{
    private static readonly CpuKernels K = CpuKernels.Instance;

    // values on a coarse grid so that many blocks hold ties; x: (2, 3, 5, 7), an odd last row and column
    private static Tensor Tied(DType dtype)
    {
        var r = new Random(5);
        var x = Tensor.FromArray(Enumerable.Range(0, 2 * 3 * 5 * 7).Select(_ => (double)r.Next(-2, 3)).ToArray(), new Shape(2, 3, 5, 7));
        return dtype == DType.Float64 ? x : x.Cast(dtype);
    }

    [Test]
    public void ForwardTakesEachBlocksMaximumAndBackwardItsFirstPosition([Values] DType dtype)
    {
        using var scope = TensorScope.Begin();
        var x = Tied(dtype);
        var y = Tensor.Empty(new Shape(2, 3, 2, 3), dtype);
        K.MaxPool2x2(x, y);
        var gy = Tensor.FromArray(Enumerable.Range(1, y.Length).Select(v => (double)v).ToArray(), y.Shape).Cast(dtype);
        var gx = Tensor.Full(x.Shape, 99, dtype); // overwritten everywhere
        K.MaxPool2x2Backward(x, gy, gx);
        var xs = x.ToDoubleArray(); var ys = y.ToDoubleArray(); var gs = gx.ToDoubleArray(); var g = gy.ToDoubleArray();
        var expected = new double[xs.Length];
        for (int pl = 0; pl < 6; pl++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++)
                {
                    int[] block = [pl * 35 + 2 * i * 7 + 2 * j, pl * 35 + 2 * i * 7 + 2 * j + 1, pl * 35 + (2 * i + 1) * 7 + 2 * j, pl * 35 + (2 * i + 1) * 7 + 2 * j + 1];
                    double max = block.Max(k => xs[k]);
                    int o = pl * 6 + i * 3 + j;
                    Assert.That(ys[o], Is.EqualTo(max), $"y[{o}]");
                    expected[block.First(k => xs[k] == max)] = g[o];
                }
        Assert.That(gs, Is.EqualTo(expected), "gradient at each block's first maximum, zero elsewhere (dropped row and column included)");
    }

    [Test]
    public void SecondOrderThroughMaxPoolFailsClearly()
    {
        using var scope = TensorScope.Begin();
        var x = Tied(DType.Float64);
        x.RequiresGrad = true;
        var y = Op.Sum(Op.Square(Op.MaxPool2x2(x)));
        Assert.That(() => AlaeEngine.Autograd.Autograd.Grad([y], [x], createGraph: true),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("MaxPool2x2"));
    }
}

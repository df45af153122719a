using AlaeEngine.Cpu;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cpu;

/// <summary>
/// The kernels split over threads (rows, planes, element ranges, destination ranges) at sizes that do split: the same
/// bits on 1 and 2 threads, and the same values as their definitions.
/// </summary>
[NonParallelizable]
public class ParallelKernelTests
{
    private static readonly CpuKernels K = CpuKernels.Instance;

    private static Tensor Rand(ulong seed, params int[] dims)
    {
        var shape = new Shape(dims);
        return Tensor.FromArray(Enumerable.Range(0, shape.Length).Select(i => (float)Philox.Normal(seed, (ulong)i)).ToArray(), shape);
    }

    [TearDown]
    public void Restore() => CpuKernels.Threads = Environment.ProcessorCount;

    private static double[] OnThreads(int threads, Func<Tensor> kernel)
    {
        CpuKernels.Threads = threads;
        using var scope = TensorScope.Begin();
        return kernel().ToDoubleArray();
    }

    private static readonly (string Name, Func<Tensor> Run)[] Kernels =
    [
        ("BiasLeakyRelu (N, C)", () => Run(Rand(1, 256, 1024), (x, y) => K.BiasLeakyRelu(x, Rand(2, 1024), y, 0.2))),
        ("BiasLeakyRelu (N, C, H, W)", () => Run(Rand(1, 8, 64, 16, 16), (x, y) => K.BiasLeakyRelu(x, Rand(2, 64), y, 0.2))),
        ("AddNoise", () => Run(Rand(1, 8, 64, 16, 16), (x, y) => K.AddNoise(x, Rand(2, 64), Rand(3, 8, 1, 16, 16), y))),
        ("StyleModulate", () => Run(Rand(1, 8, 64, 16, 16), (x, y) => K.StyleModulate(x, Rand(2, 8, 128), y))),
        ("Binary broadcast", () => Op.Mul(Rand(1, 8, 64, 16, 16), Rand(2, 8, 64, 1, 1))),
        ("SumTo keeping the inner axis", () => Op.SumTo(Rand(1, 512, 1024), new Shape(1, 1024))),
        ("SumTo over the inner axis", () => Op.SumTo(Rand(1, 8, 64, 16, 16), new Shape(1, 64, 1, 1))),
        ("LeakyReluGrad", () => Run(Rand(1, 8, 64, 16, 16), (x, y) => K.LeakyReluGrad(Rand(2, 8, 64, 16, 16), x, y, 0.2))),
        ("Unary exp", () => Op.Exp(Rand(1, 8, 64, 16, 16))),
        ("InstanceNorm", () => Op.InstanceNorm(Rand(1, 8, 64, 16, 16), 1e-5, 1e-8).y),
        ("Upsample2x", () => Op.Upsample2x(Rand(1, 8, 64, 16, 16))),
        ("AvgPool2x2", () => Op.AvgPool2x2(Rand(1, 8, 64, 16, 16))),
        ("BiasLeakyReluBackward (N, C)", () => Both(Rand(1, 256, 1024), new Shape(256, 1024), new Shape(1024), (g, gx, gb) => K.BiasLeakyReluBackward(g, Rand(2, 256, 1024), gx, gb, 0.2, 1))),
        ("BiasLeakyReluBackward (N, C, H, W)", () => Both(Rand(1, 8, 64, 16, 16), new Shape(8, 64, 16, 16), new Shape(64), (g, gx, gb) => K.BiasLeakyReluBackward(g, Rand(2, 8, 64, 16, 16), gx, gb, 0.2, Math.Sqrt(2)))),
        ("StyleModulateBackward", () => Both(Rand(1, 8, 64, 16, 16), new Shape(8, 64, 16, 16), new Shape(8, 128), (g, gx, gs) => K.StyleModulateBackward(g, Rand(2, 8, 64, 16, 16), Rand(3, 8, 128), gx, gs))),
        ("AddNoiseBackward", () => Both(Rand(1, 8, 64, 16, 16), new Shape(64), new Shape(8, 1, 16, 16), (g, gw, gn) => K.AddNoiseBackward(g, Rand(2, 64), Rand(3, 8, 1, 16, 16), gw, gn))),
        ("Conv2dBackwardWeight over the batch's halves (N·H·W ≥ 4096, odd N)", () =>
        {
            var gw = Tensor.Empty(new Shape(24, 16, 3, 3));
            K.Conv2dBackwardWeight(Rand(1, 5, 16, 32, 32), Rand(2, 5, 24, 32, 32), gw, 1, 1);
            return gw;
        }),
        // 4,096 elements: split over two threads since a draw is costed as 30 element copies (one before)
        ("FillRandom normal", () => Filled(new Shape(4, 1, 32, 32), normal: true)),
        ("FillRandom uniform", () => Filled(new Shape(4, 1, 32, 32), normal: false)),
        ("InstanceNormBackward", () => Run(Rand(1, 8, 64, 16, 16), (gy, gx) => K.InstanceNormBackward(gy, Rand(2, 8, 64, 16, 16), Op.AddScalar(Op.Square(Rand(3, 8, 64, 1, 1)), 0.5), Rand(4, 8, 64, 1, 1), Rand(5, 8, 64, 1, 1), gx, 1e-5, 1e-8))),
    ];

    // a backward kernel's two outputs side by side
    private static Tensor Both(Tensor g, Shape firstShape, Shape second, Action<Tensor, Tensor, Tensor> kernel)
    {
        var first = Tensor.Empty(firstShape);
        var other = Tensor.Empty(second);
        kernel(g, first, other);
        return Op.Concat(0, Op.Reshape(first, first.Length), Op.Reshape(other, other.Length));
    }

    private static Tensor Filled(Shape shape, bool normal)
    {
        var t = Tensor.Empty(shape);
        K.FillRandom(t, 7, 1_000_003, normal);
        return t;
    }

    private static Tensor Run(Tensor x, Action<Tensor, Tensor> kernel)
    {
        var y = Tensor.Empty(x.Shape);
        kernel(x, y);
        return y;
    }

    [TestCaseSource(nameof(Names))]
    public void SameBitsOnOneAndTwoThreads(string name)
    {
        var run = Kernels.Single(k => k.Name == name).Run;
        Assert.That(OnThreads(2, run), Is.EqualTo(OnThreads(1, run)));
    }

    private static IEnumerable<string> Names() => Kernels.Select(k => k.Name);

    [Test]
    public void WideKernelsFollowTheirDefinitions()
    {
        CpuKernels.Threads = 2;
        using var scope = TensorScope.Begin();
        var x = Rand(1, 256, 1024); var b = Rand(2, 1024);
        var y = Tensor.Empty(x.Shape);
        K.BiasLeakyRelu(x, b, y, 0.2);
        var xs = x.ToDoubleArray(); var bs = b.ToDoubleArray(); var ys = y.ToDoubleArray();
        for (int i = 0; i < xs.Length; i++)
        {
            double u = (float)(xs[i] + bs[i % 1024]);
            Assert.That(ys[i], Is.EqualTo(u > 0 ? u : (float)(0.2f * (float)u)), $"leaky_relu(x + b)[{i}]");
        }
        // element i of a random fill is draw offset + i of the seed's stream, whichever thread made it
        var n = Filled(new Shape(4, 1, 32, 32), normal: true).ToDoubleArray();
        for (int i = 0; i < n.Length; i++)
            Assert.That(n[i], Is.EqualTo((double)(float)Philox.Normal(7, 1_000_003 + (ulong)i)), $"normal draw {i}");
        var s = Op.SumTo(x, new Shape(1, 1024)).ToDoubleArray();
        for (int j = 0; j < 1024; j++)
            Assert.That(s[j], Is.EqualTo(Enumerable.Range(0, 256).Sum(r => xs[r * 1024 + j])).Within(1e-4), $"column sum {j}");
    }
}

using AlaeEngine.Cpu;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cpu;

/// <summary>
/// The fused epilogue kernels (CpuKernels.Epilogue.cs) against an element loop written from their definitions, and
/// against the broadcast ops they replace, bit for bit: the layers switched to them, so training must not change.
/// Their backward kernels likewise against the composed gradients they replace (the op table checks the mathematics).
/// </summary>
public class EpilogueKernelTests
{
    private static readonly CpuKernels K = CpuKernels.Instance;

    private static Tensor Rand(DType dtype, ulong seed, params int[] dims)
    {
        var shape = new Shape(dims);
        var data = Enumerable.Range(0, shape.Length).Select(i => Philox.Normal(seed, (ulong)i)).ToArray();
        using var t = Tensor.FromArray(data, shape);
        return t.Cast(dtype);
    }

    private static void AssertBitEqual(Tensor expected, Tensor actual, string what)
        => Assert.That(actual.ToDoubleArray(), Is.EqualTo(expected.ToDoubleArray()), what);

    [Test]
    public void BiasLeakyReluFollowsItsDefinition([Values] DType dtype, [Values(new[] { 5, 7 }, new[] { 3, 4, 5, 6 })] int[] dims,
        [Values(1.0, 1.4142135623730951)] double gain)
    {
        using var scope = TensorScope.Begin();
        var x = Rand(dtype, 1, dims);
        var bias = Rand(dtype, 2, dims[1]);
        var y = Tensor.Empty(x.Shape, dtype);
        K.BiasLeakyRelu(x, bias, y, 0.2, gain);
        var xs = x.ToDoubleArray(); var bs = bias.ToDoubleArray(); var ys = y.ToDoubleArray();
        int c = dims[1], inner = x.Length / (dims[0] * c);
        double tol = dtype == DType.Float32 ? 1e-6 : 1e-15;
        for (int i = 0; i < xs.Length; i++)
        {
            double u = xs[i] + bs[i / inner % c];
            Assert.That(ys[i], Is.EqualTo(gain * (u > 0 ? u : 0.2 * u)).Within(tol * (1 + Math.Abs(u))), $"y[{i}]");
        }
        if (gain != 1) return; // the bit-identity below is gain 1's (ALAE's layers)

        var composed = Op.LeakyRelu(Op.Add(x, Op.Reshape(bias, Op.ChannelShape(x))), 0.2);
        AssertBitEqual(composed, y, "LeakyRelu(Add(x, bias))");
    }

    [Test]
    public void BiasLeakyReluBackwardIsTheComposedGradientBitForBit([Values] DType dtype,
        [Values(new[] { 5, 7 }, new[] { 3, 4, 5, 6 }, new[] { 3, 1, 4, 5 }, new[] { 1, 4, 3, 3 }, new[] { 2, 3, 1, 1 })] int[] dims,
        [Values(1.0, 1.4142135623730951)] double gain)
    {
        using var scope = TensorScope.Begin();
        var g = Rand(dtype, 8, dims);
        var y = Rand(dtype, 9, dims);
        var gx = Tensor.Empty(g.Shape, dtype);
        var gBias = Tensor.Empty(new Shape(dims[1]), dtype);
        K.BiasLeakyReluBackward(g, y, gx, gBias, 0.2, gain);

        var gu = Op.LeakyReluGrad(g, y, 0.2, gain);
        AssertBitEqual(gu, gx, "LeakyReluGrad(g, y, slope, gain)");
        AssertBitEqual(Op.Reshape(Op.SumTo(gu, Op.ChannelShape(g)), dims[1]), gBias, "SumTo(gx, (1, C, 1, …))");
    }

    [Test]
    public void AddNoiseFollowsItsDefinition([Values] DType dtype)
    {
        using var scope = TensorScope.Begin();
        var x = Rand(dtype, 3, 2, 3, 4, 5);
        var weight = Rand(dtype, 4, 3);
        var noise = Rand(dtype, 5, 2, 1, 4, 5);
        var y = Tensor.Empty(x.Shape, dtype);
        K.AddNoise(x, weight, noise, y);
        var xs = x.ToDoubleArray(); var ws = weight.ToDoubleArray(); var ns = noise.ToDoubleArray(); var ys = y.ToDoubleArray();
        double tol = dtype == DType.Float32 ? 1e-6 : 1e-15;
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 20; p++)
                {
                    int i = (n * 3 + c) * 20 + p;
                    double e = xs[i] + ws[c] * ns[n * 20 + p];
                    Assert.That(ys[i], Is.EqualTo(e).Within(tol * (1 + Math.Abs(e))), $"y[{n},{c},{p}]");
                }

        var composed = Op.Add(x, Op.Mul(Op.Reshape(weight, 1, 3, 1, 1), noise));
        AssertBitEqual(composed, y, "Add(x, Mul(weight, noise))");
    }

    [Test]
    public void StyleModulateFollowsItsDefinition([Values] DType dtype)
    {
        using var scope = TensorScope.Begin();
        var x = Rand(dtype, 6, 3, 5, 2, 3);
        var style = Rand(dtype, 7, 3, 10);
        var y = Tensor.Empty(x.Shape, dtype);
        K.StyleModulate(x, style, y);
        var xs = x.ToDoubleArray(); var ss = style.ToDoubleArray(); var ys = y.ToDoubleArray();
        double tol = dtype == DType.Float32 ? 1e-6 : 1e-15;
        for (int n = 0; n < 3; n++)
            for (int c = 0; c < 5; c++)
                for (int p = 0; p < 6; p++)
                {
                    int i = (n * 5 + c) * 6 + p;
                    double e = xs[i] * (1 + ss[n * 10 + c]) + ss[n * 10 + 5 + c];
                    Assert.That(ys[i], Is.EqualTo(e).Within(tol * (1 + Math.Abs(e))), $"y[{n},{c},{p}]");
                }

        var s = Op.Reshape(Op.Slice(style, 1, 0, 5), 3, 5, 1, 1);
        var b = Op.Reshape(Op.Slice(style, 1, 5, 5), 3, 5, 1, 1);
        AssertBitEqual(Op.Add(Op.Mul(x, Op.AddScalar(s, 1)), b), y, "x·(1 + s) + b as broadcast ops");
    }

    [Test]
    public void AddNoiseBackwardIsTheComposedGradientBitForBit([Values] DType dtype,
        [Values(new[] { 2, 3, 4, 5 }, new[] { 3, 1, 2, 3 }, new[] { 2, 4, 1, 1 })] int[] dims)
    {
        using var scope = TensorScope.Begin();
        int n = dims[0], c = dims[1];
        var g = Rand(dtype, 13, dims);
        var weight = Rand(dtype, 14, c);
        var noise = Rand(dtype, 15, n, 1, dims[2], dims[3]);
        var gWeight = Tensor.Empty(weight.Shape, dtype);
        var gNoise = Tensor.Empty(noise.Shape, dtype);
        K.AddNoiseBackward(g, weight, noise, gWeight, gNoise);

        var channelWeight = Op.Reshape(weight, 1, c, 1, 1);
        AssertBitEqual(Op.Reshape(Op.SumTo(Op.Mul(g, noise), channelWeight.Shape), weight.Shape), gWeight, "SumTo(g·noise, (1, C, 1, 1))");
        AssertBitEqual(Op.SumTo(Op.Mul(g, channelWeight), noise.Shape), gNoise, "SumTo(g·weight, (N, 1, H, W))");
    }

    [Test]
    public void StyleModulateBackwardIsTheComposedGradientBitForBit([Values] DType dtype, [Values(new[] { 3, 5, 2, 3 }, new[] { 2, 1, 1, 1 })] int[] dims)
    {
        using var scope = TensorScope.Begin();
        int n = dims[0], c = dims[1];
        var g = Rand(dtype, 10, dims);
        var x = Rand(dtype, 11, dims);
        var style = Rand(dtype, 12, n, 2 * c);
        var gx = Tensor.Empty(g.Shape, dtype);
        var gStyle = Tensor.Empty(style.Shape, dtype);
        K.StyleModulateBackward(g, x, style, gx, gStyle);

        var perChannel = new Shape(n, c, 1, 1);
        AssertBitEqual(Op.Mul(g, Op.AddScalar(Op.Reshape(Op.Slice(style, 1, 0, c), perChannel), 1)), gx, "g·(1 + s)");
        var composed = Op.Concat(1, Op.Reshape(Op.SumTo(Op.Mul(g, x), perChannel), n, c), Op.Reshape(Op.SumTo(g, perChannel), n, c));
        AssertBitEqual(composed, gStyle, "[Σ g·x, Σ g] per plane");
    }

    [Test]
    public void BadShapesAndSlopesAreNamed()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Zeros(new Shape(2, 3, 4, 4));
        Assert.That(() => Op.BiasLeakyRelu(x, Tensor.Zeros(new Shape(4))), Throws.ArgumentException.With.Message.Contains("BiasLeakyRelu").And.Message.Contains("(2, 3, 4, 4)"));
        Assert.That(() => Op.BiasLeakyRelu(x, Tensor.Zeros(new Shape(3)), -0.1), Throws.ArgumentException.With.Message.Contains("slope"));
        Assert.That(() => Op.StyleMod(x, Tensor.Zeros(new Shape(2, 3))), Throws.ArgumentException.With.Message.Contains("(2, 6)"));
        Assert.That(() => Op.AddNoise(x, Tensor.Zeros(new Shape(3)), Tensor.Zeros(new Shape(2, 3, 4, 4))), Throws.ArgumentException.With.Message.Contains("noise"));
    }
}

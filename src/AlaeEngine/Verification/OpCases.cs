using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Verification;

/// <summary>
/// The op table: every differentiable op of the engine with a few cases each (odd sizes, broadcasting, strides).
/// Checked in float64 against finite differences (tests/…/OpGradientTests), to second order where
/// <see cref="OpCase.SecondOrder"/>, and on the GPU against the CPU by `alae selftest`.
/// </summary>
public static class OpCases
{
    public static IReadOnlyList<OpCase> All { get; } = Build();

    private static InputSpec N(params int[] s) => new(new Shape(s));
    private static InputSpec P(params int[] s) => new(new Shape(s), InputKind.Positive);
    private static InputSpec A(params int[] s) => new(new Shape(s), InputKind.AwayFromZero);
    private static InputSpec K(params int[] s) => new(new Shape(s), InputKind.Constant);
    private static OpCase Case(string op, string label, InputSpec[] inputs, Func<Tensor[], Tensor> build, bool second = true)
        => new(op, label, inputs, x => new[] { build(x) }, second);

    private static List<OpCase> Build()
    {
        var all = new List<OpCase>();
        all.AddRange(Elementwise());
        all.AddRange(Reductions());
        all.AddRange(Shapes());
        all.AddRange(Products());
        all.AddRange(Resampling());
        all.AddRange(Normalisation());
        all.AddRange(LatentSphere());
        all.AddRange(StyleGan2());
        return all;
    }

    private static IEnumerable<OpCase> Elementwise()
    {
        yield return Case("Add", "same shape", new[] { N(3, 5), N(3, 5) }, x => Op.Add(x[0], x[1]));
        yield return Case("Add", "bias (N,C,H,W)+(1,C,1,1)", new[] { N(2, 3, 4, 5), N(1, 3, 1, 1) }, x => Op.Add(x[0], x[1]));
        yield return Case("Add", "row (N,F)+(F)", new[] { N(4, 7), N(7) }, x => Op.Add(x[0], x[1]));
        yield return Case("Sub", "both broadcast (3,1)-(1,4)", new[] { N(3, 1), N(1, 4) }, x => Op.Sub(x[0], x[1]));
        yield return Case("Mul", "broadcast (2,3,4)*(3,1)", new[] { N(2, 3, 4), N(3, 1) }, x => Op.Mul(x[0], x[1]));
        yield return Case("Mul", "same input twice", new[] { N(5, 3) }, x => Op.Mul(x[0], x[0]));
        yield return Case("Div", "broadcast (4,5)/(5)", new[] { N(4, 5), P(5) }, x => Op.Div(x[0], x[1]));
        yield return Case("Neg", "", new[] { N(3, 4) }, x => Op.Neg(x[0]));
        yield return Case("Scale", "×-1.7", new[] { N(3, 4) }, x => Op.Scale(x[0], -1.7));
        yield return Case("AddScalar", "+0.3", new[] { N(3, 4) }, x => Op.Mul(Op.AddScalar(x[0], 0.3), x[0]));
        yield return Case("Square", "", new[] { N(3, 4) }, x => Op.Square(x[0]));
        yield return Case("Sqrt", "", new[] { P(3, 4) }, x => Op.Sqrt(x[0]));
        yield return Case("Rsqrt", "", new[] { P(3, 4) }, x => Op.Rsqrt(x[0]));
        yield return Case("Exp", "", new[] { N(3, 4) }, x => Op.Exp(x[0]));
        yield return Case("Log", "", new[] { P(3, 4) }, x => Op.Log(x[0]));
        yield return Case("Softplus", "", new[] { N(4, 5) }, x => Op.Softplus(Op.Scale(x[0], 3)));
        yield return Case("Sigmoid", "", new[] { N(4, 5) }, x => Op.Sigmoid(Op.Scale(x[0], 2)));
        yield return Case("Abs", "", new[] { A(3, 7) }, x => Op.Abs(x[0]));
        // x·sign(x) = |x|: checks the mask's values through the product's gradient (sign itself is constant)
        yield return Case("Sign", "x·sign(x)", new[] { A(3, 7) }, x => Op.Mul(x[0], Op.Sign(x[0])));
        // the inputs shifted so the kink at −0.4 is ≥ 0.1 away
        yield return Case("ClampMin", "min −0.4", new[] { A(3, 7) }, x => Op.ClampMin(Op.AddScalar(x[0], -0.4), -0.4));
        yield return Case("LeakyRelu", "slope 0.2", new[] { A(3, 7) }, x => Op.LeakyRelu(x[0], 0.2));
        // inputs away from zero and a small bias keep x + bias off the kink, where finite differences are meaningless
        yield return Case("BiasLeakyRelu", "linear (N,F)+(F)", new[] { A(4, 7), N(7) }, x => Op.BiasLeakyRelu(x[0], Op.Scale(x[1], 0.02), 0.2));
        yield return Case("BiasLeakyRelu", "conv (N,C,H,W)+(C)", new[] { A(2, 3, 4, 5), N(3) }, x => Op.BiasLeakyRelu(x[0], Op.Scale(x[1], 0.02), 0.2));
        // y away from zero: the mask it carries stays put under finite differences
        yield return new OpCase("BiasLeakyReluBackward", "linear (N,F)", new[] { N(4, 7), A(4, 7) }, x =>
        {
            var (gx, gBias) = Op.BiasLeakyReluBackward(x[0], x[1], 0.2);
            return new[] { gx, gBias };
        }, true);
        yield return new OpCase("BiasLeakyReluBackward", "conv (N,C,H,W), gain √2", new[] { N(2, 3, 4, 5), A(2, 3, 4, 5) }, x =>
        {
            var (gx, gBias) = Op.BiasLeakyReluBackward(x[0], x[1], 0.2, Math.Sqrt(2));
            return new[] { gx, gBias };
        }, true);
        yield return Case("LeakyReluGrad", "slope 0.2", new[] { N(3, 7), A(3, 7) }, x => Op.LeakyReluGrad(x[0], x[1], 0.2));
        yield return Case("Lerp", "scalar t", new[] { N(3, 4), N(3, 4) }, x => Op.Lerp(x[0], x[1], 0.35));
        yield return Case("Lerp", "tensor t", new[] { N(2, 3, 4), N(2, 3, 4), N(1, 3, 1) }, x => Op.Lerp(x[0], x[1], x[2]));
    }

    private static IEnumerable<OpCase> Reductions()
    {
        yield return Case("Sum", "all", new[] { N(3, 4, 5) }, x => Op.Mul(Op.Sum(x[0]), Op.Sum(x[0])));
        yield return Case("Sum", "axes 0,2", new[] { N(3, 4, 5) }, x => Op.Square(Op.Sum(x[0], 0, 2)));
        yield return Case("Mean", "axes 2,3", new[] { N(2, 3, 4, 5) }, x => Op.Square(Op.Mean(x[0], 2, 3)));
        yield return Case("Mean", "all", new[] { N(7, 3) }, x => Op.Square(Op.Mean(x[0])));
        yield return Case("MeanAbsError", "squared", new[] { N(3, 4, 5), N(3, 4, 5) }, x => Op.Square(Op.MeanAbsError(x[0], x[1])));
        yield return Case("SumTo", "(2,3,4)→(3,1)", new[] { N(2, 3, 4) }, x => Op.Square(Op.SumTo(x[0], new Shape(3, 1))));
        yield return Case("BroadcastTo", "(3,1)→(2,3,4)", new[] { N(3, 1) }, x => Op.Square(Op.BroadcastTo(x[0], new Shape(2, 3, 4))));
    }

    private static IEnumerable<OpCase> Shapes()
    {
        yield return Case("Reshape", "(2,6)→(3,4)", new[] { N(2, 6) }, x => Op.Square(Op.Reshape(x[0], 3, 4)));
        yield return Case("Concat", "axis 1", new[] { N(2, 3, 2), N(2, 1, 2), N(2, 2, 2) }, x => Op.Square(Op.Concat(1, x[0], x[1], x[2])));
        yield return Case("Slice", "axis 1 [1,4)", new[] { N(3, 5, 2) }, x => Op.Square(Op.Slice(x[0], 1, 1, 3)));
        yield return Case("PadAxis", "axis 0", new[] { N(2, 3) }, x => Op.Square(Op.PadAxis(x[0], 0, 1, 4)));
    }

    private static IEnumerable<OpCase> Products()
    {
        yield return Case("MatMul", "a·b", new[] { N(3, 5), N(5, 4) }, x => Op.MatMul(x[0], x[1]));
        yield return Case("MatMul", "aᵀ·b", new[] { N(5, 3), N(5, 4) }, x => Op.MatMul(x[0], x[1], transA: true));
        yield return Case("MatMul", "a·bᵀ α=0.7", new[] { N(3, 5), N(4, 5) }, x => Op.MatMul(x[0], x[1], transB: true, alpha: 0.7));
        yield return Case("MatMul", "aᵀ·bᵀ, wide", new[] { N(5, 9), N(19, 5) }, x => Op.MatMul(x[0], x[1], true, true));
        yield return Case("MatMul", "squared (second order is non-trivial)", new[] { N(3, 4), N(4, 3) }, x => Op.Square(Op.MatMul(x[0], x[1])));
        yield return Case("Conv2d", "3×3 pad 1", new[] { N(2, 3, 5, 6), N(4, 3, 3, 3) }, x => Op.Conv2d(x[0], x[1], 1, 1));
        yield return Case("Conv2d", "1×1", new[] { N(2, 3, 4, 3), N(2, 3, 1, 1) }, x => Op.Conv2d(x[0], x[1]));
        yield return Case("Conv2d", "4×4 stride 2 pad 1 (down)", new[] { N(1, 2, 6, 6), N(3, 2, 4, 4) }, x => Op.Conv2d(x[0], x[1], 2, 1));
        yield return Case("Conv2d", "3×3 odd size, squared", new[] { N(1, 2, 5, 5), N(2, 2, 3, 3) }, x => Op.Square(Op.Conv2d(x[0], x[1], 1, 1)));
        yield return Case("ConvTranspose2d", "4×4 stride 2 pad 1 (up)", new[] { N(1, 3, 3, 3), N(3, 2, 4, 4) },
            x => Op.Conv2dBackwardData(x[0], x[1], new Shape(1, 2, 6, 6), 2, 1));
        yield return Case("Conv2dBackwardWeight", "3×3 pad 1", new[] { N(2, 2, 4, 5), N(2, 3, 4, 5) },
            x => Op.Conv2dBackwardWeight(x[0], x[1], new Shape(3, 2, 3, 3), 1, 1));
        yield return Case("ModulatedConv2d", "demodulated 3×3", new[] { N(2, 3, 4, 4), N(2, 3, 3, 3), P(2, 3) },
            x => Op.ModulatedConv2d(x[0], x[1], x[2], 1));
        yield return Case("ModulatedConv2d", "1×1 no demod (ToRGB)", new[] { N(2, 3, 3, 3), N(2, 3, 1, 1), N(2, 3) },
            x => Op.ModulatedConv2d(x[0], x[1], x[2], 0, demodulate: false));
    }

    private static IEnumerable<OpCase> Resampling()
    {
        yield return Case("Upfirdn2d", "blur 3×3 pad 1", new[] { N(2, 3, 5, 4), K(3, 3) }, x => Op.Blur(x[0], x[1]));
        yield return Case("Upfirdn2d", "up 2, 4×4, pad 2/1", new[] { N(1, 2, 3, 4), K(4, 4) }, x => Op.Upfirdn2d(x[0], x[1], 2, 1, 2, 1, 2, 1));
        yield return Case("Upfirdn2d", "down 2, 4×4, pad 1/1", new[] { N(1, 2, 6, 7), K(4, 4) }, x => Op.Upfirdn2d(x[0], x[1], 1, 2, 1, 1, 1, 1));
        yield return Case("Upfirdn2d", "separable 1×3, crop", new[] { N(1, 1, 5, 6), K(1, 3) }, x => Op.Upfirdn2d(x[0], x[1], 1, 1, 0, -1, 1, 0));
        yield return Case("Upfirdn2dAdjoint", "up 2 adjoint", new[] { N(1, 2, 6, 8), K(4, 4) },
            x => Op.Upfirdn2dAdjoint(x[0], x[1], new Shape(1, 2, 3, 4), 2, 1, 2, 1, 2, 1));
        yield return Case("Upfirdn2dAdjoint", "down 2 adjoint", new[] { N(1, 2, 3, 3), K(4, 4) },
            x => Op.Upfirdn2dAdjoint(x[0], x[1], new Shape(1, 2, 6, 7), 1, 2, 1, 1, 1, 1));
        yield return Case("Upfirdn2dAdjoint", "blur adjoint", new[] { N(2, 3, 5, 4), K(3, 3) },
            x => Op.Upfirdn2dAdjoint(x[0], x[1], new Shape(2, 3, 5, 4), 1, 1, 1, 1, 1, 1));
        yield return Case("AvgPool2x2", "", new[] { N(2, 3, 4, 6) }, x => Op.Square(Op.AvgPool2x2(x[0])));
        yield return Case("Upsample2x", "", new[] { N(2, 2, 3, 2) }, x => Op.Square(Op.Upsample2x(x[0])));
    }

    private static IEnumerable<OpCase> Normalisation()
    {
        yield return new OpCase("InstanceNorm", "y, mean, std taps", new[] { N(2, 3, 4, 5) }, x =>
        {
            var (y, m, s) = Op.InstanceNorm(x[0], 1e-5, 1e-8);
            return new[] { y, m, s };
        }, true);
        yield return new OpCase("InstanceNorm", "y only, 2×2 plane", new[] { N(3, 2, 2, 2) }, x => new[] { Op.InstanceNorm(x[0], 1e-8, 1e-8).y }, true);
        yield return new OpCase("InstanceNorm", "std tap only", new[] { N(2, 2, 3, 3) }, x => new[] { Op.InstanceNorm(x[0]).std }, true);
        // eps far from epsTap, so the terms of s = √(std² + eps − epsTap) that depend on their difference are weighed
        yield return Case("InstanceNormBackward", "gy and both taps, eps 0.3/0.05", new[] { N(2, 3, 4, 5), N(2, 3, 4, 5), P(2, 3, 1, 1), N(2, 3, 1, 1), N(2, 3, 1, 1) },
            x => Op.InstanceNormBackward(x[0], x[1], x[2], x[3], x[4], 0.3, 0.05));
        yield return Case("InstanceNormBackward", "gy only, 2×2 plane", new[] { N(3, 2, 2, 2), N(3, 2, 2, 2), P(3, 2, 1, 1) },
            x => Op.InstanceNormBackward(x[0], x[1], x[2], null, null, 1e-5, 1e-5));
        yield return Case("InstanceNormBackward", "taps only", new[] { N(2, 2, 3, 3), P(2, 2, 1, 1), N(2, 2, 1, 1), N(2, 2, 1, 1) },
            x => Op.InstanceNormBackward(null, x[0], x[1], x[2], x[3], 1e-5, 1e-8));
        yield return Case("PixelNorm", "(N, C)", new[] { N(4, 6) }, x => Op.PixelNorm(x[0]));
        yield return Case("StyleMod", "AdaIN x·(1+s)+b", new[] { N(2, 3, 4, 4), N(2, 6) }, x => Op.StyleMod(x[0], x[1]));
        yield return Case("StyleMod", "odd sizes 3×5×3×7", new[] { N(3, 5, 3, 7), N(3, 10) }, x => Op.StyleMod(x[0], x[1]));
        yield return new OpCase("StyleModBackward", "AdaIN gradients", new[] { N(2, 3, 4, 4), N(2, 3, 4, 4), N(2, 6) }, x =>
        {
            var (gx, gStyle) = Op.StyleModBackward(x[0], x[1], x[2]);
            return new[] { gx, gStyle };
        }, true);
        yield return new OpCase("StyleModBackward", "odd sizes 3×5×3×7", new[] { N(3, 5, 3, 7), N(3, 5, 3, 7), N(3, 10) }, x =>
        {
            var (gx, gStyle) = Op.StyleModBackward(x[0], x[1], x[2]);
            return new[] { gx, gStyle };
        }, true);
        yield return Case("AddNoise", "per-channel weight", new[] { N(2, 3, 4, 5), N(3), N(2, 1, 4, 5) }, x => Op.AddNoise(x[0], x[1], x[2]));
        yield return new OpCase("AddNoiseBackward", "weight and noise gradients", new[] { N(2, 3, 4, 5), N(3), N(2, 1, 4, 5) }, x =>
        {
            var (gWeight, gNoise) = Op.AddNoiseBackward(x[0], x[1], x[2]);
            return new[] { gWeight, gNoise };
        }, true);
        // u is the stored power-iteration vector, a constant of the op; the gradient flows through v, u′ and σ
        yield return Case("SpectralNorm", "conv weight (4,3,3,3)", new[] { N(4, 3, 3, 3), K(4) }, x => Op.SpectralNorm(x[0], x[1]).weight);
        yield return Case("SpectralNorm", "matrix (5,7)", new[] { N(5, 7), K(5) }, x => Op.SpectralNorm(x[0], x[1]).weight);
    }

    private static IEnumerable<OpCase> LatentSphere()
    {
        yield return Case("SphereProject", "(N, D)", new[] { N(4, 6) }, x => Op.SphereProject(x[0]));
        yield return Case("BatchKl", "(5, 3)", new[] { N(5, 3) }, x => Op.BatchKl(x[0]));
        yield return Case("CosineMismatch", "(4, 6)", new[] { N(4, 6), N(4, 6) }, x => Op.CosineMismatch(x[0], x[1]));
    }

    // AE-StyleGAN's networks (StyleGAN2 config-f): every op on D's R1 path and on G's path-length path to second order
    private static IEnumerable<OpCase> StyleGan2()
    {
        const double Sqrt2 = 1.4142135623730951;
        yield return Case("BiasLeakyRelu", "gain √2 linear (N,F)+(F)", new[] { A(4, 7), N(7) }, x => Op.BiasLeakyRelu(x[0], Op.Scale(x[1], 0.02), 0.2, Sqrt2));
        yield return Case("BiasLeakyRelu", "gain √2 conv (N,C,H,W)+(C)", new[] { A(2, 3, 4, 5), N(3) }, x => Op.BiasLeakyRelu(x[0], Op.Scale(x[1], 0.02), 0.2, Sqrt2));
        yield return Case("LeakyReluGrad", "slope 0.2 gain √2", new[] { N(3, 7), A(3, 7) }, x => Op.LeakyReluGrad(x[0], x[1], 0.2, Sqrt2));
        yield return Case("AddNoise", "scalar weight broadcast (StyleGAN2)", new[] { N(2, 3, 4, 5), N(1), N(2, 1, 4, 5) },
            x => Op.AddNoise(x[0], Op.BroadcastTo(x[1], new Shape(3)), x[2]));
        yield return Case("ModulatedConv2dUp", "demodulated 3×3, FIR 4×4", new[] { N(2, 3, 3, 3), N(3, 2, 3, 3), P(2, 3), K(4, 4) },
            x => Op.ModulatedConv2dUp(x[0], x[1], x[2], x[3]));
        yield return Case("ModulatedConv2dUp", "no demodulation, odd size", new[] { N(1, 2, 3, 2), N(2, 3, 3, 3), N(1, 2), K(4, 4) },
            x => Op.Square(Op.ModulatedConv2dUp(x[0], x[1], x[2], x[3], demodulate: false)));
        yield return Case("DownConv2d", "3×3 after FIR 4×4 (D's down conv)", new[] { N(2, 3, 6, 6), N(2, 3, 3, 3), K(4, 4) },
            x => Op.Square(Op.DownConv2d(x[0], x[1], x[2])));
        yield return Case("DownConv2d", "1×1 skip, FIR 4×4", new[] { N(2, 3, 6, 4), N(4, 3, 1, 1), K(4, 4) },
            x => Op.Square(Op.DownConv2d(x[0], x[1], x[2])));
        yield return Case("MinibatchStddev", "batch 8, group 4", new[] { N(8, 3, 2, 2) }, x => Op.Square(Op.MinibatchStddev(x[0], 4)));
        yield return Case("MinibatchStddev", "batch 3 below the group", new[] { N(3, 2, 3, 2) }, x => Op.Square(Op.MinibatchStddev(x[0], 4)));
        // random normals: no two elements of a block within the finite-difference step of each other
        yield return Case("MaxPool2x2", "odd size, last row and column dropped", new[] { N(2, 3, 5, 7) }, x => Op.MaxPool2x2(x[0]), second: false);
    }
}

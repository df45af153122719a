using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Verification;

/// <summary>What a parity row compares: the outputs, the first-order gradients, or the second-order scalar's gradients.</summary>
public enum ParityStage { Forward, Backward, SecondOrder }

/// <summary>A device and element type that runs an op case: CPU float64 (reference), CPU float32, CUDA float32.</summary>
public readonly record struct ParitySide(Device Device, DType DType)
{
    public override string ToString() => $"{Device} {DType.Name()}";
}

/// <summary>One stage of one op case on two sides: the worst tensor and its error (see <see cref="ParityCheck.MaxRelativeError"/>).</summary>
public sealed record ParityResult(OpCase Case, ParityStage Stage, string Worst, double MaxError, double Tolerance)
{
    /// <summary>A NaN error fails: NaN ≤ tolerance is false.</summary>
    public bool Passed => MaxError <= Tolerance;

    public string Check => Stage switch { ParityStage.Forward => "fwd", ParityStage.Backward => "bwd", _ => "2nd" };

    /// <summary>The shapes of the case's inputs, e.g. "(3, 5) (5, 4)".</summary>
    public string Shapes => ParityCheck.InputShapes(Case);
}

/// <summary>
/// Runs every op case on two sides with the same inputs and compares the results: the outputs, the gradients of
/// L = Σₖ ⟨rₖ, outₖ⟩ with fixed random rₖ (as <see cref="GradCheck"/>), and where the case is second order the gradients
/// of S = Σⱼ ⟨vⱼ, ∂L/∂inputⱼ⟩ (the R1 path). `alae selftest` runs it for CUDA float32 against CPU float32, and for
/// CPU float32 against CPU float64 on any machine.
/// </summary>
public static class ParityCheck
{
    /// <summary>One float32 rounding step or a few: elementwise ops and data movement.</summary>
    public const double Elementwise = 1e-5;
    /// <summary>Sums whose order differs between backends (reductions, GEMM, conv, filters, norms): error grows with the length.</summary>
    public const double Accumulating = 1e-4;
    /// <summary>
    /// GEMM-based ops with TF32: a 10-bit mantissa rounds each operand by up to 2⁻¹¹ ≈ 4.9e-4, and a K-term dot product's
    /// error grows like √K of that, so 1e-3 would fail correct results from K ≈ 10 on; the table's K reach 45.
    /// </summary>
    public const double Tf32 = 1e-2;

    private static readonly HashSet<string> ElementwiseOps =
    [
        "Add", "Sub", "Mul", "Div", "Neg", "Scale", "AddScalar", "Square", "Sqrt", "Rsqrt", "Exp", "Log", "Softplus", "Sigmoid",
        "LeakyRelu", "LeakyReluGrad", "Lerp", "Reshape", "Concat", "Slice", "PadAxis", "Upsample2x", "Abs", "Sign", "ClampMin",
    ];

    private static readonly HashSet<string> GemmOps =
        ["MatMul", "Conv2d", "ConvTranspose2d", "Conv2dBackwardWeight", "ModulatedConv2d", "ModulatedConv2dUp", "DownConv2d"];

    /// <summary>The stated tolerance of an op for float32 against float32 or float64; with tf32 the GEMM-based ops get <see cref="Tf32"/>.</summary>
    public static double Tolerance(OpCase c, bool tf32 = false) =>
        tf32 && GemmOps.Contains(c.Op) ? Tf32 : ElementwiseOps.Contains(c.Op) ? Elementwise : Accumulating;

    /// <summary>The shapes of a case's inputs, e.g. "(3, 5) (5, 4)".</summary>
    public static string InputShapes(OpCase c) => string.Join(" ", c.Inputs.Select(i => i.Shape.ToString()));

    /// <summary>Runs the case on both sides and returns one result per stage (forward, backward, and second order where the case has it).</summary>
    public static List<ParityResult> Run(OpCase c, ParitySide reference, ParitySide candidate, double tolerance, ulong seed = 1)
    {
        using var scope = TensorScope.Begin();
        var expected = Evaluate(c, reference, seed);
        var actual = Evaluate(c, candidate, seed);
        var results = new List<ParityResult>();
        foreach (var (stage, tensors) in expected)
        {
            var errors = tensors.Select((t, i) => (t.Name, Error: MaxRelativeError(t.Values, actual[stage][i].Values))).ToList();
            var worst = errors.Any(e => double.IsNaN(e.Error)) ? errors.First(e => double.IsNaN(e.Error)) : errors.MaxBy(e => e.Error);
            results.Add(new ParityResult(c, stage, worst.Name, worst.Error, tolerance));
        }
        return results;
    }

    /// <summary>
    /// maxᵢ |actualᵢ − expectedᵢ| / max(|expectedᵢ|, 1): relative error, and absolute error for values below 1 in size,
    /// where a relative error only measures cancellation. The inputs are of order 1, so the two meet there. NaN or
    /// infinity on either side (unless both agree exactly) gives NaN, which fails every tolerance.
    /// </summary>
    public static double MaxRelativeError(double[] expected, double[] actual)
    {
        if (expected.Length != actual.Length)
            throw new ArgumentException($"parity: {expected.Length} expected values, {actual.Length} actual");
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i].Equals(actual[i])) continue;
            double e = Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), 1);
            if (!double.IsFinite(e)) return double.NaN;
            max = Math.Max(max, e);
        }
        return max;
    }

    private static Dictionary<ParityStage, List<(string Name, double[] Values)>> Evaluate(OpCase c, ParitySide side, ulong seed)
    {
        // drawn in float32 and widened, so a float64 side computes on exactly the values the float32 side sees
        var inputs = c.MakeInputs(DType.Float32, seed).Select(t => On(side, t)).ToArray();
        var diff = Enumerable.Range(0, inputs.Length).Where(i => c.Inputs[i].Differentiable).ToArray();
        foreach (var i in diff) inputs[i].RequiresGrad = true;
        var wrt = diff.Select(i => inputs[i]).ToArray();

        var outs = c.Build(inputs);
        var stages = new Dictionary<ParityStage, List<(string, double[])>>
        {
            [ParityStage.Forward] = outs.Select((o, k) => ($"out {k}", o.ToDoubleArray())).ToList(),
        };

        Tensor? loss = null;
        for (int k = 0; k < outs.Length; k++)
        {
            var term = Op.Sum(Op.Mul(outs[k], Projection(side, outs[k].Shape, seed + 3, k)));
            loss = loss == null ? term : Op.Add(loss, term);
        }
        var grads = AG.Grad([loss!], wrt, createGraph: c.SecondOrder, allowUnused: true);
        stages[ParityStage.Backward] = grads.Select((g, k) => ($"d/d input {diff[k]}", g.ToDoubleArray())).ToList();
        if (!c.SecondOrder) return stages;

        Tensor? s = null;
        for (int k = 0; k < grads.Length; k++)
        {
            if (!grads[k].TracksGrad) continue; // this gradient does not depend on any input: its derivative is zero
            var term = Op.Sum(Op.Mul(grads[k], Projection(side, grads[k].Shape, seed + 7, k)));
            s = s == null ? term : Op.Add(s, term);
        }
        var second = s == null
            ? wrt.Select(x => Tensor.Zeros(x.Shape, side.DType, side.Device)).ToArray()
            : AG.Grad([s], wrt, allowUnused: true);
        stages[ParityStage.SecondOrder] = second.Select((g, k) => ($"d²/d input {diff[k]}", g.ToDoubleArray())).ToList();
        return stages;
    }

    /// <summary>Fixed normal weights rounded to float32, so both sides project with the same numbers.</summary>
    private static Tensor Projection(ParitySide side, Shape shape, ulong seed, int k)
    {
        var w = new float[shape.Length];
        for (int j = 0; j < w.Length; j++) w[j] = (float)Philox.Normal(seed, ((ulong)k << 40) + (ulong)j);
        return On(side, Tensor.FromArray(w, shape));
    }

    private static Tensor On(ParitySide side, Tensor host) => host.Cast(side.DType).MoveTo(side.Device);
}

using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Verification;

/// <summary>Result of comparing an analytic gradient with central finite differences.</summary>
public sealed record GradCheckResult(string What, double MaxAbsError, double Scale, int Elements)
{
    /// <summary>‖analytic − numeric‖∞ / max(‖numeric‖∞, 1e-3).</summary>
    public double RelativeError => MaxAbsError / Math.Max(Scale, 1e-3);
    public override string ToString() => $"{What}: relative error {RelativeError:E2} over {Elements} elements";
}

/// <summary>
/// Finite-difference checks in float64. The checked scalar is L = Σᵢ ⟨rᵢ, outᵢ⟩ with fixed random rᵢ, so every output
/// element and every input element is exercised. For second order the scalar is S = Σⱼ ⟨vⱼ, ∂L/∂inputⱼ⟩, whose
/// gradient needs the backward pass recorded with createGraph — the path of the R1 penalty.
/// </summary>
public static class GradCheck
{
    public const double Step = 1e-6;

    public static List<GradCheckResult> FirstOrder(OpCase c, ulong seed = 1)
    {
        using var scope = TensorScope.Begin();
        var inputs = c.MakeInputs(DType.Float64, seed);
        var diff = Differentiable(c, inputs);
        var weights = OutputWeights(c, inputs, seed);
        Func<double> loss = () => Scalar(c, inputs, weights);
        var analytic = AG.Grad(new[] { LossTensor(c, inputs, weights) }, diff.Select(i => inputs[i]).ToArray(), allowUnused: true);
        return Compare(c.ToString(), inputs, diff, analytic, loss);
    }

    public static List<GradCheckResult> SecondOrder(OpCase c, ulong seed = 1)
    {
        using var scope = TensorScope.Begin();
        var inputs = c.MakeInputs(DType.Float64, seed);
        var diff = Differentiable(c, inputs);
        var weights = OutputWeights(c, inputs, seed);
        var probes = diff.Select((i, k) => Tensor.FromArray(Enumerable.Range(0, inputs[i].Length)
            .Select(j => Philox.Normal(seed + 7, ((ulong)k << 40) + (ulong)j)).ToArray(), inputs[i].Shape)).ToArray();

        // S(inputs) = Σ ⟨v, ∂L/∂input⟩ evaluated with a first-order pass (already checked), for finite differences
        Func<double> s = () =>
        {
            using var inner = TensorScope.Begin();
            foreach (var i in diff) inputs[i].RequiresGrad = true;
            var g = AG.Grad(new[] { LossTensor(c, inputs, weights) }, diff.Select(i => inputs[i]).ToArray(), allowUnused: true);
            foreach (var i in diff) inputs[i].RequiresGrad = false;
            double acc = 0;
            for (int k = 0; k < g.Length; k++) acc += Dot(g[k], probes[k]);
            return acc;
        };
        foreach (var i in diff) inputs[i].RequiresGrad = true;
        var grads = AG.Grad(new[] { LossTensor(c, inputs, weights) }, diff.Select(i => inputs[i]).ToArray(), createGraph: true, allowUnused: true);
        Tensor? sTensor = null;
        for (int k = 0; k < grads.Length; k++)
        {
            if (!grads[k].TracksGrad) continue; // this gradient does not depend on any input: its derivative is zero
            var term = Op.Sum(Op.Mul(grads[k], probes[k]));
            sTensor = sTensor == null ? term : Op.Add(sTensor, term);
        }
        Tensor[] analytic = sTensor == null
            ? diff.Select(i => Tensor.Zeros(inputs[i].Shape, DType.Float64)).ToArray()
            : AG.Grad(new[] { sTensor }, diff.Select(i => inputs[i]).ToArray(), allowUnused: true);
        foreach (var i in diff) inputs[i].RequiresGrad = false;
        return Compare(c + " (second order)", inputs, diff, analytic, s);
    }

    private static int[] Differentiable(OpCase c, Tensor[] inputs)
    {
        var diff = Enumerable.Range(0, inputs.Length).Where(i => c.Inputs[i].Differentiable).ToArray();
        foreach (var i in diff) inputs[i].RequiresGrad = true;
        return diff;
    }

    private static Tensor[] OutputWeights(OpCase c, Tensor[] inputs, ulong seed)
    {
        using var noGrad = Autograd.GradMode.NoGrad();
        var outs = c.Build(inputs);
        return outs.Select((o, k) => Tensor.FromArray(Enumerable.Range(0, o.Length)
            .Select(j => Philox.Normal(seed + 3, ((ulong)k << 40) + (ulong)j)).ToArray(), o.Shape)).ToArray();
    }

    private static Tensor LossTensor(OpCase c, Tensor[] inputs, Tensor[] weights)
    {
        var outs = c.Build(inputs);
        Tensor? l = null;
        for (int k = 0; k < outs.Length; k++)
        {
            var term = Op.Sum(Op.Mul(outs[k], weights[k]));
            l = l == null ? term : Op.Add(l, term);
        }
        return l!;
    }

    private static double Scalar(OpCase c, Tensor[] inputs, Tensor[] weights)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.GradMode.NoGrad();
        return LossTensor(c, inputs, weights).Item();
    }

    private static List<GradCheckResult> Compare(string what, Tensor[] inputs, int[] diff, Tensor[] analytic, Func<double> f)
    {
        var results = new List<GradCheckResult>();
        for (int k = 0; k < diff.Length; k++)
        {
            var x = inputs[diff[k]].Span<double>();
            var a = analytic[k].ToDoubleArray();
            double maxErr = 0, scale = 0;
            for (int j = 0; j < x.Length; j++)
            {
                double keep = x[j];
                x[j] = keep + Step; double fp = f();
                x[j] = keep - Step; double fm = f();
                x[j] = keep;
                double numeric = (fp - fm) / (2 * Step);
                maxErr = Math.Max(maxErr, Math.Abs(numeric - a[j]));
                scale = Math.Max(scale, Math.Abs(numeric));
            }
            results.Add(new GradCheckResult($"{what} d/d input {diff[k]} {inputs[diff[k]].Shape}", maxErr, scale, x.Length));
        }
        return results;
    }

    private static double Dot(Tensor a, Tensor b)
    {
        var x = a.ToDoubleArray(); var y = b.ToDoubleArray();
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }
}

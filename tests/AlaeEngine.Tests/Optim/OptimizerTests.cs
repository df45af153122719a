using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Optim;

public class OptimizerTests
{
    private static Parameter Param(double[] values, double coef = 1.0)
        => new("p", TensorScope.Unscoped(() => Tensor.FromArray(values, new Shape(values.Length))), coef);

    [Test]
    public void AdamFollowsTheReferenceUpdateWithoutFirstMoment()
    {
        // v ← β2·v + (1−β2)·g²; p ← p − lr·√(1−β2ᵗ)·coef·g/(√v + ε), written out by hand for two steps
        var p = Param(new[] { 0.5, -1.25, 2.0 }, coef: 0.3);
        using var adam = new Adam(new[] { p }, lr: 0.01, beta2: 0.99, eps: 1e-8);
        double[] x = { 0.5, -1.25, 2.0 }, v = new double[3];
        double[][] grads = { new[] { 0.2, -3.0, 1e-3 }, new[] { -0.7, 0.4, 2.5 } };
        for (int t = 1; t <= 2; t++)
        {
            p.Value.Grad = Tensor.FromArray(grads[t - 1], new Shape(3));
            adam.Step();
            for (int i = 0; i < 3; i++)
            {
                double g = grads[t - 1][i];
                v[i] = 0.99 * v[i] + 0.01 * g * g;
                x[i] -= 0.01 * Math.Sqrt(1 - Math.Pow(0.99, t)) * 0.3 * g / (Math.Sqrt(v[i]) + 1e-8);
            }
            Assert.That(p.Value.ToDoubleArray(), Is.EqualTo(x).Within(1e-15), $"step {t}");
            Assert.That(adam.SecondMoment(0).ToDoubleArray(), Is.EqualTo(v).Within(1e-16));
            Assert.That(p.Value.Grad, Is.Null, "Step clears the gradient");
        }
        Assert.That(adam.StepCount, Is.EqualTo(2));
    }

    [Test]
    public void AdamSkipsParametersWithoutGradientAndResetClearsState()
    {
        var p = Param(new[] { 1.0 });
        using var adam = new Adam(new[] { p }, lr: 0.1);
        adam.Step();
        Assert.That(p.Value.ToDoubleArray(), Is.EqualTo(new[] { 1.0 }));
        p.Value.Grad = Tensor.FromArray(new[] { 2.0 }, new Shape(1));
        adam.Step();
        Assert.That(adam.SecondMoment(0).ToDoubleArray()[0], Is.GreaterThan(0));
        adam.Reset();
        Assert.That(adam.StepCount, Is.EqualTo(0));
        Assert.That(adam.SecondMoment(0).ToDoubleArray()[0], Is.EqualTo(0));
    }

    [Test]
    public void AParameterThatJoinsLateStartsItsOwnBiasCorrection()
    {
        // torch's Adam counts t per parameter: a block of a grown network updated first at the optimizer's third step
        // moves by lr·√(1−β2)·g/(√((1−β2)·g²) + ε) ≈ lr, not by the 1/√(1−β2) = 3.2 times larger step a shared t would give
        var early = Param(new[] { 1.0 }); var late = Param(new[] { 1.0 });
        using var adam = new Adam(new[] { early, late }, lr: 0.1, beta2: 0.9);
        for (int step = 1; step <= 3; step++)
        {
            early.Value.Grad = Tensor.FromArray(new[] { 0.5 }, new Shape(1));
            if (step == 3) late.Value.Grad = Tensor.FromArray(new[] { 0.5 }, new Shape(1));
            adam.Step();
        }
        Assert.That((adam.StepCount, adam.ParameterSteps(0), adam.ParameterSteps(1)), Is.EqualTo((3L, 3L, 1L)));
        double expected = 1 - 0.1 * Math.Sqrt(0.1) * 0.5 / (Math.Sqrt(0.1 * 0.25) + 1e-8);
        Assert.That(late.Value.ToDoubleArray()[0], Is.EqualTo(expected).Within(1e-15));

        using var restored = new Adam(new[] { Param(new[] { 0.0 }), Param(new[] { 0.0 }) }, lr: 0.1, beta2: 0.9);
        restored.Restore(3, new[] { adam.SecondMoment(0), adam.SecondMoment(1) }, new long[] { 3, 1 });
        Assert.That((restored.ParameterSteps(0), restored.ParameterSteps(1)), Is.EqualTo((3L, 1L)));
        restored.Restore(3, new[] { adam.SecondMoment(0), adam.SecondMoment(1) });
        Assert.That(restored.ParameterSteps(1), Is.EqualTo(3), "without per-parameter counts every parameter had every step");
    }

    [Test]
    public void RuntimeWeightScalePlusCoefficientEqualsTheReferenceImplicitForm()
    {
        // Reference ("implicit"): weights stored at their effective scale, N(0, gain/√fan_in), and Adam coefficient
        // c = gain/√fan_in·lrmul. Here (EqualizedLinear): weights at N(0, 1) scaled by gain/√fan_in at run time, Adam
        // coefficient lrmul. The effective weights must follow the same trajectory (Adam ignores the gradient's scale up to ε).
        const int fanIn = 4; const double lrMul = 0.1, lr = 0.01;
        double gain = Math.Sqrt(2);
        double c = gain / Math.Sqrt(fanIn) * lrMul, runtime = gain / Math.Sqrt(fanIn);
        var w0 = Enumerable.Range(0, fanIn).Select(i => Philox.Normal(3, (ulong)i)).ToArray();
        var x = Tensor.FromArray(Enumerable.Range(0, 3 * fanIn).Select(i => Philox.Normal(4, (ulong)i)).ToArray(), new Shape(3, fanIn));
        var target = Tensor.FromArray(new[] { 0.3, -0.2, 0.9 }, new Shape(3, 1));

        var ours = Param(w0, coef: lrMul);                                    // effective = runtime·stored
        var reference = Param(w0.Select(v => v * runtime).ToArray(), coef: c); // effective = stored
        using var a1 = new Adam(new[] { ours }, lr, eps: 1e-12);
        using var a2 = new Adam(new[] { reference }, lr, eps: 1e-12);
        for (int step = 0; step < 5; step++)
        {
            using var scope = TensorScope.Begin();
            var y1 = Op.MatMul(x, Op.Reshape(ours.Value, fanIn, 1), alpha: runtime);
            var y2 = Op.MatMul(x, Op.Reshape(reference.Value, fanIn, 1));
            AG.Backward(Op.Sum(Op.Square(Op.Sub(y1, target))), new[] { ours.Value });
            AG.Backward(Op.Sum(Op.Square(Op.Sub(y2, target))), new[] { reference.Value });
            a1.Step(); a2.Step();
            var eff1 = ours.Value.ToDoubleArray().Select(v => v * runtime).ToArray();
            Assert.That(eff1, Is.EqualTo(reference.Value.ToDoubleArray()).Within(1e-9), $"step {step}");
        }
    }

    [Test]
    public void EmaMovesEachShadowTowardsItsParameter()
    {
        var p = Param(new[] { 1.0, -2.0 });
        using var ema = new Ema(new[] { p });
        p.Value.Span<double>()[0] = 3.0;
        p.Value.Span<double>()[1] = 0.0;
        ema.Update(beta: 0.75);
        // shadow ← β·shadow + (1−β)·p
        Assert.That(ema.Shadow[0].ToDoubleArray(), Is.EqualTo(new[] { 0.75 * 1 + 0.25 * 3, 0.75 * -2 + 0.25 * 0 }).Within(1e-15));
        Assert.That(Ema.BetaForBatch(10_000), Is.EqualTo(0.5).Within(1e-15));
        Assert.That(Ema.BetaForBatch(128), Is.EqualTo(Math.Pow(0.5, 0.0128)).Within(1e-15));
    }
}

using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Verification;
using NUnit.Framework;

namespace AlaeEngine.Tests.Verification;

/// <summary>
/// The parity check of `alae selftest --device cpu`: CPU float32 against CPU float64 passes the stated tolerances for
/// every case, and the check fails when it should (a zero tolerance where float32 rounds, a wrong candidate, NaN).
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class ParityCheckTests
{
    private static readonly ParitySide F64 = new(Device.Cpu, DType.Float64), F32 = new(Device.Cpu, DType.Float32);

    private static IEnumerable<TestCaseData> Cases() => OpCases.All.Select(c => new TestCaseData(c).SetName($"Float32AgainstFloat64 {c}"));

    [TestCaseSource(nameof(Cases))]
    public void Float32MatchesFloat64WithinTheStatedTolerance(OpCase c)
    {
        var results = ParityCheck.Run(c, F64, F32, ParityCheck.Tolerance(c));
        Assert.That(results.Select(r => r.Check), Is.EqualTo(c.SecondOrder ? new[] { "fwd", "bwd", "2nd" } : new[] { "fwd", "bwd" }));
        foreach (var r in results)
            Assert.That(r.Passed, $"{c} {r.Check}: {r.Worst} max error {r.MaxError:E2} > {r.Tolerance:E0}");
    }

    [Test]
    public void ZeroToleranceFailsWhereFloat32Rounds()
    {
        // exp of float32 inputs is not a float32 number, so float32 and float64 results differ in every stage
        var exp = OpCases.All.First(c => c.Op == "Exp");
        var results = ParityCheck.Run(exp, F64, F32, tolerance: 0);
        Assert.That(results, Has.Count.EqualTo(3));
        Assert.That(results.Where(r => r.Passed).Select(r => r.Check), Is.Empty);
        Assert.That(results.Select(r => r.MaxError), Is.All.InRange(1e-9, 1e-6));
    }

    [Test]
    public void AKernelThatIsOffByOnePartIn10000Fails()
    {
        // a float32 "kernel" with a relative error of 1e-4 in its output: forward and backward both carry it
        var wrong = new OpCase("Exp", "off by 1e-4 in float32", [new InputSpec(new Shape(3, 4))],
            x => [x[0].DType == DType.Float32 ? Op.Scale(Op.Exp(x[0]), 1 + 1e-4) : Op.Exp(x[0])], SecondOrder: false);
        var results = ParityCheck.Run(wrong, F64, F32, ParityCheck.Elementwise);
        Assert.That(results.Select(r => r.Passed), Is.EqualTo(new[] { false, false }));
        Assert.That(results.Select(r => r.MaxError), Is.All.InRange(0.9e-4, 1.1e-4));
        Assert.That(results.Select(r => r.Worst), Is.EqualTo(new[] { "out 0", "d/d input 0" }));
    }

    [Test]
    public void NaNOrInfinityFailsEveryTolerance()
    {
        Assert.That(ParityCheck.MaxRelativeError([1, 2], [1, double.NaN]), Is.NaN);
        Assert.That(ParityCheck.MaxRelativeError([1, 2], [double.PositiveInfinity, 2]), Is.NaN);
        var exp = OpCases.All.First(c => c.Op == "Exp");
        Assert.That(new ParityResult(exp, ParityStage.Forward, "out 0", double.NaN, double.MaxValue).Passed, Is.False);
    }

    [Test]
    public void ErrorIsRelativeAboveOneAndAbsoluteBelow()
    {
        Assert.That(ParityCheck.MaxRelativeError([100, 0.5], [100.01, 0.5]), Is.EqualTo(1e-4).Within(1e-12));
        Assert.That(ParityCheck.MaxRelativeError([100, 1e-3], [100, 1e-3 + 2e-6]), Is.EqualTo(2e-6).Within(1e-12));
        Assert.That(ParityCheck.MaxRelativeError([0, -3], [0, -3]), Is.Zero);
    }

    [Test]
    public void TolerancesAreStatedPerOp()
    {
        Assert.That(ParityCheck.Tolerance(OpCases.All.First(c => c.Op == "Add")), Is.EqualTo(1e-5));
        Assert.That(ParityCheck.Tolerance(OpCases.All.First(c => c.Op == "Sum")), Is.EqualTo(1e-4));
        Assert.That(ParityCheck.Tolerance(OpCases.All.First(c => c.Op == "Conv2d")), Is.EqualTo(1e-4));
        Assert.That(ParityCheck.Tolerance(OpCases.All.First(c => c.Op == "Conv2d"), tf32: true), Is.EqualTo(ParityCheck.Tf32));
        Assert.That(ParityCheck.Tolerance(OpCases.All.First(c => c.Op == "Add"), tf32: true), Is.EqualTo(1e-5));
    }
}

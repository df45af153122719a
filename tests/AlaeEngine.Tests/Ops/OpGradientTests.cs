using AlaeEngine.Verification;
using NUnit.Framework;

namespace AlaeEngine.Tests.Ops;

/// <summary>Every entry of the op table against central finite differences in float64.</summary>
[Parallelizable(ParallelScope.Children)]
public class OpGradientTests
{
    private const double Tolerance = 1e-6;

    private static IEnumerable<TestCaseData> Cases() => OpCases.All.Select(c => new TestCaseData(c).SetName($"FirstOrder {c}"));
    private static IEnumerable<TestCaseData> SecondOrderCases() =>
        OpCases.All.Where(c => c.SecondOrder).Select(c => new TestCaseData(c).SetName($"SecondOrder {c}"));

    [TestCaseSource(nameof(Cases))]
    public void FirstOrderMatchesFiniteDifferences(OpCase c)
    {
        foreach (var r in GradCheck.FirstOrder(c, seed: 11))
            Assert.That(r.RelativeError, Is.LessThanOrEqualTo(Tolerance), r.ToString());
    }

    [TestCaseSource(nameof(SecondOrderCases))]
    public void SecondOrderMatchesFiniteDifferences(OpCase c)
    {
        foreach (var r in GradCheck.SecondOrder(c, seed: 23))
            Assert.That(r.RelativeError, Is.LessThanOrEqualTo(Tolerance), r.ToString());
    }

    [Test]
    public void TheTableCoversEveryPublicOp()
    {
        // an op added to Op without a table entry would escape every check
        var covered = OpCases.All.Select(c => c.Op == "ConvTranspose2d" ? "Conv2dBackwardData" : c.Op).ToHashSet();
        var notOps = new HashSet<string> { "BlurFilter", "Blur" }; // a constant, and Upfirdn2d with that constant
        var missing = typeof(AlaeEngine.Ops.Op).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(m => m.Name).Distinct().Where(n => !notOps.Contains(n) && !covered.Contains(n)).ToList();
        Assert.That(missing, Is.Empty, "ops without a gradient-check case: " + string.Join(", ", missing));
    }
}

using AlaeEngine.Cuda;
using AlaeEngine.Tensors;
using AlaeEngine.Tests.Cuda;
using NUnit.Framework;

namespace AlaeEngine.Tests.Optim;

/// <summary>
/// A tensor that a multi-tensor update (Adam, lerp) writes may appear only once in one call: on a GPU both slots run in
/// one launch and race. Both backends reject it before touching anything; read-only tensors may repeat.
/// </summary>
public abstract class UpdateAliasingTests
{
    protected abstract Device Device { get; }

    private Tensor T(double value, string? name = null)
    {
        var t = Tensor.Full(new Shape(3, 4), value, DType.Float32, Device);
        t.Name = name;
        return t;
    }

    private static IKernels K(Tensor t) => t.Kernels;

    [Test]
    public void AdamRejectsAParameterInTwoSlots()
    {
        using var scope = TensorScope.Begin();
        Tensor p = T(1, "e.fc1.weight"), g = T(0.5), v0 = T(0), v1 = T(0);
        var e = Assert.Throws<ArgumentException>(() => K(p).AdamStep([new AdamSlot(p, g, v0, 1), new AdamSlot(p, g, v1, 1)], 0.002, 0.99, 1e-8, 1))!;
        Assert.That(e.Message, Does.StartWith("AdamStep: the parameter of slot 0 ('e.fc1.weight' (3, 4)) and the parameter of slot 1 ('e.fc1.weight' (3, 4)) are the same tensor")
            .And.Contain("race"));
        Assert.That(p.ToDoubleArray(), Is.All.EqualTo(1), "nothing was updated");
        Assert.That(v0.ToDoubleArray(), Is.All.EqualTo(0));
    }

    [Test]
    public void AdamRejectsAStateThatIsAnotherSlotsParameterOrAView()
    {
        using var scope = TensorScope.Begin();
        Tensor p0 = T(1), p1 = T(2), g = T(0.5), v = T(0);
        Assert.That(() => K(p0).AdamStep([new AdamSlot(p0, g, v, 1), new AdamSlot(p1, g, p0, 1)], 0.002, 0.99, 1e-8, 1),
            Throws.ArgumentException.With.Message.Contains("the parameter of slot 0 ((3, 4)) and the second moment of slot 1 ((3, 4))"));
        var view = p0.View(new Shape(12));   // shares p0's storage
        Assert.That(() => K(p0).AdamStep([new AdamSlot(p0, g, v, 1), new AdamSlot(view, T(0.5).View(new Shape(12)), T(0).View(new Shape(12)), 1)], 0.002, 0.99, 1e-8, 1),
            Throws.ArgumentException.With.Message.Contains("the parameter of slot 1 ((12))"));
        Assert.That(() => K(p0).AdamStep([new AdamSlot(p0, p0, v, 1)], 0.002, 0.99, 1e-8, 1),
            Throws.ArgumentException.With.Message.Contains("the parameter of slot 0 ((3, 4)) and the gradient of slot 0"));
    }

    [Test]
    public void AdamAcceptsOneGradientReadBySeveralSlots()
    {
        using var scope = TensorScope.Begin();
        Tensor p0 = T(1), p1 = T(1), g = T(0.5), v0 = T(0), v1 = T(0);
        K(p0).AdamStep([new AdamSlot(p0, g, v0, 1), new AdamSlot(p1, g, v1, 1)], 0.002, 0.99, 1e-8, 1);
        Assert.That(p1.ToDoubleArray(), Is.EqualTo(p0.ToDoubleArray()));
        Assert.That(p0.ToDoubleArray(), Is.All.LessThan(1));
    }

    [Test]
    public void LerpRejectsATargetTwiceOrATargetThatIsASource()
    {
        using var scope = TensorScope.Begin();
        Tensor a = T(0, "ema.w"), b = T(1), c = T(2);
        Assert.That(() => K(a).LerpInPlace([(a, b), (a, c)], 0.5),
            Throws.ArgumentException.With.Message.StartsWith("LerpInPlace: the target of slot 0 ('ema.w' (3, 4)) and the target of slot 1 ('ema.w' (3, 4))"));
        Assert.That(() => K(a).LerpInPlace([(a, b), (c, a)], 0.5),
            Throws.ArgumentException.With.Message.Contains("the target of slot 0 ('ema.w' (3, 4)) and the source of slot 1"));
        Assert.That(a.ToDoubleArray(), Is.All.EqualTo(0), "nothing was updated");
        K(a).LerpInPlace([(a, b), (c, b)], 0.5);   // one source for two targets is fine
        Assert.That(a.ToDoubleArray(), Is.All.EqualTo(0.5));
        Assert.That(c.ToDoubleArray(), Is.All.EqualTo(1.5));
    }
}

[TestFixture]
public class CpuUpdateAliasingTests : UpdateAliasingTests
{
    protected override Device Device => Device.Cpu;
}

/// <summary>The same on CUDA (run.sh's filter matches "Cuda"); one skipped entry without a GPU.</summary>
[GpuFixture]
public class CudaUpdateAliasingTests : UpdateAliasingTests
{
    protected override Device Device => Device.Cuda(0);

    [OneTimeSetUp]
    public void StartGpu() => CudaBackend.Start();
}

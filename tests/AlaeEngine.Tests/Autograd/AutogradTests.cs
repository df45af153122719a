using AlaeEngine.Autograd;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Autograd;

/// <summary>
/// The tape's contract: how gradients accumulate, what is (not) recorded, and which misuses fail loudly with a message
/// a user can act on. Also tensor lifetime (disposal, scopes, shared storage), on which the training step's memory relies.
/// </summary>
public class AutogradTests
{
    private static Tensor Leaf(double[] v, params int[] shape)
    {
        var t = Tensor.FromArray(v, new Shape(shape));
        t.RequiresGrad = true;
        return t;
    }

    private static double[] Seq(int n, double start, double step) => Enumerable.Range(0, n).Select(i => start + step * i).ToArray();

    // ---------------------------------------------------------------- accumulation

    [Test]
    public void BackwardTwiceAccumulatesIntoGrad()
    {
        var a = Leaf(new[] { 1.0, -2, 3 }, 3);
        var c = Tensor.FromArray(new[] { 0.5, 4, -1.5 }, new Shape(3));
        // L = Σ c·a, so dL/da = c; two backward calls (gradient accumulation over micro-batches) must give 2c
        for (int k = 0; k < 2; k++)
        {
            using var scope = TensorScope.Begin();
            AG.Backward(Op.Sum(Op.Mul(a, c)));
        }
        Assert.That(a.Grad, Is.Not.Null);
        Assert.That(a.Grad!.IsDisposed, Is.False, "the leaf's gradient must outlive the scope of the step that made it");
        Assert.That(a.Grad.ToDoubleArray(), Is.EqualTo(new[] { 1.0, 8, -3 }));
    }

    [Test]
    public void BackwardFromAFreshLeafStartsFromZero()
    {
        var a = Leaf(new[] { 2.0, 3 }, 2);
        AG.Backward(Op.Sum(Op.Square(a))); // d/da Σ a² = 2a
        Assert.That(a.Grad!.ToDoubleArray(), Is.EqualTo(new[] { 4.0, 6 }));
    }

    [Test]
    public void TensorUsedTwiceReceivesTheSumOfBothPaths()
    {
        var a = Leaf(new[] { 1.0, 2, -3 }, 3);
        // L = Σ (3a + 5a) → 8 per element, via two separate branches meeting in Add
        var g1 = AG.Grad(new[] { Op.Sum(Op.Add(Op.Scale(a, 3), Op.Scale(a, 5))) }, new[] { a })[0];
        Assert.That(g1.ToDoubleArray(), Is.EqualTo(new[] { 8.0, 8, 8 }));
        // L = Σ a·a: the same tensor twice as the inputs of one node → 2a
        var g2 = AG.Grad(new[] { Op.Sum(Op.Mul(a, a)) }, new[] { a })[0];
        Assert.That(g2.ToDoubleArray(), Is.EqualTo(new[] { 2.0, 4, -6 }));
        // two outputs that share the input: Σ⟨1, 2a⟩ + Σ⟨1, a²⟩ → 2 + 2a
        var g3 = AG.Grad(new[] { Op.Scale(a, 2), Op.Square(a) }, new[] { a })[0];
        Assert.That(g3.ToDoubleArray(), Is.EqualTo(new[] { 4.0, 6, -4 }));
    }

    [Test]
    public void GradOutputsWeightTheOutputs()
    {
        var a = Leaf(new[] { 1.0, 2 }, 2);
        var w = Tensor.FromArray(new[] { 10.0, -1 }, new Shape(2));
        // ⟨w, a²⟩ → 2·a·w
        var g = AG.Grad(new[] { Op.Square(a) }, new[] { a }, new[] { w })[0];
        Assert.That(g.ToDoubleArray(), Is.EqualTo(new[] { 20.0, -4 }));
    }

    [Test]
    public void GradWithRespectToAnIntermediateTensor()
    {
        var a = Leaf(new[] { 0.5, -1 }, 2);
        var h = Op.Square(a);
        var y = Op.Sum(Op.Scale(Op.Mul(h, h), 3)); // 3h² → dy/dh = 6h, dy/da = 6h·2a = 12a³
        var g = AG.Grad(new[] { y }, new[] { h, a });
        Assert.That(g[0].ToDoubleArray(), Is.EqualTo(new[] { 1.5, 6 }).Within(1e-15));
        Assert.That(g[1].ToDoubleArray(), Is.EqualTo(new[] { 1.5, -12 }).Within(1e-15));
    }

    [Test]
    public void BackwardOfALeafScalarSetsItsGradToOne()
    {
        // d(loss)/d(loss) = 1: the loss itself is a grad-requiring leaf the loss "depends on"
        var a = Leaf(new[] { 3.0 }, 1);
        AG.Backward(a);
        Assert.That(a.Grad, Is.Not.Null, "Backward(leaf) left the leaf's Grad unset");
        Assert.That(a.Grad!.ToDoubleArray(), Is.EqualTo(new[] { 1.0 }));
    }

    // A loss kept out of a scope whose intermediates were freed can no longer be differentiated. That must be an
    // error, not a silent no-op: a training step that did this would leave every parameter's Grad untouched.
    private static (Tensor a, Tensor loss) LossWithFreedIntermediates()
    {
        var a = Leaf(new[] { 1.0, 2 }, 2);
        var c = Tensor.FromArray(new[] { 3.0, 4 }, new Shape(2));
        Tensor loss;
        using (var scope = TensorScope.Begin())
            loss = scope.Keep(Op.Sum(Op.Mul(a, c)));
        Assert.That(loss.TracksGrad, Is.True);
        return (a, loss);
    }

    [Test]
    public void BackwardThroughAnIntermediateDisposedByItsScopeThrows()
    {
        var (a, loss) = LossWithFreedIntermediates();
        Assert.Throws<ObjectDisposedException>(() => AG.Backward(loss),
            $"Backward returned normally and left a.Grad = {(a.Grad == null ? "null" : string.Join(", ", a.Grad.ToDoubleArray()))}");
    }

    [Test]
    public void GradThroughAnIntermediateDisposedByItsScopeThrows()
    {
        var (a, loss) = LossWithFreedIntermediates();
        Tensor[]? g = null;
        Assert.Throws<ObjectDisposedException>(() => g = AG.Grad(new[] { loss }, new[] { a }, allowUnused: true),
            "Grad returned normally");
        Assert.That(g, Is.Null, $"Grad returned {(g == null ? "" : string.Join(", ", g[0].ToDoubleArray()))} instead of c = (3, 4)");
    }

    [Test]
    public void DisposingANoGradScopeTwiceDoesNotDisableRecording()
    {
        // .NET's Dispose contract: calling it again is harmless. Run on a fresh thread because grad mode is per thread
        // and a broken counter would otherwise turn recording off for whatever test runs next on this one.
        OnFreshThread(() =>
        {
            var a = Leaf(new[] { 1.0 }, 1);
            var noGrad = GradMode.NoGrad();
            noGrad.Dispose();
            noGrad.Dispose();
            Assert.That(GradMode.IsEnabled, Is.True, "a second Dispose of the same no-grad handle disabled grad mode");
            Assert.That(Op.Square(a).TracksGrad, Is.True);
        });
    }

    [Test]
    public void ReshapeOfAnOuterTensorInsideAScopeLeavesTheOuterTensorAlive()
    {
        var x = Tensor.FromArray(Seq(4, 1, 1), new Shape(4));
        using (TensorScope.Begin())
        {
            var v = Op.Reshape(x, 2, 2);
            Assert.That(v.Storage, Is.SameAs(x.Storage));
        }
        Assert.That(x.Storage.IsReleased, Is.False, "freeing the view must not free the storage its owner still uses");
        Assert.That(x.ToDoubleArray(), Is.EqualTo(Seq(4, 1, 1)));
        x.Dispose();
        Assert.That(x.Storage.IsReleased, Is.True);
    }

    // ---------------------------------------------------------------- unused inputs and disconnected outputs

    [Test]
    public void GradOnAnUnusedInputThrowsNamingItsShape()
    {
        var a = Leaf(Seq(6, 1, 1), 2, 3);
        var b = Leaf(Seq(20, 0, 1), 4, 5);
        var y = Op.Sum(Op.Square(a));
        var ex = Assert.Throws<InvalidOperationException>(() => AG.Grad(new[] { y }, new[] { a, b }));
        Assert.That(ex!.Message, Does.Contain("(4, 5)"), "the message must say which input is unused");
        Assert.That(ex.Message, Does.Contain("allowUnused"));
    }

    [Test]
    public void GradOnAnUnusedInputWithAllowUnusedReturnsZerosOfItsShape()
    {
        var a = Leaf(Seq(6, 1, 1), 2, 3);
        var b = Leaf(Seq(20, 0, 1), 4, 5);
        var g = AG.Grad(new[] { Op.Sum(Op.Square(a)) }, new[] { a, b }, allowUnused: true);
        Assert.That(g[0].ToDoubleArray(), Is.EqualTo(Seq(6, 2, 2)));
        Assert.That(g[1].Shape, Is.EqualTo(new Shape(4, 5)));
        Assert.That(g[1].DType, Is.EqualTo(DType.Float64));
        Assert.That(g[1].ToDoubleArray(), Is.All.EqualTo(0.0));
    }

    [Test]
    public void GradOnAnOutputComputedUnderNoGradThrows()
    {
        var a = Leaf(new[] { 1.0, 2 }, 2);
        Tensor y;
        using (GradMode.NoGrad()) y = Op.Sum(Op.Square(a));
        var ex = Assert.Throws<InvalidOperationException>(() => AG.Grad(new[] { y }, new[] { a }));
        Assert.That(ex!.Message, Does.Contain("not connected"));
    }

    [Test]
    public void NoGradRecordsNothing()
    {
        var a = Leaf(new[] { 1.0, 2, 3, 4 }, 2, 2);
        using (GradMode.NoGrad())
        {
            Assert.That(GradMode.IsEnabled, Is.False);
            foreach (var y in new[] { Op.Square(a), Op.MatMul(a, a), Op.Reshape(a, 4), Op.Sum(a), Op.Add(a, a) })
            {
                Assert.That(y.GradFn, Is.Null, y.ToString());
                Assert.That(y.TracksGrad, Is.False, y.ToString());
            }
            using (GradMode.NoGrad()) { } // nesting restores the outer state, not "enabled"
            Assert.That(Op.Exp(a).TracksGrad, Is.False);
        }
        Assert.That(GradMode.IsEnabled, Is.True);
        Assert.That(Op.Square(a).GradFn, Is.Not.Null, "recording resumes after the no-grad region");
    }

    [Test]
    public void OpsOnTensorsThatDoNotRequireGradRecordNothing()
    {
        var a = Tensor.FromArray(new[] { 1.0, 2 }, new Shape(2));
        var y = Op.Mul(a, a);
        Assert.That(y.GradFn, Is.Null);
        Assert.That(y.TracksGrad, Is.False);
    }

    [Test]
    public void GradWithoutCreateGraphReturnsTensorsThatDoNotTrackGrad()
    {
        var a = Leaf(new[] { 1.0, -2, 0.5 }, 3);
        var b = Leaf(new[] { 3.0, 1, 2 }, 3);
        // Mul's backward multiplies by the other (grad-tracking) input, so the result would track grad if recorded
        var loss = Op.Sum(Op.Mul(Op.Square(a), b));
        var g = AG.Grad(new[] { loss }, new[] { a, b });
        Assert.That(g.Select(t => t.TracksGrad), Is.All.False);
        Assert.That(g.Select(t => t.GradFn), Is.All.Null);
        Assert.That(g[0].ToDoubleArray(), Is.EqualTo(new[] { 6.0, -4, 2 })); // 2ab
        Assert.That(g[1].ToDoubleArray(), Is.EqualTo(new[] { 1.0, 4, 0.25 })); // a²

        // control: the same call with createGraph does record, so the assertion above can fail
        var gg = AG.Grad(new[] { Op.Sum(Op.Mul(Op.Square(a), b)) }, new[] { a, b }, createGraph: true);
        Assert.That(gg.Select(t => t.TracksGrad), Is.All.True);
    }

    [Test]
    public void CreateGraphGivesCorrectSecondDerivatives()
    {
        var a = Leaf(new[] { 1.0, -2, 0.5 }, 3);
        // L = Σ a³ written as a·a², dL/da = 3a², and Σ dL/da differentiated again = 6a
        var g = AG.Grad(new[] { Op.Sum(Op.Mul(a, Op.Square(a))) }, new[] { a }, createGraph: true)[0];
        Assert.That(g.ToDoubleArray(), Is.EqualTo(new[] { 3.0, 12, 0.75 }).Within(1e-15));
        var h = AG.Grad(new[] { Op.Sum(g) }, new[] { a })[0];
        Assert.That(h.ToDoubleArray(), Is.EqualTo(new[] { 6.0, -12, 3 }).Within(1e-15));
    }

    [Test]
    public void CreateGraphInsideNoGradStillRecordsTheBackward()
    {
        // the R1 path may be entered from code that runs the generator under no-grad
        var a = Leaf(new[] { 2.0 }, 1);
        var y = Op.Sum(Op.Mul(a, Op.Square(a)));
        Tensor g;
        using (GradMode.NoGrad()) g = AG.Grad(new[] { y }, new[] { a }, createGraph: true)[0];
        Assert.That(g.TracksGrad, Is.True);
        Assert.That(GradMode.IsEnabled, Is.True);
    }

    // ---------------------------------------------------------------- second order through an op that has none

    private static Tensor OpaqueDouble(Tensor x)
    {
        // y = 2x whose backward is "raw" (declared not differentiable), like a fused kernel without a recorded backward
        var y = Tensor.FromArray(x.ToDoubleArray().Select(v => 2 * v).ToArray(), x.Shape);
        Op.Record("OpaqueDouble", new[] { y }, new[] { x }, (g, needs) => new Tensor?[] { Op.Scale(g[0]!, 2) }, secondOrder: false);
        return y;
    }

    [Test]
    public void SecondOrderThroughAnOpWithoutIt_ThrowsNotSupportedNamingTheOp()
    {
        var x = Leaf(new[] { 1.0, -1, 3 }, 3);
        var loss = Op.Sum(Op.Square(OpaqueDouble(x)));
        var ex = Assert.Throws<NotSupportedException>(() => AG.Grad(new[] { loss }, new[] { x }, createGraph: true));
        Assert.That(ex!.Message, Does.Contain("OpaqueDouble"));
        Assert.That(ex.Message, Does.Contain("(3)"), "the message shows the op's input shapes");
    }

    [Test]
    public void FirstOrderThroughAnOpWithoutSecondOrderWorks()
    {
        var x = Leaf(new[] { 1.0, -1, 3 }, 3);
        var loss = Op.Sum(Op.Square(OpaqueDouble(x))); // Σ (2x)² → 8x
        var g = AG.Grad(new[] { loss }, new[] { x })[0];
        Assert.That(g.ToDoubleArray(), Is.EqualTo(new[] { 8.0, -8, 24 }));
    }

    // ---------------------------------------------------------------- argument errors

    [Test]
    public void DTypeMismatchNamesTheOpAndBothShapes()
    {
        var a = Tensor.Zeros(new Shape(2, 3), DType.Float32);
        var b = Tensor.Zeros(new Shape(1, 3), DType.Float64);
        var ex = Assert.Throws<ArgumentException>(() => Op.Add(a, b));
        Assert.That(ex!.Message, Does.Contain("Add").And.Contain("(2, 3)").And.Contain("(1, 3)").And.Contain("dtype"));
        var ex2 = Assert.Throws<ArgumentException>(() => Op.MatMul(a, Tensor.Zeros(new Shape(3, 4), DType.Float64)));
        Assert.That(ex2!.Message, Does.Contain("MatMul").And.Contain("(2, 3)").And.Contain("(3, 4)"));
    }

    [Test]
    public void ShapeMismatchNamesTheOpAndBothShapes()
    {
        var a = Tensor.Zeros(new Shape(2, 3), DType.Float64);
        var b = Tensor.Zeros(new Shape(4, 5), DType.Float64);
        var ex = Assert.Throws<ArgumentException>(() => Op.Mul(a, b));
        Assert.That(ex!.Message, Does.Contain("Mul").And.Contain("(2, 3)").And.Contain("(4, 5)"));
        var ex2 = Assert.Throws<ArgumentException>(() => Op.MatMul(a, b));
        Assert.That(ex2!.Message, Does.Contain("MatMul").And.Contain("(2, 3)").And.Contain("(4, 5)"));
        var x = Tensor.Zeros(new Shape(1, 2, 5, 5), DType.Float64);
        var w = Tensor.Zeros(new Shape(4, 3, 3, 3), DType.Float64);
        var ex3 = Assert.Throws<ArgumentException>(() => Op.Conv2d(x, w, 1, 1));
        Assert.That(ex3!.Message, Does.Contain("Conv2d").And.Contain("(1, 2, 5, 5)").And.Contain("(4, 3, 3, 3)"));
    }

    [Test]
    public void GradOutputOfTheWrongShapeIsRejected()
    {
        var a = Leaf(new[] { 1.0, 2 }, 2);
        var ex = Assert.Throws<ArgumentException>(() => AG.Grad(new[] { Op.Square(a) }, new[] { a }, new[] { Tensor.Zeros(new Shape(3), DType.Float64) }));
        Assert.That(ex!.Message, Does.Contain("(3)").And.Contain("(2)"));
    }

    // ---------------------------------------------------------------- lifetime

    [Test]
    public void UsingADisposedTensorThrowsObjectDisposed()
    {
        var a = Tensor.FromArray(new[] { 1.0, 2 }, new Shape(2));
        var b = Tensor.FromArray(new[] { 3.0, 4 }, new Shape(2));
        a.Name = "victim";
        a.Dispose();
        Assert.That(a.IsDisposed, Is.True);
        var ex = Assert.Throws<ObjectDisposedException>(() => Op.Neg(a));
        Assert.That(ex!.Message, Does.Contain("victim"));
        Assert.Throws<ObjectDisposedException>(() => Op.Add(b, a));
        Assert.Throws<ObjectDisposedException>(() => Op.Add(a, b));
        Assert.Throws<ObjectDisposedException>(() => Op.Reshape(a, 1, 2));
        Assert.Throws<ObjectDisposedException>(() => a.Span<double>());
        Assert.Throws<ObjectDisposedException>(() => a.ToDoubleArray());
        Assert.Throws<ObjectDisposedException>(() => a.Detach());
        Assert.DoesNotThrow(() => a.Dispose(), "disposing twice is harmless");
    }

    [Test]
    public void ScopeDisposesWhatItOwnsAndKeepMovesATensorToTheParent()
    {
        var before = TensorScope.Current;
        Tensor inner1, inner2, kept, outerOwned;
        using (var outer = TensorScope.Begin())
        {
            outerOwned = Tensor.Zeros(new Shape(2));
            using (var inner = TensorScope.Begin())
            {
                Assert.That(TensorScope.Current, Is.SameAs(inner));
                inner1 = Tensor.Zeros(new Shape(3));
                inner2 = Op.Neg(inner1);
                kept = inner.Keep(Op.AddScalar(inner1, 1));
            }
            Assert.That(TensorScope.Current, Is.SameAs(outer));
            Assert.That(inner1.IsDisposed && inner2.IsDisposed, Is.True, "the inner scope frees its temporaries");
            Assert.That(kept.IsDisposed, Is.False, "Keep hands the tensor to the enclosing scope");
            Assert.That(kept.ToDoubleArray(), Is.EqualTo(new[] { 1.0, 1, 1 }));
            Assert.That(outerOwned.IsDisposed, Is.False);
        }
        Assert.That(kept.IsDisposed, Is.True, "once kept, the tensor belongs to the parent scope and dies with it");
        Assert.That(outerOwned.IsDisposed, Is.True);
        Assert.That(TensorScope.Current, Is.SameAs(before));
    }

    [Test]
    public void KeepInTheOutermostScopeHandsTheTensorToTheCaller()
    {
        Tensor kept;
        using (var scope = TensorScope.Begin())
            kept = scope.Keep(Tensor.Zeros(new Shape(2)));
        Assert.That(kept.IsDisposed, Is.False);
        kept.Dispose();
    }

    [Test]
    public void KeepOfATensorTheScopeDoesNotOwnThrows()
    {
        var outside = Tensor.Zeros(new Shape(2));
        using var scope = TensorScope.Begin();
        Assert.Throws<InvalidOperationException>(() => scope.Keep(outside));
    }

    [Test]
    public void EndingAnOuterScopeBeforeItsInnerScopeThrows()
    {
        OnFreshThread(() =>
        {
            var outer = TensorScope.Begin();
            var inner = TensorScope.Begin();
            Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        });
    }

    [Test]
    public void AfterAnOutOfOrderEndTheScopesCanStillBeEndedInOrder()
    {
        // A misuse that threw must not poison the thread: ending the scopes correctly afterwards should free the
        // outer scope's tensors and leave no current scope. (Run on its own thread: if this fails, the stale scope
        // stays current there and would otherwise swallow every tensor later tests create.)
        OnFreshThread(() =>
        {
            var outer = TensorScope.Begin();
            var owned = Tensor.Zeros(new Shape(2));
            var inner = TensorScope.Begin();
            Assert.Throws<InvalidOperationException>(() => outer.Dispose());
            inner.Dispose();
            outer.Dispose();
            Assert.That(TensorScope.Current, Is.Null, "the outer scope is still current after being disposed");
            Assert.That(owned.IsDisposed, Is.True, "the outer scope's tensors were never freed");
        });
    }

    private static void OnFreshThread(Action body)
    {
        Exception? failure = null;
        var t = new Thread(() => { try { body(); } catch (Exception e) { failure = e; } });
        t.Start();
        t.Join();
        if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }

    [Test]
    public void UnscopedTensorsSurviveTheScope()
    {
        Tensor param;
        using (TensorScope.Begin())
            param = TensorScope.Unscoped(() => Tensor.Zeros(new Shape(4)));
        Assert.That(param.IsDisposed, Is.False);
    }

    [Test]
    public void ReshapeSharesStorageWhichIsReleasedOnlyWhenBothAreDisposed()
    {
        foreach (var disposeOriginalFirst in new[] { true, false })
        {
            var x = Tensor.FromArray(Seq(6, 0, 1), new Shape(2, 3));
            var y = Op.Reshape(x, 3, 2);
            Assert.That(y, Is.Not.SameAs(x));
            Assert.That(y.Shape, Is.EqualTo(new Shape(3, 2)));
            Assert.That(y.Storage, Is.SameAs(x.Storage));
            x.Span<double>()[4] = 42; // a write through one is seen through the other
            Assert.That(y.ToDoubleArray()[4], Is.EqualTo(42));

            var (first, second) = disposeOriginalFirst ? (x, y) : (y, x);
            first.Dispose();
            Assert.That(second.Storage.IsReleased, Is.False, "the storage must live while a view of it does");
            Assert.That(second.ToDoubleArray()[4], Is.EqualTo(42));
            second.Dispose();
            Assert.That(x.Storage.IsReleased, Is.True);
        }
    }

    [Test]
    public void ReshapeInAScopeReleasesTheSharedStorageAtScopeEnd()
    {
        Storage storage;
        using (TensorScope.Begin())
        {
            var x = Tensor.FromArray(Seq(6, 0, 1), new Shape(6));
            var y = Op.Reshape(x, 2, 3);
            storage = y.Storage;
        }
        Assert.That(storage.IsReleased, Is.True);
    }

    [Test]
    public void ReshapeGradientHasTheInputShape()
    {
        var a = Leaf(Seq(6, 1, 1), 2, 3);
        var g = AG.Grad(new[] { Op.Sum(Op.Square(Op.Reshape(a, 3, 2))) }, new[] { a })[0];
        Assert.That(g.Shape, Is.EqualTo(new Shape(2, 3)));
        Assert.That(g.ToDoubleArray(), Is.EqualTo(Seq(6, 2, 2)));
    }
}

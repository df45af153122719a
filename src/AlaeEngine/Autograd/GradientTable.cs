using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Autograd;

/// <summary>
/// The gradients of one <see cref="Autograd.Grad"/> pass, by tensor. Without createGraph it frees memory as it goes,
/// as a backward pass in PyTorch does: a node's backward runs in its own scope, so its temporaries die with the call,
/// and a gradient this pass created is disposed as soon as nothing needs it (its node has run, or it was summed into
/// another). With createGraph every gradient is part of the recorded graph and lives as long as the caller's scope.
/// A gradient is shared by reference (a backward may return the gradient it was given), so each is counted.
/// </summary>
internal sealed class GradientTable(bool createGraph)
{
    private readonly Dictionary<Tensor, Tensor> _byTensor = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, int> _uses = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _created = new(ReferenceEqualityComparer.Instance);

    public Tensor? Get(Tensor t) => _byTensor.GetValueOrDefault(t);

    /// <summary>Marks a gradient made by this pass (so it may be freed); returns it.</summary>
    public Tensor Created(Tensor g)
    {
        _created.Add(g);
        return g;
    }

    public void Accumulate(Tensor t, Tensor g)
    {
        if (!_byTensor.TryGetValue(t, out var prev))
        {
            Set(t, g);
            return;
        }
        var sum = GradMode.WithGrad(createGraph, () => Op.Add(prev, g));
        Set(t, Created(sum));
        Drop(prev);
        Drop(g, counted: false);
    }

    /// <summary>Forgets t's gradient, freeing it when this pass made it and nothing else holds it.</summary>
    public void Release(Tensor t)
    {
        if (_byTensor.Remove(t, out var g)) Drop(g);
    }

    /// <summary>Runs a node's backward (not recorded) in a scope of its own and keeps only the gradients it returns.</summary>
    public Tensor?[] RunFreeing(Node node, Tensor?[] gradOutputs, bool[] needs)
    {
        using var scope = TensorScope.Begin();
        var gIn = GradMode.WithGrad(false, () => node.Backward(gradOutputs, needs));
        foreach (var g in gIn)
            if (g != null && scope.TryKeep(g)) Created(g);
        return gIn;
    }

    private void Set(Tensor t, Tensor g)
    {
        _byTensor[t] = g;
        _uses[g] = _uses.GetValueOrDefault(g) + 1;
    }

    private void Drop(Tensor g, bool counted = true)
    {
        int uses = _uses.GetValueOrDefault(g) - (counted ? 1 : 0);
        if (uses > 0) { _uses[g] = uses; return; }
        _uses.Remove(g);
        if (!createGraph && _created.Remove(g)) g.Dispose();
    }
}

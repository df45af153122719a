using AlaeEngine.Nn;
using AlaeEngine.Tensors;

namespace AlaeEngine.Optim;

/// <summary>
/// The ALAE reference's Adam variant: no first moment (β1 = 0), β2 = 0.99, ε = 1e-8, and the step multiplied by each
/// parameter's equalized-learning-rate coefficient: v ← β2·v + (1−β2)·g²; p ← p − lr·√(1−β2ᵗ)·coef·g/(√v + ε).
/// State is one v per parameter and the step count; <see cref="Reset"/> clears it (the reference does so at every
/// resolution switch).
/// </summary>
public sealed class Adam : IDisposable
{
    private readonly Tensor[] _v;

    public Adam(IReadOnlyList<Parameter> parameters, double lr, double beta2 = 0.99, double eps = 1e-8)
    {
        Parameters = parameters; LearningRate = lr; Beta2 = beta2; Eps = eps;
        _v = parameters.Select(p => TensorScope.Unscoped(() => Tensor.Zeros(p.Shape, p.Value.DType, p.Value.Device))).ToArray();
    }

    public IReadOnlyList<Parameter> Parameters { get; }
    public double LearningRate { get; set; }
    public double Beta2 { get; }
    public double Eps { get; }
    public long StepCount { get; private set; }

    /// <summary>The second-moment estimate of parameter i (saved in checkpoints).</summary>
    public Tensor SecondMoment(int i) => _v[i];

    /// <summary>
    /// Applies one update from the accumulated gradients and clears them, all parameters in one multi-tensor call (one
    /// launch per 96 on a GPU). Parameters without a gradient are left alone.
    /// </summary>
    public void Step()
    {
        StepCount++;
        var slots = new List<AdamSlot>(Parameters.Count);
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Value.Grad is { } g) slots.Add(new AdamSlot(p.Value, g, _v[i], p.LrCoef));
        }
        if (slots.Count > 0) slots[0].Param.Kernels.AdamStep(slots, LearningRate, Beta2, Eps, StepCount);
        ZeroGrad();
    }

    public void ZeroGrad()
    {
        foreach (var p in Parameters) { p.Value.Grad?.Dispose(); p.Value.Grad = null; }
    }

    public void Reset()
    {
        StepCount = 0;
        foreach (var v in _v) v.Kernels.Fill(v, 0);
    }

    /// <summary>Restores the state saved from an optimizer over the same parameters.</summary>
    public void Restore(long stepCount, IReadOnlyList<Tensor> secondMoments)
    {
        if (secondMoments.Count != _v.Length) throw new ArgumentException($"Adam state has {secondMoments.Count} tensors, the optimizer {_v.Length}");
        for (int i = 0; i < _v.Length; i++)
        {
            if (secondMoments[i].Shape != _v[i].Shape)
                throw new ArgumentException($"Adam state {i} ({Parameters[i].Name}) has shape {secondMoments[i].Shape}, expected {_v[i].Shape}");
            Backends.Transfer(secondMoments[i], _v[i]);
        }
        StepCount = stepCount;
    }

    public void Dispose() { foreach (var v in _v) v.Dispose(); }
}

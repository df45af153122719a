using AlaeEngine.Nn;
using AlaeEngine.Tensors;

namespace AlaeEngine.Optim;

/// <summary>
/// The ALAE reference's Adam variant: no first moment (β1 = 0), β2 = 0.99, ε = 1e-8, and the step multiplied by each
/// parameter's equalized-learning-rate coefficient: v ← β2·v + (1−β2)·g²; p ← p − lr·√(1−β2ᵗ)·coef·g/(√v + ε).
/// State is one v per parameter and the step counts; <see cref="Reset"/> clears it (the reference does so at every
/// resolution switch). As torch's Adam, t counts each parameter's own updates: a parameter that first receives a
/// gradient late (a block of a progressively grown network that no reset precedes, as in Balanced PIONEER) starts
/// with the bias correction of step 1.
/// </summary>
public sealed class Adam : IDisposable
{
    private readonly Tensor[] _v;
    private readonly long[] _steps; // updates of each parameter (those with a gradient)

    public Adam(IReadOnlyList<Parameter> parameters, double lr, double beta2 = 0.99, double eps = 1e-8)
    {
        Parameters = parameters; LearningRate = lr; Beta2 = beta2; Eps = eps;
        _v = parameters.Select(p => TensorScope.Unscoped(() => Tensor.Zeros(p.Shape, p.Value.DType, p.Value.Device))).ToArray();
        _steps = new long[parameters.Count];
    }

    public IReadOnlyList<Parameter> Parameters { get; }
    public double LearningRate { get; set; }
    public double Beta2 { get; }
    public double Eps { get; }
    /// <summary>Calls of <see cref="Step"/> since the start or the last <see cref="Reset"/>.</summary>
    public long StepCount { get; private set; }

    /// <summary>The updates parameter i has had (its t); equal to <see cref="StepCount"/> when it had a gradient at every step.</summary>
    public long ParameterSteps(int i) => _steps[i];

    /// <summary>The second-moment estimate of parameter i (saved in checkpoints).</summary>
    public Tensor SecondMoment(int i) => _v[i];

    /// <summary>
    /// Applies one update from the accumulated gradients and clears them, all parameters in one multi-tensor call (one
    /// launch per 96 on a GPU; one call per distinct t). Parameters without a gradient are left alone.
    /// </summary>
    public void Step()
    {
        StepCount++;
        var slots = new SortedDictionary<long, List<AdamSlot>>();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Value.Grad is not { } g) continue;
            long t = ++_steps[i];
            if (!slots.TryGetValue(t, out var same)) slots[t] = same = new List<AdamSlot>(Parameters.Count);
            same.Add(new AdamSlot(p.Value, g, _v[i], p.LrCoef));
        }
        foreach (var (t, same) in slots) same[0].Param.Kernels.AdamStep(same, LearningRate, Beta2, Eps, t);
        ZeroGrad();
    }

    public void ZeroGrad()
    {
        foreach (var p in Parameters) { p.Value.Grad?.Dispose(); p.Value.Grad = null; }
    }

    public void Reset()
    {
        StepCount = 0;
        Array.Clear(_steps);
        foreach (var v in _v) v.Kernels.Fill(v, 0);
    }

    /// <summary>
    /// Restores the state saved from an optimizer over the same parameters; <paramref name="parameterSteps"/> null means
    /// every parameter had <paramref name="stepCount"/> updates.
    /// </summary>
    public void Restore(long stepCount, IReadOnlyList<Tensor> secondMoments, IReadOnlyList<long>? parameterSteps = null)
    {
        if (parameterSteps != null && parameterSteps.Count != _steps.Length)
            throw new ArgumentException($"Adam state has {parameterSteps.Count} step counts, the optimizer {_steps.Length} parameters");
        if (secondMoments.Count != _v.Length) throw new ArgumentException($"Adam state has {secondMoments.Count} tensors, the optimizer {_v.Length}");
        for (int i = 0; i < _v.Length; i++)
        {
            if (secondMoments[i].Shape != _v[i].Shape)
                throw new ArgumentException($"Adam state {i} ({Parameters[i].Name}) has shape {secondMoments[i].Shape}, expected {_v[i].Shape}");
            Backends.Transfer(secondMoments[i], _v[i]);
        }
        StepCount = stepCount;
        for (int i = 0; i < _steps.Length; i++) _steps[i] = parameterSteps?[i] ?? stepCount;
    }

    public void Dispose() { foreach (var v in _v) v.Dispose(); }
}

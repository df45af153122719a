using AlaeEngine.Nn;
using AlaeEngine.Tensors;

namespace AlaeEngine.Optim;

/// <summary>
/// An exponential moving average of a set of parameters (the sampling model): shadow ← shadow + (1 − β)·(p − shadow)
/// per update, with the reference's β = 0.5^(batch/10000), a half-life of 10k images.
/// </summary>
public sealed class Ema : IDisposable
{
    private readonly IReadOnlyList<Parameter> _source;

    public Ema(IReadOnlyList<Parameter> source)
    {
        _source = source;
        Shadow = source.Select(p => TensorScope.Unscoped(() => p.Value.Detach())).ToArray();
    }

    /// <summary>The averaged copies, in the order of the source parameters.</summary>
    public Tensor[] Shadow { get; }

    public static double BetaForBatch(int batch, double halfLifeImages = 10_000) => Math.Pow(0.5, batch / halfLifeImages);

    public void Update(double beta)
    {
        for (int i = 0; i < _source.Count; i++) Shadow[i].Kernels.LerpInPlace(Shadow[i], _source[i].Value, 1 - beta);
    }

    public void Dispose() { foreach (var s in Shadow) s.Dispose(); }
}

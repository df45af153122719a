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
    private readonly bool _ownsShadow;
    private (Tensor, Tensor)[]? _pairs;   // (shadow, source value) for the multi-tensor lerp, built on first use

    public Ema(IReadOnlyList<Parameter> source)
    {
        _source = source;
        Shadow = source.Select(p => TensorScope.Unscoped(() => p.Value.Detach())).ToArray();
        _ownsShadow = true;
    }

    /// <summary>
    /// Averages into existing tensors (e.g. the parameters of a sampling copy of the model, which can then run as is),
    /// first set to the source values. The caller keeps ownership of <paramref name="shadow"/>.
    /// </summary>
    public Ema(IReadOnlyList<Parameter> source, IReadOnlyList<Tensor> shadow)
    {
        if (shadow.Count != source.Count) throw new ArgumentException($"EMA: {source.Count} source parameters but {shadow.Count} shadow tensors");
        for (int i = 0; i < source.Count; i++)
        {
            if (shadow[i].Shape != source[i].Shape || shadow[i].DType != source[i].Value.DType)
                throw new ArgumentException($"EMA: shadow {i} {shadow[i]} does not match {source[i].Name} {source[i].Value}");
            Backends.Transfer(source[i].Value, shadow[i]);
        }
        _source = source;
        Shadow = shadow.ToArray();
    }

    /// <summary>The averaged copies, in the order of the source parameters.</summary>
    public Tensor[] Shadow { get; }

    public static double BetaForBatch(int batch, double halfLifeImages = 10_000) => Math.Pow(0.5, batch / halfLifeImages);

    /// <summary>All shadows in one multi-tensor call (one launch per 128 on a GPU).</summary>
    public void Update(double beta)
    {
        if (Shadow.Length == 0) return;
        _pairs ??= Shadow.Select((s, i) => (s, _source[i].Value)).ToArray();
        Shadow[0].Kernels.LerpInPlace(_pairs, 1 - beta);
    }

    public void Dispose() { if (_ownsShadow) foreach (var s in Shadow) s.Dispose(); }
}

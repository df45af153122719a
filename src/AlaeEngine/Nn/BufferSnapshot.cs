using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// Copies of a module's buffers, written back on <see cref="Dispose"/>: a forward pass that must leave no trace (a
/// sample grid, a probe) runs inside <c>using (BufferSnapshot.Of(model)) …</c>, since every spectral-norm forward pass
/// advances its power-iteration vector.
/// </summary>
public sealed class BufferSnapshot : IDisposable
{
    private readonly List<(Tensor buffer, Tensor copy)> _saved;

    private BufferSnapshot(IEnumerable<Module> modules)
        => _saved = modules.SelectMany(m => m.NamedBuffers()).Select(b => (b.buffer, TensorScope.Unscoped(() => b.buffer.Detach()))).ToList();

    public static BufferSnapshot Of(params Module[] modules) => new(modules);

    /// <summary>Puts every buffer back as it was when the snapshot was taken.</summary>
    public void Restore()
    {
        foreach (var (b, c) in _saved) b.Kernels.Copy(c, b);
    }

    public void Dispose()
    {
        Restore();
        foreach (var (_, c) in _saved) c.Dispose();
    }
}

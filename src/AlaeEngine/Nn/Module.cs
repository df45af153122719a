using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// A layer or network: owns parameters and child modules, names them by path ("encoder.fc1.weight"), and frees them
/// deterministically. Parameters are created outside any <see cref="TensorScope"/> so that no step scope frees them.
/// Buffers are state that is not trained but belongs in a checkpoint (spectral norm's power-iteration vectors).
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string name, Parameter p)> _params = new();
    private readonly List<(string name, Module m)> _children = new();
    private readonly List<(string name, Tensor t)> _buffers = new();

    protected Parameter AddParameter(string name, Shape shape, Func<Shape, Tensor> init, double lrCoef = 1.0)
    {
        var t = TensorScope.Unscoped(() => init(shape));
        var p = new Parameter(name, t, lrCoef);
        _params.Add((name, p));
        return p;
    }

    /// <summary>Registers non-trainable state, created unscoped; the module disposes it.</summary>
    protected Tensor AddBuffer(string name, Func<Tensor> create)
    {
        var t = TensorScope.Unscoped(create);
        t.Name = name;
        _buffers.Add((name, t));
        return t;
    }

    protected T AddModule<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }

    /// <summary>All parameters of this module and its children, with dotted path names, in a fixed order.</summary>
    public IReadOnlyList<(string path, Parameter p)> NamedParameters()
    {
        var list = new List<(string, Parameter)>();
        Collect("", list);
        return list;
    }

    public IReadOnlyList<Parameter> Parameters() => NamedParameters().Select(t => t.p).ToList();

    /// <summary>All buffers of this module and its children, with dotted path names, in a fixed order.</summary>
    public IReadOnlyList<(string path, Tensor buffer)> NamedBuffers()
    {
        var list = new List<(string, Tensor)>();
        CollectBuffers("", list);
        return list;
    }

    private void Collect(string prefix, List<(string, Parameter)> into)
    {
        foreach (var (n, p) in _params) into.Add((prefix + n, p));
        foreach (var (n, m) in _children) m.Collect(prefix + n + ".", into);
    }

    private void CollectBuffers(string prefix, List<(string, Tensor)> into)
    {
        foreach (var (n, t) in _buffers) into.Add((prefix + n, t));
        foreach (var (n, m) in _children) m.CollectBuffers(prefix + n + ".", into);
    }

    public virtual void Dispose()
    {
        foreach (var (_, p) in _params) p.Value.Dispose();
        foreach (var (_, t) in _buffers) t.Dispose();
        foreach (var (_, m) in _children) m.Dispose();
        GC.SuppressFinalize(this);
    }
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// A layer or network: owns parameters and child modules, names them by path ("encoder.fc1.weight"), and frees them
/// deterministically. Parameters are created outside any <see cref="TensorScope"/> so that no step scope frees them.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string name, Parameter p)> _params = new();
    private readonly List<(string name, Module m)> _children = new();

    protected Parameter AddParameter(string name, Shape shape, Func<Shape, Tensor> init, double lrCoef = 1.0)
    {
        var t = TensorScope.Unscoped(() => init(shape));
        var p = new Parameter(name, t, lrCoef);
        _params.Add((name, p));
        return p;
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

    private void Collect(string prefix, List<(string, Parameter)> into)
    {
        foreach (var (n, p) in _params) into.Add((prefix + n, p));
        foreach (var (n, m) in _children) m.Collect(prefix + n + ".", into);
    }

    public virtual void Dispose()
    {
        foreach (var (_, p) in _params) p.Value.Dispose();
        foreach (var (_, m) in _children) m.Dispose();
        GC.SuppressFinalize(this);
    }
}

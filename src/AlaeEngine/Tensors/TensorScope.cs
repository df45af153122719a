namespace AlaeEngine.Tensors;

/// <summary>
/// Owns every tensor created while it is the innermost scope on this thread and disposes them when it ends.
/// A training step runs in one scope, so its temporaries (device memory included) are freed deterministically.
/// Tensors that must outlive the step are handed to the enclosing scope with <see cref="Keep"/>.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    private readonly List<Tensor> _owned = new();
    private readonly TensorScope? _parent;
    private bool _ended;

    private TensorScope() { _parent = _current; _current = this; }

    public static TensorScope? Current => _current;

    /// <summary>Starts a scope; dispose it to free what it owns.</summary>
    public static TensorScope Begin() => new();

    /// <summary>Runs code with no scope: tensors created inside are owned by the caller (parameters, optimizer state).</summary>
    public static T Unscoped<T>(Func<T> make)
    {
        var saved = _current;
        _current = null;
        try { return make(); }
        finally { _current = saved; }
    }

    internal void Track(Tensor t) => _owned.Add(t);

    /// <summary>Moves a tensor out of this scope to the enclosing one (or to the caller when there is none).</summary>
    public Tensor Keep(Tensor t)
    {
        int i = _owned.LastIndexOf(t);
        if (i < 0) throw new InvalidOperationException($"tensor {t.Shape} is not owned by this scope");
        _owned.RemoveAt(i);
        _parent?._owned.Add(t);
        return t;
    }

    /// <summary>Keeps t when this scope owns it (see <see cref="Keep"/>); false, changing nothing, when it does not.</summary>
    internal bool TryKeep(Tensor t)
    {
        if (!_owned.Contains(t)) return false;
        Keep(t);
        return true;
    }

    public void Dispose()
    {
        if (_ended) return;
        // checked before anything changes, so a misuse can be followed by the correct order
        if (_current != this) throw new InvalidOperationException("tensor scopes must end in the reverse order they began");
        _ended = true;
        _current = _parent;
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}

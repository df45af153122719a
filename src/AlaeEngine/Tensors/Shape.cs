namespace AlaeEngine.Tensors;

/// <summary>An immutable list of dimension sizes, row-major (last dimension contiguous).</summary>
public sealed class Shape : IEquatable<Shape>
{
    private readonly int[] _dims;

    public Shape(params int[] dims)
    {
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"negative dimension in shape ({string.Join(", ", dims)})");
        _dims = (int[])dims.Clone();
        long n = 1;
        foreach (var d in _dims) n *= d;
        if (n > int.MaxValue) throw new ArgumentException($"shape {this} has more than {int.MaxValue} elements");
        Length = (int)n;
    }

    public int Rank => _dims.Length;
    public int Length { get; }
    public int this[int axis] => _dims[axis < 0 ? axis + _dims.Length : axis];
    public int[] ToArray() => (int[])_dims.Clone();
    public ReadOnlySpan<int> Dims => _dims;

    /// <summary>Row-major strides in elements.</summary>
    public int[] Strides()
    {
        var s = new int[_dims.Length];
        int acc = 1;
        for (int i = _dims.Length - 1; i >= 0; i--) { s[i] = acc; acc *= _dims[i]; }
        return s;
    }

    /// <summary>Product of dimensions from axis <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
    public int Prod(int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= _dims[i];
        return p;
    }

    public Shape With(int axis, int size)
    {
        var d = ToArray();
        d[axis < 0 ? axis + d.Length : axis] = size;
        return new Shape(d);
    }

    /// <summary>NumPy broadcasting of two shapes; null when they are incompatible.</summary>
    public static Shape? Broadcast(Shape a, Shape b)
    {
        int r = Math.Max(a.Rank, b.Rank);
        var d = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i - (r - a.Rank) >= 0 ? a._dims[i - (r - a.Rank)] : 1;
            int db = i - (r - b.Rank) >= 0 ? b._dims[i - (r - b.Rank)] : 1;
            if (da != db && da != 1 && db != 1) return null;
            d[i] = da == 1 ? db : da;
        }
        return new Shape(d);
    }

    /// <summary>True when this shape broadcasts to <paramref name="target"/> without changing target.</summary>
    public bool BroadcastsTo(Shape target)
    {
        if (Rank > target.Rank) return false;
        for (int i = 0; i < Rank; i++)
        {
            int d = _dims[i], t = target._dims[i + target.Rank - Rank];
            if (d != t && d != 1) return false;
        }
        return true;
    }

    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in _dims) h.Add(d);
        return h.ToHashCode();
    }
    public static bool operator ==(Shape? a, Shape? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Shape? a, Shape? b) => !(a == b);
    public override string ToString() => "(" + string.Join(", ", _dims) + ")";
    public static implicit operator Shape(int[] dims) => new(dims);
}

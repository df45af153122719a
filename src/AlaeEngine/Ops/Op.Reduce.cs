using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>Reductions and their adjoint, broadcasting.</summary>
public static partial class Op
{
    /// <summary>Sums x down to a shape that broadcasts to x's shape (the gradient of a broadcast).</summary>
    public static Tensor SumTo(Tensor x, Shape shape)
    {
        x.ThrowIfDisposed();
        if (x.Shape == shape) return x;
        if (!shape.BroadcastsTo(x.Shape)) throw new ArgumentException($"SumTo: {shape} does not broadcast to {x.Shape}");
        var y = Like(x, shape);
        x.Kernels.SumTo(x, y);
        return Record("SumTo", y, new[] { x }, (g, n) => new[] { BroadcastTo(g, x.Shape) });
    }

    public static Tensor BroadcastTo(Tensor x, Shape shape)
    {
        x.ThrowIfDisposed();
        if (x.Shape == shape) return x;
        if (!x.Shape.BroadcastsTo(shape)) throw new ArgumentException($"BroadcastTo: {x.Shape} does not broadcast to {shape}");
        var y = Like(x, shape);
        x.Kernels.BroadcastTo(x, y);
        return Record("BroadcastTo", y, new[] { x }, (g, n) => new[] { SumTo(g, x.Shape) });
    }

    /// <summary>Sum of all elements, shape ().</summary>
    public static Tensor Sum(Tensor x) => Reshape(SumTo(x, new Shape(Enumerable.Repeat(1, x.Rank).ToArray())), new Shape());

    public static Tensor Mean(Tensor x) => Scale(Sum(x), 1.0 / Math.Max(1, x.Length));

    /// <summary>mean |a − b| over all elements (the L1 reconstruction error); a and b of one shape.</summary>
    public static Tensor MeanAbsError(Tensor a, Tensor b)
    {
        SameKind("MeanAbsError", a, b);
        if (a.Shape != b.Shape) throw new ArgumentException($"MeanAbsError: shapes {a.Shape} and {b.Shape} differ");
        return Mean(Abs(Sub(a, b)));
    }

    /// <summary>Sum over the given axes, keeping them as size 1 (so the result broadcasts against x).</summary>
    public static Tensor Sum(Tensor x, params int[] axes) => SumTo(x, KeptShape("Sum", x, axes));

    public static Tensor Mean(Tensor x, params int[] axes)
    {
        var kept = KeptShape("Mean", x, axes);
        return Scale(SumTo(x, kept), (double)kept.Length / Math.Max(1, x.Length));
    }

    private static Shape KeptShape(string op, Tensor x, int[] axes)
    {
        var d = x.Shape.ToArray();
        foreach (var a0 in axes)
        {
            int a = a0 < 0 ? a0 + x.Rank : a0;
            if (a < 0 || a >= x.Rank) throw new ArgumentException($"{op}: axis {a0} out of range for shape {x.Shape}");
            d[a] = 1;
        }
        return new Shape(d);
    }
}

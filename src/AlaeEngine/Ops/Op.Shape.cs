using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>Reshape, concatenation and slicing along an axis.</summary>
public static partial class Op
{
    /// <summary>Same elements, another shape (shares storage). One dimension may be −1.</summary>
    public static Tensor Reshape(Tensor x, Shape shape)
    {
        x.ThrowIfDisposed();
        var dims = shape.ToArray();
        int infer = Array.IndexOf(dims, -1);
        if (infer >= 0)
        {
            int known = dims.Where((d, i) => i != infer).Aggregate(1, (a, b) => a * b);
            if (known == 0 || x.Length % known != 0) throw new ArgumentException($"Reshape: cannot infer a dimension to view {x.Shape} as ({string.Join(", ", dims)})");
            dims[infer] = x.Length / known;
        }
        var target = new Shape(dims);
        if (target.Length != x.Length) throw new ArgumentException($"Reshape: cannot view {x.Shape} ({x.Length} elements) as {target} ({target.Length} elements)");
        if (target == x.Shape) return x;
        var y = x.View(target);
        return Record("Reshape", y, new[] { x }, (g, n) => new[] { Reshape(g, x.Shape) });
    }

    public static Tensor Reshape(Tensor x, params int[] dims) => Reshape(x, new Shape(dims));

    public static Tensor Concat(int axis, params Tensor[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("Concat: no tensors");
        var first = parts[0];
        int ax = axis < 0 ? axis + first.Rank : axis;
        if (ax < 0 || ax >= first.Rank) throw new ArgumentException($"Concat: axis {axis} out of range for shape {first.Shape}");
        int total = 0;
        foreach (var p in parts)
        {
            SameKind("Concat", first, p);
            bool ok = p.Rank == first.Rank;
            for (int i = 0; ok && i < p.Rank; i++) ok = i == ax || p.Shape[i] == first.Shape[i];
            if (!ok) throw new ArgumentException($"Concat: shapes {string.Join(", ", parts.Select(t => t.Shape))} differ outside axis {axis}");
            total += p.Shape[ax];
        }
        var y = Like(first, first.Shape.With(ax, total));
        int at = 0;
        foreach (var p in parts) { first.Kernels.CopyAxisRange(p, 0, y, at, p.Shape[ax], ax); at += p.Shape[ax]; }
        return Record("Concat", y, parts, (g, n) =>
        {
            var r = new Tensor?[parts.Length];
            int off = 0;
            for (int i = 0; i < parts.Length; i++) { if (n[i]) r[i] = Slice(g, ax, off, parts[i].Shape[ax]); off += parts[i].Shape[ax]; }
            return r;
        });
    }

    /// <summary>x[..., start:start+count, ...] along one axis (a copy).</summary>
    public static Tensor Slice(Tensor x, int axis, int start, int count)
    {
        x.ThrowIfDisposed();
        int ax = axis < 0 ? axis + x.Rank : axis;
        if (ax < 0 || ax >= x.Rank || start < 0 || count < 0 || start + count > x.Shape[ax])
            throw new ArgumentException($"Slice: range [{start}, {start + count}) on axis {axis} is outside shape {x.Shape}");
        var y = Like(x, x.Shape.With(ax, count));
        x.Kernels.CopyAxisRange(x, start, y, 0, count, ax);
        return Record("Slice", y, new[] { x }, (g, n) => new[] { PadAxis(g, ax, start, x.Shape[ax]) });
    }

    /// <summary>Places x at offset <paramref name="before"/> of a zero tensor whose axis has <paramref name="total"/> entries (the adjoint of Slice).</summary>
    public static Tensor PadAxis(Tensor x, int axis, int before, int total)
    {
        x.ThrowIfDisposed();
        if (before < 0 || before + x.Shape[axis] > total) throw new ArgumentException($"PadAxis: {x.Shape} at {before} does not fit {total} entries on axis {axis}");
        var y = Tensor.Zeros(x.Shape.With(axis, total), x.DType, x.Device);
        x.Kernels.CopyAxisRange(x, 0, y, before, x.Shape[axis], axis);
        return Record("PadAxis", y, new[] { x }, (g, n) => new[] { Slice(g, axis, before, x.Shape[axis]) });
    }
}

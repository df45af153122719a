using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

public static partial class Op
{
    /// <summary>
    /// alpha · op(a) · op(b) for 2-D a and b; op transposes when asked. Both gradients are matrix products again,
    /// so any order of derivative is available. alpha carries the equalized-LR weight scale at no cost.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false, double alpha = 1)
    {
        SameKind("MatMul", a, b);
        RequireRank("MatMul", a, 2, "a"); RequireRank("MatMul", b, 2, "b");
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw new ArgumentException($"MatMul: inner dimensions differ, {(transA ? "aᵀ" : "a")} {a.Shape} · {(transB ? "bᵀ" : "b")} {b.Shape}");
        var c = Like(a, new Shape(m, n));
        a.Kernels.MatMul(a, transA, b, transB, c, alpha, 0);
        return Record("MatMul", c, new[] { a, b }, (g, need) => new[]
        {
            need[0] ? (transA ? MatMul(b, g, transB, true, alpha) : MatMul(g, b, false, !transB, alpha)) : null,
            need[1] ? (transB ? MatMul(g, a, true, transA, alpha) : MatMul(a, g, !transA, false, alpha)) : null,
        });
    }
}

using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>
/// Elementwise kernels: vectorised where the vector form computes the same operations in the same order as the scalar
/// one (so a vector lane and the scalar tail agree bit for bit), and split over threads by rows or element ranges.
/// </summary>
public sealed partial class CpuKernels
{
    private interface IBinary<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract T Apply(T a, T b);
        static abstract Vector<T> Apply(Vector<T> a, Vector<T> b);
    }
    private struct AddOp<T> : IBinary<T> where T : unmanaged, IFloatingPointIeee754<T>
    { public static T Apply(T a, T b) => a + b; public static Vector<T> Apply(Vector<T> a, Vector<T> b) => a + b; }
    private struct SubOp<T> : IBinary<T> where T : unmanaged, IFloatingPointIeee754<T>
    { public static T Apply(T a, T b) => a - b; public static Vector<T> Apply(Vector<T> a, Vector<T> b) => a - b; }
    private struct MulOp<T> : IBinary<T> where T : unmanaged, IFloatingPointIeee754<T>
    { public static T Apply(T a, T b) => a * b; public static Vector<T> Apply(Vector<T> a, Vector<T> b) => a * b; }
    private struct DivOp<T> : IBinary<T> where T : unmanaged, IFloatingPointIeee754<T>
    { public static T Apply(T a, T b) => a / b; public static Vector<T> Apply(Vector<T> a, Vector<T> b) => a / b; }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor dst)
    {
        if (IsF32(dst)) BinaryAs<float>(op, a, b, dst); else BinaryAs<double>(op, a, b, dst);
    }

    private static void BinaryAs<T>(BinaryOp op, Tensor a, Tensor b, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: BinaryRun<T, AddOp<T>>(a, b, dst); break;
            case BinaryOp.Sub: BinaryRun<T, SubOp<T>>(a, b, dst); break;
            case BinaryOp.Mul: BinaryRun<T, MulOp<T>>(a, b, dst); break;
            default: BinaryRun<T, DivOp<T>>(a, b, dst); break;
        }
    }

    private static void BinaryRun<T, TOp>(Tensor a, Tensor b, Tensor dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IBinary<T>
    {
        var plan = new BroadcastPlan(dst.Shape, a.Shape, b.Shape);
        int inner = plan.Inner, rows = plan.Outer;
        int sa = plan.Strides[0][^1], sb = plan.Strides[1][^1];
        CpuParallel.For(rows, inner, (lo, hi) =>
        {
            var A = a.Span<T>(); var B = b.Span<T>(); var D = dst.Span<T>();
            for (int o = lo; o < hi; o++)
            {
                var ra = A[plan.Offset(0, o)..];
                var rb = B[plan.Offset(1, o)..];
                var rd = D.Slice(o * inner, inner);
                int i = 0, w = Vector<T>.Count;
                if (sa == 1 && sb == 1)
                {
                    for (; i <= inner - w; i += w) TOp.Apply(new Vector<T>(ra[i..]), new Vector<T>(rb[i..])).CopyTo(rd[i..]);
                    for (; i < inner; i++) rd[i] = TOp.Apply(ra[i], rb[i]);
                }
                else if (sa == 1)
                {
                    var s = rb[0]; var vs = new Vector<T>(s);
                    for (; i <= inner - w; i += w) TOp.Apply(new Vector<T>(ra[i..]), vs).CopyTo(rd[i..]);
                    for (; i < inner; i++) rd[i] = TOp.Apply(ra[i], s);
                }
                else if (sb == 1)
                {
                    var s = ra[0]; var vs = new Vector<T>(s);
                    for (; i <= inner - w; i += w) TOp.Apply(vs, new Vector<T>(rb[i..])).CopyTo(rd[i..]);
                    for (; i < inner; i++) rd[i] = TOp.Apply(s, rb[i]);
                }
                else rd.Fill(TOp.Apply(ra[0], rb[0]));
            }
        });
    }

    public void Unary(UnaryOp op, Tensor x, Tensor dst, double alpha = 0)
    {
        RequireSameLength(op.ToString(), x, dst);
        if (IsF32(x)) UnaryAs(op, x, dst, (float)alpha); else UnaryAs(op, x, dst, alpha);
    }

    private static void UnaryAs<T>(UnaryOp op, Tensor x, Tensor dst, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op");
        CpuParallel.ForElements(x.Length, (start, end) => UnaryRange(op, x.Span<T>()[start..end], dst.Span<T>()[start..end], alpha));
    }

    private static void UnaryRange<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> d, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length, i = 0, w = Vector<T>.Count;
        var va = new Vector<T>(alpha);
        switch (op)
        {
            case UnaryOp.Neg:
                for (; i <= n - w; i += w) (-new Vector<T>(x[i..])).CopyTo(d[i..]);
                for (; i < n; i++) d[i] = -x[i];
                break;
            case UnaryOp.Square:
                for (; i <= n - w; i += w) { var v = new Vector<T>(x[i..]); (v * v).CopyTo(d[i..]); }
                for (; i < n; i++) d[i] = x[i] * x[i];
                break;
            case UnaryOp.Sqrt:
                for (; i <= n - w; i += w) Vector.SquareRoot(new Vector<T>(x[i..])).CopyTo(d[i..]);
                for (; i < n; i++) d[i] = T.Sqrt(x[i]);
                break;
            case UnaryOp.Rsqrt:
                for (; i <= n - w; i += w) (Vector<T>.One / Vector.SquareRoot(new Vector<T>(x[i..]))).CopyTo(d[i..]);
                for (; i < n; i++) d[i] = T.One / T.Sqrt(x[i]);
                break;
            case UnaryOp.Reciprocal:
                for (; i <= n - w; i += w) (Vector<T>.One / new Vector<T>(x[i..])).CopyTo(d[i..]);
                for (; i < n; i++) d[i] = T.One / x[i];
                break;
            case UnaryOp.Exp: for (; i < n; i++) d[i] = T.Exp(x[i]); break;
            case UnaryOp.Log: for (; i < n; i++) d[i] = T.Log(x[i]); break;
            case UnaryOp.Softplus:
                // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large |x|
                for (; i < n; i++) d[i] = T.Max(x[i], T.Zero) + T.LogP1(T.Exp(-T.Abs(x[i])));
                break;
            case UnaryOp.Sigmoid:
                for (; i < n; i++)
                {
                    var e = T.Exp(-T.Abs(x[i]));
                    d[i] = x[i] >= T.Zero ? T.One / (T.One + e) : e / (T.One + e);
                }
                break;
            case UnaryOp.LeakyRelu:
                for (; i <= n - w; i += w)
                {
                    var v = new Vector<T>(x[i..]);
                    Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<T>.Zero), v, va * v).CopyTo(d[i..]);
                }
                for (; i < n; i++) d[i] = x[i] > T.Zero ? x[i] : alpha * x[i];
                break;
            case UnaryOp.Scale:
                for (; i <= n - w; i += w) (new Vector<T>(x[i..]) * va).CopyTo(d[i..]);
                for (; i < n; i++) d[i] = alpha * x[i];
                break;
            case UnaryOp.AddScalar:
                for (; i <= n - w; i += w) (new Vector<T>(x[i..]) + va).CopyTo(d[i..]);
                for (; i < n; i++) d[i] = x[i] + alpha;
                break;
            case UnaryOp.Abs:
                for (; i <= n - w; i += w) Vector.Abs(new Vector<T>(x[i..])).CopyTo(d[i..]);
                for (; i < n; i++) d[i] = T.Abs(x[i]);
                break;
            // not T.Sign, which throws on NaN
            case UnaryOp.Sign: for (; i < n; i++) d[i] = x[i] > T.Zero ? T.One : x[i] < T.Zero ? -T.One : T.Zero; break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op");
        }
    }

    public void LeakyReluGrad(Tensor g, Tensor x, Tensor dst, double slope, double gain = 1)
    {
        RequireSameLength("LeakyReluGrad", g, x);
        if (IsF32(x)) LeakyReluGradAs(g, x, dst, (float)slope, (float)gain); else LeakyReluGradAs(g, x, dst, slope, gain);
    }

    // gain 1 gives exactly g and slope·g (multiplying by 1 is exact)
    private static void LeakyReluGradAs<T>(Tensor gt, Tensor xt, Tensor dt, T slope, T gain) where T : unmanaged, IFloatingPointIeee754<T>
        => CpuParallel.ForElements(gt.Length, (start, end) =>
            LeakyReluGradRow(gt.Span<T>()[start..end], xt.Span<T>()[start..end], dt.Span<T>()[start..end], slope, gain));

    public void SumTo(Tensor x, Tensor dst)
    {
        if (IsF32(x)) SumToAs<float>(x, dst); else SumToAs<double>(x, dst);
    }

    // Rows of x add into rows of dst, several x rows into one dst row where dst broadcasts. Where dst keeps the inner
    // axis, workers own column ranges and walk every row; where it sums the inner axis away, workers own ranges of dst
    // (walking every x row in order and taking those landing in their range). Either way each dst element sums in one order.
    private static void SumToAs<T>(Tensor x, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        dst.Span<T>().Clear();
        // walk x's shape; dst is the broadcast operand
        var plan = new BroadcastPlan(x.Shape, dst.Shape);
        int inner = plan.Inner, rows = plan.Outer, sd = plan.Strides[0][^1];
        if (sd == 1)
        {
            CpuParallel.ForElements(inner, (start, end) =>
            {
                var X = x.Span<T>(); var D = dst.Span<T>();
                int w = Vector<T>.Count;
                for (int o = 0; o < rows; o++)
                {
                    var rx = X.Slice(o * inner, inner);
                    var rd = D[plan.Offset(0, o)..];
                    int i = start;
                    for (; i <= end - w; i += w) (new Vector<T>(rd[i..]) + new Vector<T>(rx[i..])).CopyTo(rd[i..]);
                    for (; i < end; i++) rd[i] += rx[i];
                }
            }, rows);
            return;
        }
        int dstLength = dst.Length;
        CpuParallel.For(dstLength, Math.Max(1, (long)rows * inner / Math.Max(1, dstLength)), (lo, hi) =>
        {
            var X = x.Span<T>(); var D = dst.Span<T>();
            for (int o = 0; o < rows; o++)
            {
                int at = plan.Offset(0, o);
                if (at >= lo && at < hi) D[at] += Sum<T>(X.Slice(o * inner, inner));
            }
        });
    }

    // w partial sums in lanes, then the lanes and the tail in order
    private static T Sum<T>(ReadOnlySpan<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0, w = Vector<T>.Count;
        var acc = Vector<T>.Zero;
        for (; i <= v.Length - w; i += w) acc += new Vector<T>(v[i..]);
        T s = T.Zero;
        for (int l = 0; l < w; l++) s += acc[l];
        for (; i < v.Length; i++) s += v[i];
        return s;
    }

    // Sum(a·b) without the product's buffer: each product rounds to T as Mul's does, then adds in Sum's order
    private static T SumOfProducts<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0, w = Vector<T>.Count;
        var acc = Vector<T>.Zero;
        for (; i <= a.Length - w; i += w) acc += new Vector<T>(a[i..]) * new Vector<T>(b[i..]);
        T s = T.Zero;
        for (int l = 0; l < w; l++) s += acc[l];
        for (; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    public void BroadcastTo(Tensor x, Tensor dst)
    {
        if (IsF32(x)) BroadcastToAs<float>(x, dst); else BroadcastToAs<double>(x, dst);
    }

    private static void BroadcastToAs<T>(Tensor x, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var plan = new BroadcastPlan(dst.Shape, x.Shape);
        int inner = plan.Inner, rows = plan.Outer, sx = plan.Strides[0][^1];
        CpuParallel.For(rows, inner, (lo, hi) =>
        {
            var X = x.Span<T>(); var D = dst.Span<T>();
            for (int o = lo; o < hi; o++)
            {
                var rx = X[plan.Offset(0, o)..];
                var rd = D.Slice(o * inner, inner);
                if (sx == 1) rx[..inner].CopyTo(rd); else rd.Fill(rx[0]);
            }
        });
    }

    public void LerpInPlace(IReadOnlyList<(Tensor A, Tensor B)> pairs, double t)
    {
        UpdateAliasing.RequireDistinct(pairs);
        foreach (var (a, b) in pairs)
        {
            RequireSameLength("LerpInPlace", a, b);
            if (IsF32(a)) LerpAs(a, b, (float)t); else LerpAs(a, b, t);
        }
    }

    private static void LerpAs<T>(Tensor at, Tensor bt, T t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.ForElements(at.Length, (start, end) =>
        {
            var a = at.Span<T>()[start..end]; var b = bt.Span<T>()[start..end];
            int i = 0, w = Vector<T>.Count;
            var vt = new Vector<T>(t);
            for (; i <= a.Length - w; i += w)
            {
                var va = new Vector<T>(a[i..]);
                (va + vt * (new Vector<T>(b[i..]) - va)).CopyTo(a[i..]);
            }
            for (; i < a.Length; i++) a[i] += t * (b[i] - a[i]);
        });
    }
}

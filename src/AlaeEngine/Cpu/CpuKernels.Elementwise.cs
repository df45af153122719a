using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

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
        var A = a.Span<T>(); var B = b.Span<T>(); var D = dst.Span<T>();
        var plan = new BroadcastPlan(dst.Shape, a.Shape, b.Shape);
        int inner = plan.Inner, rows = plan.Outer;
        int sa = plan.Strides[0][^1], sb = plan.Strides[1][^1];
        for (int o = 0; o < rows; o++)
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
    }

    public void Unary(UnaryOp op, Tensor x, Tensor dst, double alpha = 0)
    {
        RequireSameLength(op.ToString(), x, dst);
        if (IsF32(x)) UnaryAs(op, x.Span<float>(), dst.Span<float>(), (float)alpha);
        else UnaryAs(op, x.Span<double>(), dst.Span<double>(), alpha);
    }

    private static void UnaryAs<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> d, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length;
        switch (op)
        {
            case UnaryOp.Neg: for (int i = 0; i < n; i++) d[i] = -x[i]; break;
            case UnaryOp.Square: for (int i = 0; i < n; i++) d[i] = x[i] * x[i]; break;
            case UnaryOp.Sqrt: for (int i = 0; i < n; i++) d[i] = T.Sqrt(x[i]); break;
            case UnaryOp.Rsqrt: for (int i = 0; i < n; i++) d[i] = T.One / T.Sqrt(x[i]); break;
            case UnaryOp.Exp: for (int i = 0; i < n; i++) d[i] = T.Exp(x[i]); break;
            case UnaryOp.Log: for (int i = 0; i < n; i++) d[i] = T.Log(x[i]); break;
            case UnaryOp.Reciprocal: for (int i = 0; i < n; i++) d[i] = T.One / x[i]; break;
            case UnaryOp.Softplus:
                // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large |x|
                for (int i = 0; i < n; i++) d[i] = T.Max(x[i], T.Zero) + T.LogP1(T.Exp(-T.Abs(x[i])));
                break;
            case UnaryOp.Sigmoid:
                for (int i = 0; i < n; i++)
                {
                    var e = T.Exp(-T.Abs(x[i]));
                    d[i] = x[i] >= T.Zero ? T.One / (T.One + e) : e / (T.One + e);
                }
                break;
            case UnaryOp.LeakyRelu: for (int i = 0; i < n; i++) d[i] = x[i] > T.Zero ? x[i] : alpha * x[i]; break;
            case UnaryOp.Scale:
                {
                    int i = 0, w = Vector<T>.Count; var va = new Vector<T>(alpha);
                    for (; i <= n - w; i += w) (new Vector<T>(x[i..]) * va).CopyTo(d[i..]);
                    for (; i < n; i++) d[i] = alpha * x[i];
                    break;
                }
            case UnaryOp.AddScalar: for (int i = 0; i < n; i++) d[i] = x[i] + alpha; break;
            case UnaryOp.Abs: for (int i = 0; i < n; i++) d[i] = T.Abs(x[i]); break;
            // not T.Sign, which throws on NaN
            case UnaryOp.Sign: for (int i = 0; i < n; i++) d[i] = x[i] > T.Zero ? T.One : x[i] < T.Zero ? -T.One : T.Zero; break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op");
        }
    }

    public void LeakyReluGrad(Tensor g, Tensor x, Tensor dst, double slope, double gain = 1)
    {
        RequireSameLength("LeakyReluGrad", g, x);
        if (IsF32(x)) LeakyReluGradAs(g.Span<float>(), x.Span<float>(), dst.Span<float>(), (float)slope, (float)gain);
        else LeakyReluGradAs(g.Span<double>(), x.Span<double>(), dst.Span<double>(), slope, gain);
    }

    // gain 1 gives exactly g and slope·g (multiplying by 1 is exact)
    private static void LeakyReluGradAs<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, Span<T> d, T slope, T gain) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T negative = gain * slope;
        for (int i = 0; i < g.Length; i++) d[i] = x[i] > T.Zero ? gain * g[i] : negative * g[i];
    }

    public void SumTo(Tensor x, Tensor dst)
    {
        if (IsF32(x)) SumToAs<float>(x, dst); else SumToAs<double>(x, dst);
    }

    private static void SumToAs<T>(Tensor x, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var X = x.Span<T>(); var D = dst.Span<T>();
        D.Clear();
        // walk x's shape; dst is the broadcast operand
        var plan = new BroadcastPlan(x.Shape, dst.Shape);
        int inner = plan.Inner, rows = plan.Outer, sd = plan.Strides[0][^1];
        for (int o = 0; o < rows; o++)
        {
            var rx = X.Slice(o * inner, inner);
            var rd = D[plan.Offset(0, o)..];
            if (sd == 1)
            {
                int i = 0, w = Vector<T>.Count;
                for (; i <= inner - w; i += w) (new Vector<T>(rd[i..]) + new Vector<T>(rx[i..])).CopyTo(rd[i..]);
                for (; i < inner; i++) rd[i] += rx[i];
            }
            else
            {
                T s = T.Zero;
                for (int i = 0; i < inner; i++) s += rx[i];
                rd[0] += s;
            }
        }
    }

    public void BroadcastTo(Tensor x, Tensor dst)
    {
        if (IsF32(x)) BroadcastToAs<float>(x, dst); else BroadcastToAs<double>(x, dst);
    }

    private static void BroadcastToAs<T>(Tensor x, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var X = x.Span<T>(); var D = dst.Span<T>();
        var plan = new BroadcastPlan(dst.Shape, x.Shape);
        int inner = plan.Inner, rows = plan.Outer, sx = plan.Strides[0][^1];
        for (int o = 0; o < rows; o++)
        {
            var rx = X[plan.Offset(0, o)..];
            var rd = D.Slice(o * inner, inner);
            if (sx == 1) rx[..inner].CopyTo(rd); else rd.Fill(rx[0]);
        }
    }

    public void LerpInPlace(IReadOnlyList<(Tensor A, Tensor B)> pairs, double t)
    {
        UpdateAliasing.RequireDistinct(pairs);
        foreach (var (a, b) in pairs)
        {
            RequireSameLength("LerpInPlace", a, b);
            if (IsF32(a)) LerpAs(a.Span<float>(), b.Span<float>(), (float)t);
            else LerpAs(a.Span<double>(), b.Span<double>(), t);
        }
    }

    private static void LerpAs<T>(Span<T> a, ReadOnlySpan<T> b, T t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++) a[i] += t * (b[i] - a[i]);
    }
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>Elementwise arithmetic with NumPy broadcasting, and the pointwise functions.</summary>
public static partial class Op
{
    public static Tensor Add(Tensor a, Tensor b) => Binary("Add", BinaryOp.Add, a, b, (g, n) => new[]
    {
        n[0] ? SumTo(g, a.Shape) : null,
        n[1] ? SumTo(g, b.Shape) : null,
    });

    public static Tensor Sub(Tensor a, Tensor b) => Binary("Sub", BinaryOp.Sub, a, b, (g, n) => new[]
    {
        n[0] ? SumTo(g, a.Shape) : null,
        n[1] ? SumTo(Neg(g), b.Shape) : null,
    });

    public static Tensor Mul(Tensor a, Tensor b) => Binary("Mul", BinaryOp.Mul, a, b, (g, n) => new[]
    {
        n[0] ? SumTo(Mul(g, b), a.Shape) : null,
        n[1] ? SumTo(Mul(g, a), b.Shape) : null,
    });

    public static Tensor Div(Tensor a, Tensor b) => Binary("Div", BinaryOp.Div, a, b, (g, n) => new[]
    {
        n[0] ? SumTo(Div(g, b), a.Shape) : null,
        n[1] ? SumTo(Neg(Div(Mul(g, a), Square(b))), b.Shape) : null,
    });

    private static Tensor Binary(string name, BinaryOp op, Tensor a, Tensor b, Func<Tensor, bool[], Tensor?[]> backward)
    {
        SameKind(name, a, b);
        var shape = Shape.Broadcast(a.Shape, b.Shape)
            ?? throw new ArgumentException($"{name}: shapes {a.Shape} and {b.Shape} do not broadcast");
        var y = Like(a, shape);
        a.Kernels.Binary(op, a, b, y);
        return Record(name, y, new[] { a, b }, backward);
    }

    public static Tensor Neg(Tensor x) => Unary("Neg", UnaryOp.Neg, x, 0, (g, y) => Neg(g));
    public static Tensor Scale(Tensor x, double s) => Unary("Scale", UnaryOp.Scale, x, s, (g, y) => Scale(g, s));
    public static Tensor AddScalar(Tensor x, double s) => Unary("AddScalar", UnaryOp.AddScalar, x, s, (g, y) => g);
    public static Tensor Square(Tensor x) => Unary("Square", UnaryOp.Square, x, 0, (g, y) => Scale(Mul(g, x), 2));
    public static Tensor Sqrt(Tensor x) => Unary("Sqrt", UnaryOp.Sqrt, x, 0, (g, y) => Scale(Div(g, y), 0.5));
    // d/dx x^(-1/2) = -½·y³
    public static Tensor Rsqrt(Tensor x) => Unary("Rsqrt", UnaryOp.Rsqrt, x, 0, (g, y) => Scale(Mul(g, Mul(y, Square(y))), -0.5));
    public static Tensor Exp(Tensor x) => Unary("Exp", UnaryOp.Exp, x, 0, (g, y) => Mul(g, y));
    public static Tensor Log(Tensor x) => Unary("Log", UnaryOp.Log, x, 0, (g, y) => Div(g, x));
    public static Tensor Softplus(Tensor x) => Unary("Softplus", UnaryOp.Softplus, x, 0, (g, y) => Mul(g, Sigmoid(x)));
    // σ' = σ(1 − σ)
    public static Tensor Sigmoid(Tensor x) => Unary("Sigmoid", UnaryOp.Sigmoid, x, 0, (g, y) => Mul(g, Sub(y, Square(y))));

    /// <summary>|x|; gradient g·sign(x), 0 at x = 0 (as torch's abs).</summary>
    public static Tensor Abs(Tensor x) => Unary("Abs", UnaryOp.Abs, x, 0, (g, y) => Mul(g, Sign(x)));

    /// <summary>
    /// sign(x) ∈ {−1, 0, 1} (0 for ±0 and NaN). Piecewise constant: its derivative is zero wherever it exists, so the
    /// output is not put on the tape — the mask of <see cref="Abs"/>'s gradient, and constant in a second-order pass.
    /// </summary>
    public static Tensor Sign(Tensor x)
    {
        x.ThrowIfDisposed();
        var y = Like(x);
        x.Kernels.Unary(UnaryOp.Sign, x, y);
        return y;
    }

    /// <summary>
    /// max(x, min) with a scalar min, gradient g where x ≥ min: the margin hinge of Balanced PIONEER's encoder,
    /// max(−m, KL_real − KL_fake). Written x + relu(min − x), so x passes through unchanged (not x − min + min).
    /// </summary>
    public static Tensor ClampMin(Tensor x, double min) => Add(x, LeakyRelu(Neg(AddScalar(x, -min)), 0));

    public static Tensor LeakyRelu(Tensor x, double slope = 0.2)
        => Unary("LeakyRelu", UnaryOp.LeakyRelu, x, slope, (g, y) => LeakyReluGrad(g, x, slope));

    /// <summary>
    /// gain · leaky_relu(x + bias, slope) with one bias per channel (axis 1), in one kernel; x: (N, C, ...), bias: (C).
    /// A layer's bias and activation: the same values as Scale(LeakyRelu(Add(x, bias as (1, C, 1, …))), gain), one pass
    /// instead of three. StyleGAN2's layers (rosinality's FusedLeakyReLU) use gain √2, ALAE's gain 1.
    /// </summary>
    public static Tensor BiasLeakyRelu(Tensor x, Tensor bias, double slope = 0.2, double gain = 1)
    {
        SameKind("BiasLeakyRelu", x, bias);
        if (x.Rank < 2 || bias.Shape != new Shape(x.Shape[1]))
            throw new ArgumentException($"BiasLeakyRelu: expected input (N, C, ...) and bias (C), got {x.Shape} and {bias.Shape}");
        if (!(slope >= 0)) throw new ArgumentException($"BiasLeakyRelu: slope must be ≥ 0, got {slope}");
        if (!(gain > 0)) throw new ArgumentException($"BiasLeakyRelu: gain must be > 0, got {gain}");
        var y = Like(x);
        x.Kernels.BiasLeakyRelu(x, bias, y, slope, gain);
        return Record("BiasLeakyRelu", y, new[] { x, bias }, (g, n) =>
        {
            // without the bias gradient (the R1 penalty's gradient in the images) the mask alone: one launch, not two
            if (!n[1]) return new[] { LeakyReluGrad(g, y, slope, gain), null };
            var (gx, gBias) = BiasLeakyReluBackward(g, y, slope, gain);
            return new[] { n[0] ? gx : null, gBias };
        });
    }

    /// <summary>
    /// The gradients of <see cref="BiasLeakyRelu"/> in one kernel, from its output y: gx = g·(y &gt; 0 ? gain : gain·slope)
    /// and gBias = gx summed over every axis but 1; g, y: (N, C, ...) → gx: (N, C, ...), gBias: (C). With slope ≥ 0 and
    /// gain &gt; 0, y &gt; 0 exactly where x + bias &gt; 0, so the output carries the activation's mask. Both outputs are
    /// linear in g and piecewise constant in y, so the backward of this op is the same mask applied to the incoming gradients.
    /// </summary>
    public static (Tensor gx, Tensor gBias) BiasLeakyReluBackward(Tensor g, Tensor y, double slope = 0.2, double gain = 1)
    {
        SameKind("BiasLeakyReluBackward", g, y);
        if (g.Rank < 2 || y.Shape != g.Shape)
            throw new ArgumentException($"BiasLeakyReluBackward: expected gradient and output of one shape (N, C, ...), got {g.Shape} and {y.Shape}");
        if (!(slope >= 0)) throw new ArgumentException($"BiasLeakyReluBackward: slope must be ≥ 0, got {slope}");
        if (!(gain > 0)) throw new ArgumentException($"BiasLeakyReluBackward: gain must be > 0, got {gain}");
        var gx = Like(g); var gBias = Like(g, new Shape(g.Shape[1]));
        g.Kernels.BiasLeakyReluBackward(g, y, gx, gBias, slope, gain);
        Record("BiasLeakyReluBackward", new[] { gx, gBias }, new[] { g, y }, (gg, needs) =>
        {
            // ∂/∂g of ⟨vx, gx⟩ + ⟨vb, gBias⟩ is mask·(vx + vb[c]); nothing flows to y (zero almost everywhere)
            var (vx, vb) = (gg[0], gg[1]);
            var perChannel = vb == null ? null : Reshape(vb, ChannelShape(g));
            var v = vx == null ? BroadcastTo(perChannel!, g.Shape) : perChannel == null ? vx : Add(vx, perChannel);
            return new[] { needs[0] ? LeakyReluGrad(v, y, slope, gain) : null, null };
        });
        return (gx, gBias);
    }

    // (1, C, 1, …) of x's rank: the shape a per-channel value broadcasts from
    internal static Shape ChannelShape(Tensor x)
    {
        var dims = Enumerable.Repeat(1, x.Rank).ToArray();
        dims[1] = x.Shape[1];
        return new Shape(dims);
    }

    /// <summary>g · (x &gt; 0 ? gain : gain·slope). Linear in g; its derivative in x is zero almost everywhere.</summary>
    public static Tensor LeakyReluGrad(Tensor g, Tensor x, double slope, double gain = 1)
    {
        SameKind("LeakyReluGrad", g, x);
        if (g.Shape != x.Shape) throw new ArgumentException($"LeakyReluGrad: gradient {g.Shape} and input {x.Shape} differ");
        var y = Like(g);
        g.Kernels.LeakyReluGrad(g, x, y, slope, gain);
        return Record("LeakyReluGrad", y, new[] { g, x }, (gy, n) => new[] { n[0] ? LeakyReluGrad(gy, x, slope, gain) : null, null });
    }

    private static Tensor Unary(string name, UnaryOp op, Tensor x, double alpha, Func<Tensor, Tensor, Tensor> backward)
    {
        x.ThrowIfDisposed();
        var y = Like(x);
        x.Kernels.Unary(op, x, y, alpha);
        return Record(name, y, new[] { x }, (g, n) => new[] { backward(g, y) });
    }

    /// <summary>a + t·(b − a) with a scalar t (progressive-growing blends).</summary>
    public static Tensor Lerp(Tensor a, Tensor b, double t) => Add(a, Scale(Sub(b, a), t));

    /// <summary>a + t·(b − a) with t broadcast (per-layer truncation weights).</summary>
    public static Tensor Lerp(Tensor a, Tensor b, Tensor t) => Add(a, Mul(Sub(b, a), t));
}

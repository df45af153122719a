using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>FIR filtering with up/down sampling, the blur, 2×2 average pooling and nearest 2× upsampling; x: (N, C, H, W).</summary>
public static partial class Op
{
    /// <summary>
    /// Per-channel upfirdn2d: insert up−1 zeros between samples, pad by (padX0, padX1, padY0, padY1), convolve with the
    /// constant filter f: (kh, kw), keep every down-th sample. Linear in x; its gradient is the adjoint op.
    /// </summary>
    public static Tensor Upfirdn2d(Tensor x, Tensor f, int up = 1, int down = 1, int padX0 = 0, int padX1 = 0, int padY0 = 0, int padY1 = 0)
    {
        SameKind("Upfirdn2d", x, f);
        var shape = UpfirdnShape("Upfirdn2d", x.Shape, f, up, down, padX0, padX1, padY0, padY1);
        var y = Like(x, shape);
        x.Kernels.Upfirdn2d(x, f, y, up, down, padX0, padX1, padY0, padY1);
        return Record("Upfirdn2d", y, new[] { x }, (g, n) => new[] { Upfirdn2dAdjoint(g, f, x.Shape, up, down, padX0, padX1, padY0, padY1) });
    }

    /// <summary>The adjoint of <see cref="Upfirdn2d"/> with the same arguments, producing a tensor of <paramref name="xShape"/>.</summary>
    public static Tensor Upfirdn2dAdjoint(Tensor gy, Tensor f, Shape xShape, int up, int down, int padX0, int padX1, int padY0, int padY1)
    {
        SameKind("Upfirdn2dAdjoint", gy, f);
        var shape = UpfirdnShape("Upfirdn2dAdjoint", xShape, f, up, down, padX0, padX1, padY0, padY1);
        if (gy.Shape != shape)
            throw new ArgumentException($"Upfirdn2dAdjoint: gradient {gy.Shape} does not match upfirdn2d of {xShape} (expected {shape})");
        var gx = Like(gy, xShape);
        gy.Kernels.Upfirdn2dAdjoint(gy, f, gx, up, down, padX0, padX1, padY0, padY1);
        return Record("Upfirdn2dAdjoint", gx, new[] { gy }, (g, n) => new[] { Upfirdn2d(g, f, up, down, padX0, padX1, padY0, padY1) });
    }

    private static Shape UpfirdnShape(string op, Shape x, Tensor f, int up, int down, int px0, int px1, int py0, int py1)
    {
        if (x.Rank != 4) throw new ArgumentException($"{op}: input must be (N, C, H, W), got {x}");
        RequireRank(op, f, 2, "filter");
        if (up < 1 || down < 1) throw new ArgumentException($"{op}: up {up} and down {down} must be ≥ 1");
        int hp = x[2] * up + py0 + py1 - f.Shape[0], wp = x[3] * up + px0 + px1 - f.Shape[1];
        if (hp < 0 || wp < 0) throw new ArgumentException($"{op}: filter {f.Shape} is larger than the padded input {x} (up {up}, pad {px0},{px1},{py0},{py1})");
        return new Shape(x[0], x[1], hp / down + 1, wp / down + 1);
    }

    /// <summary>The [1, 2, 1] ⊗ [1, 2, 1] / 16 filter of the reference's Blur.</summary>
    public static Tensor BlurFilter(DType dtype = DType.Float32, Device? device = null)
    {
        var f = Tensor.FromArray(new[] { 1.0, 2, 1, 2, 4, 2, 1, 2, 1 }.Select(v => v / 16).ToArray(), new Shape(3, 3));
        return f.DType == dtype && device is null or { Kind: DeviceKind.Cpu } ? f : f.Cast(dtype).MoveTo(device ?? Device.Cpu);
    }

    /// <summary>3×3 binomial blur, same size (padding 1).</summary>
    public static Tensor Blur(Tensor x, Tensor filter) => Upfirdn2d(x, filter, 1, 1, 1, 1, 1, 1);

    /// <summary>2×2 average pooling; x: (N, C, 2H, 2W) → (N, C, H, W).</summary>
    public static Tensor AvgPool2x2(Tensor x) => Pool2x2(x, 0.25);

    /// <summary>Nearest-neighbour 2× upsampling; x: (N, C, H, W) → (N, C, 2H, 2W).</summary>
    public static Tensor Upsample2x(Tensor x) => Upsample2x(x, 1.0);

    // Pool2x2 with scale s and Upsample2x with scale s are each other's adjoint.
    private static Tensor Pool2x2(Tensor x, double scale)
    {
        RequireRank("AvgPool2x2", x, 4, "input");
        if (x.Shape[2] % 2 != 0 || x.Shape[3] % 2 != 0) throw new ArgumentException($"AvgPool2x2: spatial size of {x.Shape} must be even");
        var y = Like(x, new Shape(x.Shape[0], x.Shape[1], x.Shape[2] / 2, x.Shape[3] / 2));
        x.Kernels.Pool2x2(x, y, scale);
        return Record("Pool2x2", y, new[] { x }, (g, n) => new[] { Upsample2x(g, scale) });
    }

    private static Tensor Upsample2x(Tensor x, double scale)
    {
        RequireRank("Upsample2x", x, 4, "input");
        var y = Like(x, new Shape(x.Shape[0], x.Shape[1], x.Shape[2] * 2, x.Shape[3] * 2));
        x.Kernels.Upsample2x(x, y, scale);
        return Record("Upsample2x", y, new[] { x }, (g, n) => new[] { Pool2x2(g, scale) });
    }
}

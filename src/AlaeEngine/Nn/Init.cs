using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>Seeded parameter initialisation: each parameter draws from its own Philox stream, so adding a layer does not shift the others.</summary>
public sealed class Init
{
    private readonly ulong _seed;
    private ulong _stream;

    public Init(ulong seed, DType dtype = DType.Float32, Device? device = null)
    {
        _seed = seed; DType = dtype; Device = device ?? Device.Cpu;
    }

    public DType DType { get; }
    public Device Device { get; }

    public Tensor Normal(Shape shape, double std = 1.0)
    {
        var t = Tensor.Empty(shape, DType, Device);
        t.Kernels.FillRandom(t, _seed, (_stream++) << 40, normal: true);
        if (std != 1.0) t.Kernels.Unary(UnaryOp.Scale, t, t, std);
        return t;
    }

    /// <summary>U(−bound, bound): torch's default Conv2d / Linear initialisation with bound 1/√fan_in.</summary>
    public Tensor Uniform(Shape shape, double bound)
    {
        var t = Tensor.Empty(shape, DType, Device);
        t.Kernels.FillRandom(t, _seed, (_stream++) << 40, normal: false);
        t.Kernels.Unary(UnaryOp.Scale, t, t, 2 * bound);
        t.Kernels.Unary(UnaryOp.AddScalar, t, t, -bound);
        return t;
    }

    public Tensor Zeros(Shape shape) => Tensor.Zeros(shape, DType, Device);
    public Tensor Ones(Shape shape) => Tensor.Full(shape, 1.0, DType, Device);
    public Tensor Full(Shape shape, double value) => Tensor.Full(shape, value, DType, Device);
}

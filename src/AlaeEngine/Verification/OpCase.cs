using AlaeEngine.Tensors;

namespace AlaeEngine.Verification;

/// <summary>How the values of one input of an op case are drawn.</summary>
public enum InputKind
{
    /// <summary>Normal values (never exact zeros or ones).</summary>
    Normal,
    /// <summary>Values in [0.5, 2]: inputs of sqrt, log, division.</summary>
    Positive,
    /// <summary>Normal values at least 0.1 away from zero: inputs of kinks (leaky ReLU), so finite differences never straddle one.</summary>
    AwayFromZero,
    /// <summary>A constant the op is not differentiated in (a FIR filter).</summary>
    Constant,
}

public sealed record InputSpec(Shape Shape, InputKind Kind = InputKind.Normal)
{
    public bool Differentiable => Kind != InputKind.Constant;
}

/// <summary>
/// One entry of the op table: an op, the shapes and kinds of its inputs, and how to build its outputs from them.
/// The same entries drive the float64 gradient checks, the second-order checks (when <see cref="SecondOrder"/>),
/// the CUDA parity checks and the kernel benchmarks, so no check can silently skip an op.
/// </summary>
public sealed record OpCase(string Op, string Label, InputSpec[] Inputs, Func<Tensor[], Tensor[]> Build, bool SecondOrder)
{
    public override string ToString() => $"{Op} {Label}";

    /// <summary>Draws the case's inputs deterministically from its seed.</summary>
    public Tensor[] MakeInputs(DType dtype, ulong seed, Device? device = null)
    {
        var result = new Tensor[Inputs.Length];
        for (int i = 0; i < Inputs.Length; i++)
        {
            var spec = Inputs[i];
            var v = new double[spec.Shape.Length];
            for (int j = 0; j < v.Length; j++)
            {
                ulong counter = ((ulong)i << 40) + (ulong)j;
                double u = Philox.Uniform(seed, counter), z = Philox.Normal(seed, counter);
                v[j] = spec.Kind switch
                {
                    InputKind.Positive => 0.5 + 1.5 * u,
                    InputKind.AwayFromZero => z >= 0 ? z + 0.1 : z - 0.1,
                    InputKind.Constant => 0.25 + u,
                    _ => z,
                };
            }
            var t = Tensor.FromArray(v, spec.Shape);
            result[i] = dtype == DType.Float64 && device is null or { Kind: DeviceKind.Cpu } ? t : t.Cast(dtype).MoveTo(device ?? Device.Cpu);
        }
        return result;
    }
}

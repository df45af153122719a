using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>
/// What one GPU operation must at least move and compute, from its shapes where it is issued: compulsory bytes (each
/// tensor it reads read once, each it writes written once, at its element size) and FLOPs (GEMMs 2·m·n·k, FIR filters
/// 2 per non-zero tap; elementwise and data-movement kernels count bytes only). Every launch site passes one to
/// <see cref="CudaDevice.Record"/>; <see cref="CostCeilings"/> turns it into a modelled time.
/// </summary>
public readonly record struct LaunchCost(double Bytes, double Flops)
{
    /// <summary>Each tensor of <paramref name="read"/> read once and each of <paramref name="written"/> written once.</summary>
    public static LaunchCost Of(ReadOnlySpan<Tensor> read, ReadOnlySpan<Tensor> written, double flops = 0)
    {
        double bytes = 0;
        foreach (var t in read) bytes += (double)t.Length * t.DType.SizeOf();
        foreach (var t in written) bytes += (double)t.Length * t.DType.SizeOf();
        return new(bytes, flops);
    }

    /// <summary>Element counts read and written, all of one dtype.</summary>
    public static LaunchCost Elements(double read, double written, DType dtype, double flops = 0)
        => new((read + written) * dtype.SizeOf(), flops);
}

using System.Runtime.InteropServices;
using AlaeEngine.Cpu;

namespace AlaeEngine.Cuda;

/// <summary>
/// A <see cref="BroadcastPlan"/> of up to two operands passed to a kernel by value; mirrors struct MergedAxes of
/// kernels/common.cuh (int nd; Divisor dims[6]; int s0[6]; int s1[6]), each dim with its fast-division constants.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MergedAxes
{
    public const int MaxDims = 6;

    public int Nd;
    private fixed uint _dims[3 * MaxDims];   // FastDivisor (d, magic, shift) per axis
    public fixed int S0[MaxDims];
    public fixed int S1[MaxDims];

    public FastDivisor Dim(int k)
    {
        fixed (uint* d = _dims) return ((FastDivisor*)d)[k];
    }

    /// <summary>Dims of the plan with s0, s1 taken from the given stride lists (each as long as the dims).</summary>
    public static MergedAxes From(BroadcastPlan plan, int[] s0, int[]? s1 = null)
    {
        if (plan.Dims.Length > MaxDims)
            throw new ArgumentException($"the CUDA kernels take at most {MaxDims} merged axes, this broadcast needs {plan.Dims.Length}");
        var m = new MergedAxes { Nd = plan.Dims.Length };
        for (int i = 0; i < m.Nd; i++)
        {
            ((FastDivisor*)m._dims)[i] = new FastDivisor(plan.Dims[i]);
            m.S0[i] = s0[i];
            m.S1[i] = s1 != null ? s1[i] : 0;
        }
        return m;
    }
}

using System.Numerics;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>
/// The reference backend: every primitive written once, generic over float and double (the float64 instance is the
/// oracle of the gradient checks). Families live in the partial files beside this one.
/// </summary>
public sealed partial class CpuKernels : IKernels
{
    public static readonly CpuKernels Instance = new();
    private CpuKernels() { }

    /// <summary>Worker count for the parallel kernels (GEMM, convolution).</summary>
    public static int Threads { get; set; } = Environment.ProcessorCount;

    public Storage Allocate(int length, DType dtype, bool clear) => new CpuStorage(length, dtype, clear);

    public void Fill(Tensor dst, double value)
    {
        if (dst.DType == DType.Float32) dst.Span<float>().Fill((float)value);
        else dst.Span<double>().Fill(value);
    }

    public void Copy(Tensor src, Tensor dst)
    {
        RequireSameLength("Copy", src, dst);
        if (src.DType == dst.DType)
        {
            if (src.DType == DType.Float32) src.Span<float>().CopyTo(dst.Span<float>());
            else src.Span<double>().CopyTo(dst.Span<double>());
        }
        else if (src.DType == DType.Float32)
        {
            var s = src.Span<float>(); var d = dst.Span<double>();
            for (int i = 0; i < s.Length; i++) d[i] = s[i];
        }
        else
        {
            var s = src.Span<double>(); var d = dst.Span<float>();
            for (int i = 0; i < s.Length; i++) d[i] = (float)s[i];
        }
    }

    private static void RequireSameLength(string op, Tensor a, Tensor b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"{op}: {a.Shape} and {b.Shape} differ in length");
    }

    private static bool IsF32(Tensor t) => t.DType == DType.Float32;

    private static T C<T>(double v) where T : IFloatingPointIeee754<T> => T.CreateTruncating(v);
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

public sealed partial class CpuKernels
{
    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, double alpha, double beta)
    {
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int n = transB ? b.Shape[0] : b.Shape[1];
        if (IsF32(a)) Gemm.Run(m, n, k, (float)alpha, a.Span<float>(), transA, b.Span<float>(), transB, (float)beta, c.Span<float>());
        else Gemm.Run(m, n, k, alpha, a.Span<double>(), transA, b.Span<double>(), transB, beta, c.Span<double>());
    }
}

using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>
/// GEMM through cuBLAS, which is column-major. A row-major (r × c) buffer is the column-major (c × r) matrix, its
/// transpose, so row-major C = op(A)·op(B) is computed as column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands, keep each
/// operand's transpose flag, and use the row-major widths as leading dimensions:
///   C (m × n), ldc = n;  A stored (m × k), lda = k, or (k × m), lda = m when transA;  B stored (k × n), ldb = n, or (n × k), ldb = k.
/// </summary>
public sealed unsafe partial class CudaKernels
{
    private bool _tf32Applied;

    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, double alpha, double beta)
    {
        RequireSameDType("MatMul", a, b, c);
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int n = transB ? b.Shape[0] : b.Shape[1];
        Gemm(c.DType, transA, transB, m, n, k, alpha, Ptr(a), 0, Ptr(b), 0, beta, Ptr(c), 0, 1);
    }

    /// <summary>Row-major C_i ← alpha·op(A_i)·op(B_i) + beta·C_i for i &lt; batch; strides in elements (0 reuses one matrix).</summary>
    private void Gemm(DType dtype, bool transA, bool transB, int m, int n, int k, double alpha,
        ulong a, long strideA, ulong b, long strideB, double beta, ulong c, long strideC, int batch)
    {
        if (m == 0 || n == 0 || batch == 0) return;
        _device.MakeCurrent();
        var h = _device.Blas;
        if (_tf32Applied != AllowTf32)
        {
            Cublas.Check(Cublas.SetMathMode(h, AllowTf32 ? Cublas.Tf32TensorOpMath : Cublas.DefaultMath));
            _tf32Applied = AllowTf32;
        }
        // A and B read (once when their stride is 0), C written (and read when beta ≠ 0)
        double reads = (double)m * k * (strideA == 0 ? 1 : batch) + (double)k * n * (strideB == 0 ? 1 : batch) + (beta != 0 ? (double)m * n * batch : 0);
        _device.Record(CudaDevice.Operation.Gemm, LaunchCost.Elements(reads, (double)m * n * batch, dtype, 2.0 * m * n * k * batch), "cublas gemm");
        var profiler = _device.Profiler;
        profiler?.Before();
        int opA = transA ? Cublas.OpT : Cublas.OpN, opB = transB ? Cublas.OpT : Cublas.OpN;
        int lda = Math.Max(1, transA ? m : k), ldb = Math.Max(1, transB ? k : n), ldc = n;
        if (dtype == DType.Float32)
        {
            float al = (float)alpha, be = (float)beta;
            if (batch == 1) Cublas.Check(Cublas.Sgemm(h, opB, opA, n, m, k, &al, b, ldb, a, lda, &be, c, ldc));
            else Cublas.Check(Cublas.SgemmStridedBatched(h, opB, opA, n, m, k, &al, b, ldb, strideB, a, lda, strideA, &be, c, ldc, strideC, batch));
        }
        else
        {
            if (batch == 1) Cublas.Check(Cublas.Dgemm(h, opB, opA, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc));
            else Cublas.Check(Cublas.DgemmStridedBatched(h, opB, opA, n, m, k, &alpha, b, ldb, strideB, a, lda, strideA, &beta, c, ldc, strideC, batch));
        }
        profiler?.After(batch == 1 ? $"cublas gemm {m}×{n}×{k}" : $"cublas gemm {m}×{n}×{k} (batch {batch})");
    }
}

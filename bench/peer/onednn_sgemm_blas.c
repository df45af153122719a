/* A BLAS sgemm_ that forwards to oneDNN's dnnl_sgemm, for machines whose PyTorch links the netlib reference BLAS
 * (Debian's python3-torch with libblas3: its float GEMMs run at ~1 GFLOP/s). compare.py builds it and preloads it
 * into the PyTorch processes (LD_PRELOAD), so PyTorch's matmuls use an optimised GEMM, as they do with OpenBLAS or
 * MKL; it says so in its output. Fortran BLAS is column-major: C = op(A)·op(B) column-major is Cᵀ = op(B)ᵀ·op(A)ᵀ
 * row-major, which is dnnl_sgemm with the operands exchanged.
 *   gcc -O2 -shared -fPIC -o onednn_sgemm_blas.so onednn_sgemm_blas.c -l:libdnnl.so.2
 */
#include <stdint.h>

int dnnl_sgemm(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
               const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

void sgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k, const float *alpha,
            const float *a, const int *lda, const float *b, const int *ldb, const float *beta, float *c, const int *ldc)
{
    dnnl_sgemm(*transb, *transa, *n, *m, *k, *alpha, b, *ldb, a, *lda, *beta, c, *ldc);
}

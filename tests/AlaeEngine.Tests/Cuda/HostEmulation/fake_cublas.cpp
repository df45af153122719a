#include <cmath>
#include <stdlib.h>
#include <stddef.h>
// A fake libcublas: the column-major GEMM of the cuBLAS documentation as plain loops, with the leading-dimension checks
// cuBLAS makes, to check the row-major mapping of CudaKernels.MatMul.cs without a GPU. Each output is accumulated in
// the GEMM's own type with fused multiply-adds, as cuBLAS's SGEMM (FFMA in float32) and DGEMM do; only the order of the
// k terms differs from a real GEMM's blocking.
// ALAE_EMU_SKIP_KERNELS=1 (see fake_cuda.cpp): arguments are checked, nothing is computed
static const bool skipKernels = getenv("ALAE_EMU_SKIP_KERNELS") && atoi(getenv("ALAE_EMU_SKIP_KERNELS")) != 0;

template <typename T>
static int gemm(int ta, int tb, int m, int n, int k, const T* alpha, const T* A, int lda, long long sA, const T* B, int ldb, long long sB,
                const T* beta, T* C, int ldc, long long sC, int batch)
{
    if (lda < (ta ? k : m) || ldb < (tb ? n : k) || ldc < m) return 7;
    if (skipKernels) return 0;
    for (int b = 0; b < batch; b++)
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                T s = 0;
                for (int l = 0; l < k; l++)
                    s = std::fma(ta ? A[b * sA + l + (long long)i * lda] : A[b * sA + i + (long long)l * lda],
                            tb ? B[b * sB + j + (long long)l * ldb] : B[b * sB + l + (long long)j * ldb], s);
                T* c = &C[b * sC + i + (long long)j * ldc];
                *c = *beta == T(0) ? *alpha * s : *alpha * s + *beta * *c;
            }
    return 0;
}
extern "C" {
int cublasCreate_v2(void** h) { *h = (void*)0x5; return 0; }
int cublasDestroy_v2(void*) { return 0; }
int cublasGetVersion_v2(void*, int* v) { *v = 130100; return 0; }
int cublasGetProperty(int type, int* v) { *v = type == 0 ? 13 : type == 1 ? 1 : 0; return 0; }   // MAJOR, MINOR, PATCH of 13.1.0
int cublasSetStream_v2(void*, void*) { return 0; }
int cublasSetMathMode(void*, int) { return 0; }
int cublasSgemm_v2(void*, int ta, int tb, int m, int n, int k, const float* al, const float* A, int lda, const float* B, int ldb, const float* be, float* C, int ldc)
{ return gemm(ta, tb, m, n, k, al, A, lda, 0, B, ldb, 0, be, C, ldc, 0, 1); }
int cublasDgemm_v2(void*, int ta, int tb, int m, int n, int k, const double* al, const double* A, int lda, const double* B, int ldb, const double* be, double* C, int ldc)
{ return gemm(ta, tb, m, n, k, al, A, lda, 0, B, ldb, 0, be, C, ldc, 0, 1); }
int cublasSgemmStridedBatched(void*, int ta, int tb, int m, int n, int k, const float* al, const float* A, int lda, long long sA, const float* B, int ldb, long long sB, const float* be, float* C, int ldc, long long sC, int batch)
{ return gemm(ta, tb, m, n, k, al, A, lda, sA, B, ldb, sB, be, C, ldc, sC, batch); }
int cublasDgemmStridedBatched(void*, int ta, int tb, int m, int n, int k, const double* al, const double* A, int lda, long long sA, const double* B, int ldb, long long sB, const double* be, double* C, int ldc, long long sC, int batch)
{ return gemm(ta, tb, m, n, k, al, A, lda, sA, B, ldb, sB, be, C, ldc, sC, batch); }
}

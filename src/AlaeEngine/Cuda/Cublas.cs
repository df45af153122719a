using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlaeEngine.Cuda;

/// <summary>
/// cuBLAS (libcublas.so.13/.12), column-major GEMM. Functions return a cublasStatus_t (0 = success). alpha and beta are
/// host pointers (the default pointer mode); matrices are device pointers.
/// </summary>
internal static unsafe partial class Cublas
{
    private const string Lib = "cublas";

    static Cublas() => NativeLibraries.InstallResolver();

    internal const int OpN = 0, OpT = 1;
    internal const int DefaultMath = 0, Tf32TensorOpMath = 3;

    [LibraryImport(Lib, EntryPoint = "cublasCreate_v2")] internal static partial int Create(nint* handle);
    [LibraryImport(Lib, EntryPoint = "cublasDestroy_v2")] internal static partial int Destroy(nint handle);
    [LibraryImport(Lib, EntryPoint = "cublasGetVersion_v2")] internal static partial int GetVersion(nint handle, int* version);
    [LibraryImport(Lib, EntryPoint = "cublasSetStream_v2")] internal static partial int SetStream(nint handle, nint stream);
    [LibraryImport(Lib, EntryPoint = "cublasSetMathMode")] internal static partial int SetMathMode(nint handle, int mode);

    [LibraryImport(Lib, EntryPoint = "cublasSgemm_v2")]
    internal static partial int Sgemm(nint handle, int transA, int transB, int m, int n, int k,
        float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);

    [LibraryImport(Lib, EntryPoint = "cublasDgemm_v2")]
    internal static partial int Dgemm(nint handle, int transA, int transB, int m, int n, int k,
        double* alpha, ulong a, int lda, ulong b, int ldb, double* beta, ulong c, int ldc);

    [LibraryImport(Lib, EntryPoint = "cublasSgemmStridedBatched")]
    internal static partial int SgemmStridedBatched(nint handle, int transA, int transB, int m, int n, int k,
        float* alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB, float* beta, ulong c, int ldc, long strideC, int batch);

    [LibraryImport(Lib, EntryPoint = "cublasDgemmStridedBatched")]
    internal static partial int DgemmStridedBatched(nint handle, int transA, int transB, int m, int n, int k,
        double* alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB, double* beta, ulong c, int ldc, long strideC, int batch);

    /// <summary>Throws a <see cref="CudaException"/> naming the call and the cuBLAS status unless it is 0.</summary>
    internal static void Check(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != 0) throw new CudaException($"{call} failed: {Describe(status)}");
    }

    // cuBLAS 11 has no cublasGetStatusName, so the names of cublas_api.h are spelled out here
    internal static string Describe(int status) => status switch
    {
        1 => "CUBLAS_STATUS_NOT_INITIALIZED (cuBLAS was not initialised: no context, or the library failed to start)",
        3 => "CUBLAS_STATUS_ALLOC_FAILED (resource allocation failed)",
        7 => "CUBLAS_STATUS_INVALID_VALUE (an unsupported value or parameter was passed)",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH (the device lacks a required feature)",
        11 => "CUBLAS_STATUS_MAPPING_ERROR (access to GPU memory space failed)",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED (the GPU program failed to execute)",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR (an internal cuBLAS operation failed)",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED (the functionality requested is not supported)",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => $"cublasStatus_t {status}",
    };
}

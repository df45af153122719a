// Index arithmetic shared by kernel files (#include "common.cuh"; KernelCompiler hands every compile the kernels/*.cuh).
//
// Divisor: a divisor d in [1, 2³¹) with multiply-shift constants (Cuda/FastDivisor.cs computes them), so that
// n / d = (umulhi(n, magic) + n) >> shift for every n in [0, 2³¹): a multiply-high, an add and a shift instead of the
// ≈ 20-instruction sequence of a division by a runtime value.
//
// MergedAxes: the merged-axes plan of Cpu/BroadcastPlan.cs (Cuda/MergedAxes.cs fills it): a contiguous row-major walk
// over up to 6 merged axes dims[0..nd) (outermost first) and, per axis, the strides of two operands s0, s1 (0 where an
// operand is broadcast or summed).
//
// Pack<T, V>: V consecutive elements aligned to their size, so load/store are one vector access (ld.global.v4.f32,
// v2.f64); the caller checks the alignment (launchers pass vector = 1 only for 16-byte aligned tensors).
//
// for_each_vector<T>(vector, n, body): the grid-stride loop of a streaming kernel. With vector set (the launcher's
// promise that every operand is 16-byte aligned and that V = 16/sizeof(T) consecutive elements from a multiple of V
// never cross what the kernel treats as a row) each thread step calls body(Width<V>(), i) for V elements from i, a
// multiple of V below n − n % V, so every operand is one vector access, then body(Width<1>(), i) for each of the n % V
// elements left (the tail, one per thread); without it body(Width<1>(), i) for every i. body is a generic lambda that
// reads its width as decltype(w)::value.
//
// GRID_CONSTANT: kernels take the plan as `const GRID_CONSTANT MergedAxes p`, read in place from the parameter space.
// Without __grid_constant__ (NVRTC 11.7, sm_70) a parameter whose address is taken, as a reference to it is, is first
// copied to the thread's local memory (80 bytes of stack and 19 local stores per thread before this was used).

#pragma once

#if defined(__CUDACC_VER_MAJOR__) && (__CUDACC_VER_MAJOR__ > 11 || (__CUDACC_VER_MAJOR__ == 11 && __CUDACC_VER_MINOR__ >= 7)) \
    && (!defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 700)
#define GRID_CONSTANT __grid_constant__
#else
#define GRID_CONSTANT
#endif

#define MAX_DIMS 6

struct Divisor
{
    unsigned d, magic, shift;
};

__device__ inline unsigned divide(unsigned n, const Divisor& v) { return (__umulhi(n, v.magic) + n) >> v.shift; }

struct MergedAxes
{
    int nd;
    Divisor dims[MAX_DIMS];
    int s0[MAX_DIMS];
    int s1[MAX_DIMS];
};

// offsets in operands 0 and 1 of position i of the walk (i < Π dims); the loop is unrolled over MAX_DIMS so every
// plan field is read at a constant offset
__device__ inline void locate(const MergedAxes& p, unsigned i, int& o0, int& o1)
{
    o0 = 0; o1 = 0;
#pragma unroll
    for (int k = MAX_DIMS - 1; k >= 0; k--)
    {
        if (k >= p.nd) continue;
        unsigned q = k == 0 ? 0u : divide(i, p.dims[k]);   // the outermost index is what is left
        int idx = (int)(i - q * p.dims[k].d);
        o0 += idx * p.s0[k];
        o1 += idx * p.s1[k];
        i = q;
    }
}

template <typename T, int V>
struct alignas(sizeof(T) * V) Pack
{
    T v[V];
};

template <typename T, int V> __device__ inline Pack<T, V> load(const T* p) { return *reinterpret_cast<const Pack<T, V>*>(p); }
template <typename T, int V> __device__ inline void store(T* p, const Pack<T, V>& x) { *reinterpret_cast<Pack<T, V>*>(p) = x; }

template <int W> struct Width
{
    static constexpr int value = W;
};

template <int V, typename Body>
__device__ inline void for_each_vector_of(unsigned n, Body body)
{
    unsigned vectors = n / V, step = gridDim.x * blockDim.x, t = blockIdx.x * blockDim.x + threadIdx.x;
    for (unsigned k = t; k < vectors; k += step) body(Width<V>(), k * V);
    if (V > 1 && t < n - vectors * V) body(Width<1>(), vectors * V + t);
}

template <typename T, typename Body>
__device__ inline void for_each_vector(int vector, unsigned n, Body body)
{
    if (vector) for_each_vector_of<16 / sizeof(T)>(n, body);
    else for_each_vector_of<1>(n, body);
}

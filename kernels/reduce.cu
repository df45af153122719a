// Reductions over broadcast axes: SumTo, the adjoint of broadcasting.
//
// x is walked with the merged-axes plan of common.cuh built as (x.shape, dst.shape): up to 6 merged axes of x
// (outermost first), with x's own row-major strides s0[k] and dst's strides s1[k] (0 on an axis that is summed). The
// kept axes (s1[k] ≠ 0), in order, enumerate dst row-major; the summed axes enumerate the R elements of x that fall on
// one dst element.
//
// Entry point (T = f32 | f64):
//   sum_to_T(x, d, m, r, plan)   d[j] ← Σ over the r summed positions of x at dst element j, for j < m.
// One block per dst element (grid-stride over j); the launcher picks 32 threads when r is small and 256 otherwise.
// Partial sums are kept in T, like the CPU reference.

#include "common.cuh"

template <typename T>
__device__ T block_sum(T v, T* shared)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    __syncthreads();                       // shared is reused across the grid-stride loop
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    T s = T(0);
    if (threadIdx.x == 0)
        for (int w = 0; w < warps; w++) s += shared[w];
    return s;                              // valid in thread 0 only
}

// offset in x of position q of the axes whose dst stride is (summed) or is not (kept) zero, innermost first
__device__ inline int offset_over(const MergedAxes& p, unsigned q, bool summed)
{
    int off = 0;
#pragma unroll
    for (int k = MAX_DIMS - 1; k >= 0; k--)
    {
        if (k >= p.nd || (p.s1[k] == 0) != summed) continue;
        unsigned rest = divide(q, p.dims[k]);
        off += (int)(q - rest * p.dims[k].d) * p.s0[k];
        q = rest;
    }
    return off;
}

template <typename T>
__device__ void sum_to(const T* x, T* d, int m, int r, const MergedAxes& p, T* shared)
{
    for (int j = blockIdx.x; j < m; j += gridDim.x)
    {
        int base = offset_over(p, j, false);
        T acc = T(0);
        for (int t = threadIdx.x; t < r; t += blockDim.x) acc += x[base + offset_over(p, t, true)];
        T s = block_sum(acc, shared);
        if (threadIdx.x == 0) d[j] = s;
    }
}

extern "C" __global__ void sum_to_f32(const float* x, float* d, int m, int r, const GRID_CONSTANT MergedAxes p)
{
    __shared__ float shared[32];
    sum_to(x, d, m, r, p, shared);
}

extern "C" __global__ void sum_to_f64(const double* x, double* d, int m, int r, const GRID_CONSTANT MergedAxes p)
{
    __shared__ double shared[32];
    sum_to(x, d, m, r, p, shared);
}

// Reductions over broadcast axes: SumTo, the adjoint of broadcasting.
//
// x is walked with the merged-axes plan of common.cuh built as (x.shape, dst.shape): up to 6 merged axes of x
// (outermost first), with x's own row-major strides s0[k] and dst's strides s1[k] (0 on an axis that is summed). The
// kept axes (s1[k] ≠ 0), in order, enumerate dst row-major; the summed axes enumerate the r elements of x that fall on
// one dst element. The innermost merged axis is contiguous in x and either summed or kept, which picks the kernel:
//
//   sum_to_rows_T(x, out, m, r, chunk, splits, vector, plan)          innermost axis summed, e.g. (N, C, H, W) → (1, C, 1, 1)
//     Work item w = (dst element j, split s) sums positions [s·chunk, min((s+1)·chunk, r)) of j's r positions: the
//     threads of a block stride over them a vector at a time (positions t, t+1, … lie in one row of x, so they are
//     contiguous), then the block sums its threads' values.
//   sum_to_columns_T(x, out, m, rows, cols, tiles, rowsPerSplit, splits, laneShift, vector, plan)
//                                                                      innermost axis kept, e.g. (N, F) → (F)
//     The dst elements of one outer kept index are a run of cols contiguous columns of x, and each sums rows = r rows.
//     Work item w = (outer kept index, tile of 2^laneShift·V columns, split s of rowsPerSplit rows): the block is
//     2^laneShift lanes (each a vector of columns) × blockDim/2^laneShift row groups (each every groups-th row), and
//     the row groups' sums are added in shared memory.
//   sum_splits_T(partials, d, m, splits)                               d[j] ← Σ_s partials[s·m + j], s in order
//
// Two stages when splits > 1: stage one writes out = partials[s·m + j] (a temporary of splits·m elements), stage two
// adds them; with one split stage one writes d. The grid (work items, splits, block size) is a function of the shapes
// only (Cuda/SumToLayout.cs), never of the GPU, and nothing is added with atomics, so the result is the same, bit for
// bit, on every run and every GPU. vector: 1 when x is 16-byte aligned and the innermost axis a multiple of
// V = 16/sizeof(T) (4 floats, 2 doubles), so every vector of V positions is one aligned load. Partial sums are kept in
// T, like the CPU reference.

#include "common.cuh"

// offset in x of position q of the axes whose dst stride is zero (summed) or not (kept), innermost first
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

// the block's sum of v, in thread 0 (shared: 32 slots)
template <typename T>
__device__ T block_sum(T v, T* shared)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    __syncthreads();                       // the previous work item's thread 0 has read shared
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    T s = T(0);
    if (threadIdx.x == 0)
        for (int w = 0; w < warps; w++) s += shared[w];
    return s;
}

template <typename T, int V>
__device__ void sum_rows(const T* x, T* out, int m, int r, int chunk, int splits, const MergedAxes& p, T* shared)
{
    for (unsigned w = blockIdx.x; w < (unsigned)m * (unsigned)splits; w += gridDim.x)
    {
        unsigned j = w / (unsigned)splits, s = w - j * (unsigned)splits;
        int base = offset_over(p, j, false);
        unsigned end = (s + 1) * (unsigned)chunk < (unsigned)r ? (s + 1) * (unsigned)chunk : (unsigned)r;
        T acc[V];
#pragma unroll
        for (int v = 0; v < V; v++) acc[v] = T(0);
        for (unsigned t = s * (unsigned)chunk + threadIdx.x * V; t < end; t += blockDim.x * V)
        {
            Pack<T, V> in = load<T, V>(x + base + offset_over(p, t, true));
#pragma unroll
            for (int v = 0; v < V; v++) acc[v] += in.v[v];
        }
        T sum = acc[0];
#pragma unroll
        for (int v = 1; v < V; v++) sum += acc[v];
        sum = block_sum(sum, shared);
        if (threadIdx.x == 0) out[s * (unsigned)m + j] = sum;
    }
}

template <typename T, int V>
__device__ void sum_columns(const T* x, T* out, int m, int rows, int cols, int tiles, int rowsPerSplit, int splits, int laneShift,
                            const MergedAxes& p, T* shared)
{
    unsigned lanes = 1u << laneShift, groups = blockDim.x >> laneShift;
    unsigned lane = threadIdx.x & (lanes - 1), group = threadIdx.x >> laneShift;
    unsigned perOuter = (unsigned)tiles * (unsigned)splits, items = (unsigned)(m / cols) * perOuter;
    for (unsigned w = blockIdx.x; w < items; w += gridDim.x)
    {
        unsigned outer = w / perOuter, rest = w - outer * perOuter, tile = rest / (unsigned)splits, s = rest - tile * (unsigned)splits;
        unsigned col = (tile * lanes + lane) * V, j = outer * (unsigned)cols + col;
        bool active = col < (unsigned)cols;
        T acc[V];
#pragma unroll
        for (int v = 0; v < V; v++) acc[v] = T(0);
        if (active)
        {
            int base = offset_over(p, j, false);
            unsigned end = (s + 1) * (unsigned)rowsPerSplit < (unsigned)rows ? (s + 1) * (unsigned)rowsPerSplit : (unsigned)rows;
            for (unsigned q = s * (unsigned)rowsPerSplit + group; q < end; q += groups)
            {
                Pack<T, V> in = load<T, V>(x + base + offset_over(p, q, true));
#pragma unroll
                for (int v = 0; v < V; v++) acc[v] += in.v[v];
            }
        }
        __syncthreads();                   // the previous work item's first row group has read shared
#pragma unroll
        for (int v = 0; v < V; v++) shared[threadIdx.x * V + v] = acc[v];
        __syncthreads();
        if (group == 0 && active)
#pragma unroll
            for (int v = 0; v < V; v++)
            {
                T sum = T(0);
                for (unsigned g = 0; g < groups; g++) sum += shared[(g * lanes + lane) * V + v];
                out[s * (unsigned)m + j + v] = sum;
            }
    }
}

template <typename T>
__device__ void sum_splits(const T* partials, T* d, int m, int splits)
{
    for (unsigned j = blockIdx.x * blockDim.x + threadIdx.x; j < (unsigned)m; j += gridDim.x * blockDim.x)
    {
        T sum = partials[j];
        for (int s = 1; s < splits; s++) sum += partials[(unsigned)s * (unsigned)m + j];
        d[j] = sum;
    }
}

// V = 16 / sizeof(T) when vector is set, else 1
template <typename T>
__device__ void sum_rows_any(const T* x, T* out, int m, int r, int chunk, int splits, int vector, const MergedAxes& p, T* shared)
{
    if (vector) sum_rows<T, 16 / sizeof(T)>(x, out, m, r, chunk, splits, p, shared);
    else sum_rows<T, 1>(x, out, m, r, chunk, splits, p, shared);
}

template <typename T>
__device__ void sum_columns_any(const T* x, T* out, int m, int rows, int cols, int tiles, int rowsPerSplit, int splits, int laneShift,
                                int vector, const MergedAxes& p, T* shared)
{
    if (vector) sum_columns<T, 16 / sizeof(T)>(x, out, m, rows, cols, tiles, rowsPerSplit, splits, laneShift, p, shared);
    else sum_columns<T, 1>(x, out, m, rows, cols, tiles, rowsPerSplit, splits, laneShift, p, shared);
}

extern "C" __global__ void sum_to_rows_f32(const float* x, float* out, int m, int r, int chunk, int splits, int vector,
                                           const GRID_CONSTANT MergedAxes p)
{
    __shared__ float shared[32];
    sum_rows_any(x, out, m, r, chunk, splits, vector, p, shared);
}
extern "C" __global__ void sum_to_rows_f64(const double* x, double* out, int m, int r, int chunk, int splits, int vector,
                                           const GRID_CONSTANT MergedAxes p)
{
    __shared__ double shared[32];
    sum_rows_any(x, out, m, r, chunk, splits, vector, p, shared);
}
extern "C" __global__ void sum_to_columns_f32(const float* x, float* out, int m, int rows, int cols, int tiles, int rowsPerSplit, int splits,
                                              int laneShift, int vector, const GRID_CONSTANT MergedAxes p)
{
    __shared__ float shared[256 * 4];
    sum_columns_any(x, out, m, rows, cols, tiles, rowsPerSplit, splits, laneShift, vector, p, shared);
}
extern "C" __global__ void sum_to_columns_f64(const double* x, double* out, int m, int rows, int cols, int tiles, int rowsPerSplit, int splits,
                                              int laneShift, int vector, const GRID_CONSTANT MergedAxes p)
{
    __shared__ double shared[256 * 2];
    sum_columns_any(x, out, m, rows, cols, tiles, rowsPerSplit, splits, laneShift, vector, p, shared);
}
extern "C" __global__ void sum_splits_f32(const float* partials, float* d, int m, int splits)
{
    sum_splits(partials, d, m, splits);
}
extern "C" __global__ void sum_splits_f64(const double* partials, double* d, int m, int splits)
{
    sum_splits(partials, d, m, splits);
}

// Instance normalisation with statistic taps. x, y: (N, C, H, W) as planes = N·C rows of hw = H·W elements;
// mean, std: (N, C, 1, 1).
//   mean = Σx / hw,  var = Σ(x − mean)² / hw (centred second pass: no cancellation),
//   y = (x − mean) / √(var + eps),  std = √(var + epsTap)   (std is the encoder's style tap)
// Statistics are accumulated in double for both dtypes, as in the CPU reference.
//
// The backward (the gradient of x from the outputs, with s = √(var + eps) = √(std² + eps − epsTap), n = hw):
//   gx = (gy − mean(gy) − y·mean(gy·y)) / s + gMean / n + y · gStd·s / (std·n)
// where any of gy, gMean, gStd may be absent (a null pointer): it reads gy and y and writes gx.
//
// Entry points (T = f32 | f64); every block is a multiple of 32 threads. The launcher takes the register kernels when
// hw ≤ PLANE_VALUES·blockDim.x fits their __launch_bounds__ (1024 threads for f32, 512 for f64: a double takes two
// registers), i.e. planes up to 128² in f32, and the split ones (16384-element chunks) above:
//   instance_norm_planes_T(x, y, mean, std, planes, hw, eps, epsTap)
//       one block per plane holding the plane in registers, PLANE_VALUES per thread: x is read once, and the mean and
//       the centred sum of squares are two passes over the registers (the CPU reference's two passes)
//   instance_norm_apply_T(x, y, mean, std, partials, planes, hw, chunk, chunks, eps, epsTap)
//       a plane too large for that, after instance_norm_sums (shifted): one block per (plane, chunk) adds the plane's
//       chunk sums in chunk order, mean = x₀ + S₁/hw, var = S₂/hw − (S₁/hw)² (no cancellation to speak of: the sums
//       are of x − x₀, in double), and writes y on its chunk; x is read twice in all
//   instance_norm_backward_planes_T(gy, y, std, gMean, gStd, gx, planes, hw, eps, epsTap)
//       one block per plane holding gy and y in registers: both are read once
//   instance_norm_sums_T(a, b, partials, planes, hw, chunk, chunks, shifted)
//       planes split in chunks of `chunk` elements, one block per (plane, chunk): partials[2k], partials[2k + 1] ←
//       Σ (a − a₀) and Σ (a − a₀)(b − b₀) over chunk k = plane·chunks + c, with a₀ = a[plane, 0], b₀ = b[plane, 0]
//       when shifted (the forward's variance) and 0 otherwise (the backward's Σ gy and Σ gy·y); partials are double
//   instance_norm_backward_apply_T(gy, y, std, gMean, gStd, gx, partials, planes, hw, chunk, chunks, eps, epsTap)
//       after instance_norm_sums (not shifted), one block per (plane, chunk): adds the plane's chunk sums in chunk
//       order and writes gx on its chunk; gy and y are read twice in all

#define PLANE_VALUES 16   // elements of a plane per thread in the register kernels; the launcher's PlaneValues

// (double)v, converted anew: the empty asm hides that v was converted before, so the compiler does not keep the first
// pass's 16 doubles alive through the block sum (they would not fit the 64 registers of a 1024-thread block)
#ifdef __CUDA_ARCH__
__device__ inline double fresh(float v) { asm volatile("" : "+f"(v)); return (double)v; }
__device__ inline double fresh(double v) { asm volatile("" : "+d"(v)); return v; }
#else
inline double fresh(double v) { return v; }
#endif

// Σ of v over the block, returned to every thread; every thread of the block calls it (it synchronises)
__device__ double block_sum_all(double v, double* shared)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    __syncthreads();                       // previous readers of shared are done
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    if (threadIdx.x == 0)
    {
        double s = 0;
        for (int w = 0; w < warps; w++) s += shared[w];
        shared[32] = s;
    }
    __syncthreads();
    return shared[32];
}

template <typename T>
__device__ void instance_norm_planes(const T* x, T* y, T* mean, T* std, int planes, int hw, double eps, double epsTap)
{
    __shared__ double shared[33];
    for (int p = blockIdx.x; p < planes; p += gridDim.x)
    {
        long long o = (long long)p * hw + threadIdx.x;
        int n = hw - (int)threadIdx.x, stride = blockDim.x;   // this thread's elements are k·stride < n
        T v[PLANE_VALUES];
        double s = 0;
#pragma unroll
        for (int k = 0; k < PLANE_VALUES; k++)
        {
            v[k] = k * stride < n ? x[o + k * stride] : T(0);
            s += (double)v[k];
        }
        double m = block_sum_all(s, shared) / hw, q = 0;
#pragma unroll
        for (int k = 0; k < PLANE_VALUES; k++)
            if (k * stride < n) { double d = fresh(v[k]) - m; q += d * d; }
        double var = block_sum_all(q, shared) / hw, r = 1.0 / sqrt(var + eps);
#pragma unroll
        for (int k = 0; k < PLANE_VALUES; k++)
            if (k * stride < n) y[o + k * stride] = (T)((fresh(v[k]) - m) * r);
        if (threadIdx.x == 0) { mean[p] = (T)m; std[p] = (T)sqrt(var + epsTap); }
    }
}

// The gradient's per-plane numbers: gx = (gy − gyMean − y·gyyMean)·a + tm + y·q
template <typename T>
struct NormGradient
{
    T gyMean, gyyMean, a, tm, q;

    __device__ NormGradient(double sumGy, double sumGyY, const T* std, const T* gMean, const T* gStd, int p, int hw, double eps, double epsTap)
    {
        double sigma = (double)std[p], s = eps == epsTap ? sigma : sqrt(sigma * sigma + (eps - epsTap));
        gyMean = (T)(sumGy / hw);
        gyyMean = (T)(sumGyY / hw);
        a = (T)(1.0 / s);
        tm = gMean ? (T)((double)gMean[p] / hw) : T(0);
        q = gStd ? (T)((double)gStd[p] * s / (sigma * hw)) : T(0);
    }

    __device__ T operator()(T g, T y) const { return (g - gyMean - y * gyyMean) * a + (tm + y * q); }
};

template <typename T>
__device__ void instance_norm_backward_planes(const T* gy, const T* y, const T* std, const T* gMean, const T* gStd, T* gx,
                                              int planes, int hw, double eps, double epsTap)
{
    __shared__ double shared[33];
    for (int p = blockIdx.x; p < planes; p += gridDim.x)
    {
        long long o = (long long)p * hw + threadIdx.x;
        const T* gp = gy ? gy + o : nullptr;
        const T* yp = y + o;
        int n = hw - (int)threadIdx.x;          // this thread's elements are k·blockDim.x < n
        T g[PLANE_VALUES], u[PLANE_VALUES];
        double sg = 0, sgy = 0;
#pragma unroll
        for (int k = 0; k < PLANE_VALUES; k++)
        {
            int i = k * blockDim.x;
            u[k] = i < n ? yp[i] : T(0);
            g[k] = gp && i < n ? gp[i] : T(0);
            sg += (double)g[k];
            sgy += (double)g[k] * (double)u[k];
        }
        NormGradient<T> d(block_sum_all(sg, shared), block_sum_all(sgy, shared), std, gMean, gStd, p, hw, eps, epsTap);
        T* xp = gx + o;
#pragma unroll
        for (int k = 0; k < PLANE_VALUES; k++)
            if (k * (int)blockDim.x < n) xp[k * blockDim.x] = d(g[k], u[k]);
    }
}

template <typename T>
__device__ void instance_norm_sums(const T* a, const T* b, double* partials, int planes, int hw, int chunk, int chunks, int shifted)
{
    __shared__ double shared[33];
    for (int k = blockIdx.x; k < planes * chunks; k += gridDim.x)
    {
        int p = k / chunks, lo = (k - p * chunks) * chunk, hi = min(hw, lo + chunk);
        long long o = (long long)p * hw;
        double a0 = shifted ? (double)a[o] : 0.0, b0 = shifted ? (double)b[o] : 0.0, s1 = 0, s2 = 0;
        for (int i = lo + threadIdx.x; i < hi; i += blockDim.x)
        {
            double da = (double)a[o + i] - a0, db = a == b ? da : (double)b[o + i] - b0;
            s1 += da;
            s2 += da * db;
        }
        s1 = block_sum_all(s1, shared);
        s2 = block_sum_all(s2, shared);
        if (threadIdx.x == 0) { partials[2 * k] = s1; partials[2 * k + 1] = s2; }
    }
}

// the sums of plane p's chunks, added in chunk order (every block of the plane gets the same numbers)
__device__ inline void plane_sums(const double* partials, int p, int chunks, double& s1, double& s2)
{
    s1 = 0; s2 = 0;
    for (int c = 0; c < chunks; c++) { s1 += partials[2 * (p * chunks + c)]; s2 += partials[2 * (p * chunks + c) + 1]; }
}

template <typename T>
__device__ void instance_norm_apply(const T* x, T* y, T* mean, T* std, const double* partials, int planes, int hw, int chunk, int chunks,
                                    double eps, double epsTap)
{
    for (int k = blockIdx.x; k < planes * chunks; k += gridDim.x)
    {
        int p = k / chunks, lo = (k - p * chunks) * chunk, hi = min(hw, lo + chunk);
        long long o = (long long)p * hw;
        double s1, s2;
        plane_sums(partials, p, chunks, s1, s2);
        double d = s1 / hw, m = (double)x[o] + d, var = fmax(s2 / hw - d * d, 0.0), r = 1.0 / sqrt(var + eps);
        for (int i = lo + threadIdx.x; i < hi; i += blockDim.x) y[o + i] = (T)(((double)x[o + i] - m) * r);
        if (lo == 0 && threadIdx.x == 0) { mean[p] = (T)m; std[p] = (T)sqrt(var + epsTap); }
    }
}

template <typename T>
__device__ void instance_norm_backward_apply(const T* gy, const T* y, const T* std, const T* gMean, const T* gStd, T* gx,
                                             const double* partials, int planes, int hw, int chunk, int chunks, double eps, double epsTap)
{
    for (int k = blockIdx.x; k < planes * chunks; k += gridDim.x)
    {
        int p = k / chunks, lo = (k - p * chunks) * chunk, hi = min(hw, lo + chunk);
        long long o = (long long)p * hw;
        double s1, s2;
        plane_sums(partials, p, chunks, s1, s2);
        NormGradient<T> d(s1, s2, std, gMean, gStd, p, hw, eps, epsTap);
        for (int i = lo + threadIdx.x; i < hi; i += blockDim.x) gx[o + i] = d(gy ? gy[o + i] : T(0), y[o + i]);
    }
}

extern "C" __global__ void __launch_bounds__(1024) instance_norm_planes_f32(const float* x, float* y, float* mean, float* std, int planes, int hw,
                                                                           double eps, double epsTap)
{ instance_norm_planes(x, y, mean, std, planes, hw, eps, epsTap); }
extern "C" __global__ void __launch_bounds__(512) instance_norm_planes_f64(const double* x, double* y, double* mean, double* std, int planes, int hw,
                                                                          double eps, double epsTap)
{ instance_norm_planes(x, y, mean, std, planes, hw, eps, epsTap); }
extern "C" __global__ void instance_norm_apply_f32(const float* x, float* y, float* mean, float* std, const double* partials, int planes, int hw,
                                                  int chunk, int chunks, double eps, double epsTap)
{ instance_norm_apply(x, y, mean, std, partials, planes, hw, chunk, chunks, eps, epsTap); }
extern "C" __global__ void instance_norm_apply_f64(const double* x, double* y, double* mean, double* std, const double* partials, int planes, int hw,
                                                  int chunk, int chunks, double eps, double epsTap)
{ instance_norm_apply(x, y, mean, std, partials, planes, hw, chunk, chunks, eps, epsTap); }
extern "C" __global__ void __launch_bounds__(1024) instance_norm_backward_planes_f32(const float* gy, const float* y, const float* std, const float* gMean, const float* gStd, float* gx,
                                                       int planes, int hw, double eps, double epsTap)
{ instance_norm_backward_planes(gy, y, std, gMean, gStd, gx, planes, hw, eps, epsTap); }
extern "C" __global__ void __launch_bounds__(512) instance_norm_backward_planes_f64(const double* gy, const double* y, const double* std, const double* gMean, const double* gStd, double* gx,
                                                       int planes, int hw, double eps, double epsTap)
{ instance_norm_backward_planes(gy, y, std, gMean, gStd, gx, planes, hw, eps, epsTap); }
extern "C" __global__ void instance_norm_sums_f32(const float* a, const float* b, double* partials, int planes, int hw, int chunk, int chunks, int shifted)
{ instance_norm_sums(a, b, partials, planes, hw, chunk, chunks, shifted); }
extern "C" __global__ void instance_norm_sums_f64(const double* a, const double* b, double* partials, int planes, int hw, int chunk, int chunks, int shifted)
{ instance_norm_sums(a, b, partials, planes, hw, chunk, chunks, shifted); }
extern "C" __global__ void instance_norm_backward_apply_f32(const float* gy, const float* y, const float* std, const float* gMean, const float* gStd, float* gx,
                                                      const double* partials, int planes, int hw, int chunk, int chunks, double eps, double epsTap)
{ instance_norm_backward_apply(gy, y, std, gMean, gStd, gx, partials, planes, hw, chunk, chunks, eps, epsTap); }
extern "C" __global__ void instance_norm_backward_apply_f64(const double* gy, const double* y, const double* std, const double* gMean, const double* gStd, double* gx,
                                                      const double* partials, int planes, int hw, int chunk, int chunks, double eps, double epsTap)
{ instance_norm_backward_apply(gy, y, std, gMean, gStd, gx, partials, planes, hw, chunk, chunks, eps, epsTap); }

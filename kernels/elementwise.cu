// Elementwise kernels: broadcasting binary ops, unary ops, the leaky ReLU gradient, fill and dtype conversion.
// All tensors are contiguous, row-major; n is the element count of the output. These kernels have no gradient of their
// own: the autograd composes them (e.g. d(a·b)/da = g·b is another binary_*).
//
// Broadcasting uses the merged-axes plan of common.cuh: the output is walked as up to 6 merged axes and each input has
// one stride per merged axis (0 where it is broadcast), so element i of the output reads a at Σ_k idx_k(i)·s0[k] and b
// at Σ_k idx_k(i)·s1[k].
//
// Grid-stride loops index in 32 bits unsigned: n < 2³¹, and one grid stride more (≤ 65535·8·256) still fits.
//
// vector: the streaming kernels take V = 16/sizeof(T) elements per thread step where the launcher allows it (every
// operand 16-byte aligned; for the plan kernels, one merged axis or an innermost one a multiple of V long), then the
// n % V tail one by one (for_each_vector, common.cuh); each element is computed as in the scalar loop.
//
// Entry points (T = f32 | f64):
//   binary_T(op, a, b, d, n, vector, plan)  d ← a ∘ b, op: 0 add, 1 sub, 2 mul, 3 div (IKernels.BinaryOp)
//   broadcast_to_T(x, d, n, vector, plan)   d ← x broadcast (plan.s0 holds x's strides)
//   unary_T(op, x, d, n, alpha, vector)     op numbered as IKernels.UnaryOp
//   leaky_relu_grad_T(g, x, d, n, slope, gain, vector)  d ← g · (x > 0 ? gain : gain·slope)
//   fill_T(d, n, value, vector)
//   convert_f32_f64(s, d, n), convert_f64_f32(s, d, n)

#include "common.cuh"

__device__ inline float  sqrt_(float x)  { return sqrtf(x); }
__device__ inline double sqrt_(double x) { return sqrt(x); }
__device__ inline float  exp_(float x)   { return expf(x); }
__device__ inline double exp_(double x)  { return exp(x); }
__device__ inline float  log_(float x)   { return logf(x); }
__device__ inline double log_(double x)  { return log(x); }
__device__ inline float  log1p_(float x) { return log1pf(x); }
__device__ inline double log1p_(double x){ return log1p(x); }
__device__ inline float  abs_(float x)   { return fabsf(x); }
__device__ inline double abs_(double x)  { return fabs(x); }

// the stride of operand 0 or 1 along the innermost merged axis (unrolled, so the plan is read at constant offsets)
__device__ inline int inner_stride(const MergedAxes& p, int operand)
{
    int s = 0;
#pragma unroll
    for (int k = 0; k < MAX_DIMS; k++)
        if (k == p.nd - 1) s = operand == 0 ? p.s0[k] : p.s1[k];
    return s;
}

// W elements of an operand from offset o along the innermost merged axis: a vector where its stride there is 1, the
// element repeated where it is 0 (broadcast); W > 1 only where the launcher checked that stride is 0 or 1
template <typename T, int W>
__device__ inline Pack<T, W> load_along(const T* x, int o, int stride)
{
    if constexpr (W > 1)
        if (stride == 0)
        {
            Pack<T, W> r;
#pragma unroll
            for (int v = 0; v < W; v++) r.v[v] = x[o];
            return r;
        }
    return load<T, W>(x + o);
}

template <typename T>
__device__ void binary(int op, const T* a, const T* b, T* d, int n, int vector, const MergedAxes& p)
{
    int sa = inner_stride(p, 0), sb = inner_stride(p, 1);
    for_each_vector<T>(vector, n, [&](auto w, unsigned i)
    {
        constexpr int W = decltype(w)::value;
        int oa, ob;
        locate(p, i, oa, ob);
        Pack<T, W> x = load_along<T, W>(a, oa, sa), y = load_along<T, W>(b, ob, sb), r;
#pragma unroll
        for (int v = 0; v < W; v++) r.v[v] = op == 0 ? x.v[v] + y.v[v] : op == 1 ? x.v[v] - y.v[v] : op == 2 ? x.v[v] * y.v[v] : x.v[v] / y.v[v];
        store<T, W>(d + i, r);
    });
}

template <typename T>
__device__ void broadcast_to(const T* x, T* d, int n, int vector, const MergedAxes& p)
{
    int sx = inner_stride(p, 0);
    for_each_vector<T>(vector, n, [&](auto w, unsigned i)
    {
        constexpr int W = decltype(w)::value;
        int ox, unused;
        locate(p, i, ox, unused);
        store<T, W>(d + i, load_along<T, W>(x, ox, sx));
    });
}

template <typename T>
__device__ T unary_one(int op, T x, T alpha)
{
    const T zero = T(0), one = T(1);
    switch (op)
    {
        case 0: return -x;
        case 1: return x * x;
        case 2: return sqrt_(x);
        case 3: return one / sqrt_(x);          // not rsqrt: the reference rounds the square root first
        case 4: return exp_(x);
        case 5: return log_(x);
        case 6: return one / x;
        case 7: return (x > zero ? x : zero) + log1p_(exp_(-abs_(x)));   // softplus without overflow
        case 8: { T e = exp_(-abs_(x)); return x >= zero ? one / (one + e) : e / (one + e); }
        case 9: return x > zero ? x : alpha * x;
        case 10: return alpha * x;
        case 11: return x + alpha;
        case 12: return abs_(x);
        default: return x > zero ? one : x < zero ? -one : zero;   // 13: sign, 0 for ±0 and NaN
    }
}

template <typename T>
__device__ void unary(int op, const T* x, T* d, int n, T alpha, int vector)
{
    for_each_vector<T>(vector, n, [&](auto w, unsigned i)
    {
        constexpr int W = decltype(w)::value;
        Pack<T, W> in = load<T, W>(x + i), out;
#pragma unroll
        for (int v = 0; v < W; v++) out.v[v] = unary_one(op, in.v[v], alpha);
        store<T, W>(d + i, out);
    });
}

template <typename T>
__device__ void leaky_relu_grad(const T* g, const T* x, T* d, int n, T slope, T gain, int vector)
{
    T negative = gain * slope;
    for_each_vector<T>(vector, n, [&](auto w, unsigned i)
    {
        constexpr int W = decltype(w)::value;
        Pack<T, W> gv = load<T, W>(g + i), xv = load<T, W>(x + i), out;
#pragma unroll
        for (int v = 0; v < W; v++) out.v[v] = xv.v[v] > T(0) ? gain * gv.v[v] : negative * gv.v[v];
        store<T, W>(d + i, out);
    });
}

template <typename T>
__device__ void fill(T* d, int n, T value, int vector)
{
    for_each_vector<T>(vector, n, [&](auto w, unsigned i)
    {
        constexpr int W = decltype(w)::value;
        Pack<T, W> out;
#pragma unroll
        for (int v = 0; v < W; v++) out.v[v] = value;
        store<T, W>(d + i, out);
    });
}

template <typename S, typename D>
__device__ void convert(const S* s, D* d, int n)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) d[i] = (D)s[i];
}

extern "C" __global__ void binary_f32(int op, const float* a, const float* b, float* d, int n, int vector,
                                      const GRID_CONSTANT MergedAxes p)
{ binary(op, a, b, d, n, vector, p); }
extern "C" __global__ void binary_f64(int op, const double* a, const double* b, double* d, int n, int vector,
                                      const GRID_CONSTANT MergedAxes p)
{ binary(op, a, b, d, n, vector, p); }
extern "C" __global__ void broadcast_to_f32(const float* x, float* d, int n, int vector, const GRID_CONSTANT MergedAxes p)
{ broadcast_to(x, d, n, vector, p); }
extern "C" __global__ void broadcast_to_f64(const double* x, double* d, int n, int vector, const GRID_CONSTANT MergedAxes p)
{ broadcast_to(x, d, n, vector, p); }
extern "C" __global__ void unary_f32(int op, const float* x, float* d, int n, float alpha, int vector)
{ unary(op, x, d, n, alpha, vector); }
extern "C" __global__ void unary_f64(int op, const double* x, double* d, int n, double alpha, int vector)
{ unary(op, x, d, n, alpha, vector); }
extern "C" __global__ void leaky_relu_grad_f32(const float* g, const float* x, float* d, int n, float slope, float gain, int vector)
{ leaky_relu_grad(g, x, d, n, slope, gain, vector); }
extern "C" __global__ void leaky_relu_grad_f64(const double* g, const double* x, double* d, int n, double slope, double gain, int vector)
{ leaky_relu_grad(g, x, d, n, slope, gain, vector); }
extern "C" __global__ void fill_f32(float* d, int n, float value, int vector)
{ fill(d, n, value, vector); }
extern "C" __global__ void fill_f64(double* d, int n, double value, int vector)
{ fill(d, n, value, vector); }
extern "C" __global__ void convert_f32_f64(const float* s, double* d, int n)
{ convert(s, d, n); }
extern "C" __global__ void convert_f64_f32(const double* s, float* d, int n)
{ convert(s, d, n); }

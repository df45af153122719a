// Elementwise kernels: broadcasting binary ops, unary ops, the leaky ReLU gradient, fill and dtype conversion.
// All tensors are contiguous, row-major; n is the element count of the output. These kernels have no gradient of their
// own: the autograd composes them (e.g. d(a·b)/da = g·b is another binary_*).
//
// Broadcasting uses the merged-axes plan of Cpu/BroadcastPlan.cs: the output is walked as up to 6 merged axes
// dims[0..nd) (outermost first) and each input has one stride per merged axis (0 where it is broadcast), so
// element i of the output reads a at Σ_k idx_k(i)·sa[k] and b at Σ_k idx_k(i)·sb[k].
//
// Grid-stride loops index in 64 bits, so the last step cannot overflow for tensors near 2³¹ elements.
//
// Entry points (T = f32 | f64):
//   binary_T(op, a, b, d, n, plan)        d ← a ∘ b, op: 0 add, 1 sub, 2 mul, 3 div (IKernels.BinaryOp)
//   broadcast_to_T(x, d, n, plan)         d ← x broadcast (plan.sa holds x's strides)
//   unary_T(op, x, d, n, alpha)           op numbered as IKernels.UnaryOp
//   leaky_relu_grad_T(g, x, d, n, slope, gain)  d ← g · (x > 0 ? gain : gain·slope)
//   fill_T(d, n, value)
//   convert_f32_f64(s, d, n), convert_f64_f32(s, d, n)

#define MAX_DIMS 6

struct BroadcastPlan
{
    int nd;
    int dims[MAX_DIMS];
    int sa[MAX_DIMS];
    int sb[MAX_DIMS];
};

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

// offsets of output element i in a and b
__device__ inline void locate(const BroadcastPlan& p, int i, int& oa, int& ob)
{
    oa = 0; ob = 0;
    for (int k = p.nd - 1; k >= 0; k--)
    {
        int d = p.dims[k], idx = i % d;
        i /= d;
        oa += idx * p.sa[k];
        ob += idx * p.sb[k];
    }
}

template <typename T>
__device__ void binary(int op, const T* a, const T* b, T* d, int n, const BroadcastPlan& p)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        int oa, ob;
        locate(p, (int)i, oa, ob);
        T x = a[oa], y = b[ob];
        d[i] = op == 0 ? x + y : op == 1 ? x - y : op == 2 ? x * y : x / y;
    }
}

template <typename T>
__device__ void broadcast_to(const T* x, T* d, int n, const BroadcastPlan& p)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        int ox, unused;
        locate(p, (int)i, ox, unused);
        d[i] = x[ox];
    }
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
__device__ void unary(int op, const T* x, T* d, int n, T alpha)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        d[i] = unary_one(op, x[i], alpha);
}

template <typename T>
__device__ void leaky_relu_grad(const T* g, const T* x, T* d, int n, T slope, T gain)
{
    T negative = gain * slope;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        d[i] = x[i] > T(0) ? gain * g[i] : negative * g[i];
}

template <typename T>
__device__ void fill(T* d, int n, T value)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) d[i] = value;
}

template <typename S, typename D>
__device__ void convert(const S* s, D* d, int n)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) d[i] = (D)s[i];
}

extern "C" __global__ void binary_f32(int op, const float* a, const float* b, float* d, int n, BroadcastPlan p) { binary(op, a, b, d, n, p); }
extern "C" __global__ void binary_f64(int op, const double* a, const double* b, double* d, int n, BroadcastPlan p) { binary(op, a, b, d, n, p); }
extern "C" __global__ void broadcast_to_f32(const float* x, float* d, int n, BroadcastPlan p) { broadcast_to(x, d, n, p); }
extern "C" __global__ void broadcast_to_f64(const double* x, double* d, int n, BroadcastPlan p) { broadcast_to(x, d, n, p); }
extern "C" __global__ void unary_f32(int op, const float* x, float* d, int n, float alpha) { unary(op, x, d, n, alpha); }
extern "C" __global__ void unary_f64(int op, const double* x, double* d, int n, double alpha) { unary(op, x, d, n, alpha); }
extern "C" __global__ void leaky_relu_grad_f32(const float* g, const float* x, float* d, int n, float slope, float gain) { leaky_relu_grad(g, x, d, n, slope, gain); }
extern "C" __global__ void leaky_relu_grad_f64(const double* g, const double* x, double* d, int n, double slope, double gain) { leaky_relu_grad(g, x, d, n, slope, gain); }
extern "C" __global__ void fill_f32(float* d, int n, float value) { fill(d, n, value); }
extern "C" __global__ void fill_f64(double* d, int n, double value) { fill(d, n, value); }
extern "C" __global__ void convert_f32_f64(const float* s, double* d, int n) { convert(s, d, n); }
extern "C" __global__ void convert_f64_f32(const double* s, float* d, int n) { convert(s, d, n); }

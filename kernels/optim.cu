// Optimiser updates, in place on parameters and state of n elements.
//   adam_step_T(p, g, v, n, stepSize, beta2, eps): the reference's Adam with β1 = 0 (CpuKernels.AdamStep):
//       v ← β2·v + (1 − β2)·g²;  p ← p − stepSize·g / (√v + eps)
//     stepSize = lr·√(1 − β2ᵗ)·coef is computed once on the host in double, as in the CPU reference.
//   lerp_T(a, b, n, t): a ← a + t·(b − a) (EMA of weights).
// Operations are written in the CPU's order so that, compiled without FMA contraction, both round alike.

template <typename T>
__device__ void adam_step(T* p, const T* g, T* v, int n, T stepSize, T beta2, T eps)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        T gi = g[i];
        T vi = beta2 * v[i] + (T(1) - beta2) * gi * gi;
        v[i] = vi;
        p[i] -= stepSize * gi / (sqrt(vi) + eps);
    }
}

template <typename T>
__device__ void lerp(T* a, const T* b, int n, T t)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) a[i] += t * (b[i] - a[i]);
}

extern "C" __global__ void adam_step_f32(float* p, const float* g, float* v, int n, float stepSize, float beta2, float eps)
{ adam_step(p, g, v, n, stepSize, beta2, eps); }
extern "C" __global__ void adam_step_f64(double* p, const double* g, double* v, int n, double stepSize, double beta2, double eps)
{ adam_step(p, g, v, n, stepSize, beta2, eps); }
extern "C" __global__ void lerp_f32(float* a, const float* b, int n, float t) { lerp(a, b, n, t); }
extern "C" __global__ void lerp_f64(double* a, const double* b, int n, double t) { lerp(a, b, n, t); }

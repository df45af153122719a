// Optimiser updates, in place on parameters and state.
//   adam_step_T(table, n, beta2, eps): the reference's Adam with β1 = 0 (CpuKernels.AdamStep) on up to 96 parameters
//     at once; the table (struct AdamTable, Cuda/AdamTable.cs) is a kernel parameter: element i of the launch belongs
//     to slot k with offsets[k] ≤ i < offsets[k + 1], at index i − offsets[k] of that slot's p, g, v:
//       v ← β2·v + (1 − β2)·g²;  p ← p − stepSize[k]·g / (√v + eps)
//     stepSize = lr·√(1 − β2ᵗ)·coef is computed on the host in double and rounded to T here, as in the CPU reference.
//   lerp_T(table, n, t): a ← a + t·(b − a) on up to 128 tensor pairs at once (EMA of weights), the slots found as in
//     adam_step (struct LerpTable, Cuda/LerpTable.cs).
// Operations are written in the CPU's order so that, compiled without FMA contraction, both round alike.

// the last slot of a table starting at or before element i
__device__ int slot_of(const int* offsets, int count, long long i)
{
    int lo = 0, hi = count - 1;
    while (lo < hi)
    {
        int mid = (lo + hi + 1) / 2;
        if (offsets[mid] <= i) lo = mid; else hi = mid - 1;
    }
    return lo;
}

#define ADAM_TABLE 96

struct AdamTable
{
    unsigned long long p[ADAM_TABLE], g[ADAM_TABLE], v[ADAM_TABLE];
    double stepSize[ADAM_TABLE];
    int offsets[ADAM_TABLE + 1];
    int count;
};

template <typename T>
__device__ void adam_step(const AdamTable& t, int n, T beta2, T eps)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        int k = slot_of(t.offsets, t.count, i);
        long long j = i - t.offsets[k];
        T* p = (T*)t.p[k];
        const T* g = (const T*)t.g[k];
        T* v = (T*)t.v[k];
        T stepSize = (T)t.stepSize[k];
        T gi = g[j];
        T vi = beta2 * v[j] + (T(1) - beta2) * gi * gi;
        v[j] = vi;
        p[j] -= stepSize * gi / (sqrt(vi) + eps);
    }
}

#define LERP_TABLE 128

struct LerpTable
{
    unsigned long long a[LERP_TABLE], b[LERP_TABLE];
    int offsets[LERP_TABLE + 1];
    int count;
};

template <typename T>
__device__ void lerp(const LerpTable& t, int n, T w)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        int k = slot_of(t.offsets, t.count, i);
        long long j = i - t.offsets[k];
        T* a = (T*)t.a[k];
        const T* b = (const T*)t.b[k];
        a[j] += w * (b[j] - a[j]);
    }
}

extern "C" __global__ void adam_step_f32(AdamTable t, int n, float beta2, float eps)
{ adam_step(t, n, beta2, eps); }
extern "C" __global__ void adam_step_f64(AdamTable t, int n, double beta2, double eps)
{ adam_step(t, n, beta2, eps); }
extern "C" __global__ void lerp_f32(LerpTable t, int n, float w)
{ lerp(t, n, w); }
extern "C" __global__ void lerp_f64(LerpTable t, int n, double w)
{ lerp(t, n, w); }

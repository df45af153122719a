// Instance normalisation with statistic taps. x, y: (N, C, H, W) as planes = N·C rows of hw = H·W elements;
// mean, std: (N, C, 1, 1).
//   mean = Σx / hw,  var = Σ(x − mean)² / hw (centred second pass: no cancellation),
//   y = (x − mean) / √(var + eps),  std = √(var + epsTap)   (std is the encoder's style tap)
// Statistics are accumulated in double for both dtypes, as in the CPU reference. The gradient is composed by the
// autograd from other kernels, so there is no backward entry point here.
//
// Entry point (T = f32 | f64):
//   instance_norm_T(x, y, mean, std, planes, hw, eps, epsTap)
// One block per plane (grid-stride over planes); the plane is read three times (sum, centred sum of squares, output),
// the second and third time mostly from L2. blockDim.x must be a multiple of 32 (the launcher uses 256).

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
__device__ void instance_norm(const T* x, T* y, T* mean, T* std, int planes, int hw, double eps, double epsTap)
{
    __shared__ double shared[33];
    for (int p = blockIdx.x; p < planes; p += gridDim.x)
    {
        const T* xp = x + (long long)p * hw;
        T* yp = y + (long long)p * hw;
        double s = 0;
        for (int i = threadIdx.x; i < hw; i += blockDim.x) s += (double)xp[i];
        double m = block_sum_all(s, shared) / hw;
        double q = 0;
        for (int i = threadIdx.x; i < hw; i += blockDim.x) { double d = (double)xp[i] - m; q += d * d; }
        double v = block_sum_all(q, shared) / hw;
        double r = 1.0 / sqrt(v + eps);
        for (int i = threadIdx.x; i < hw; i += blockDim.x) yp[i] = (T)(((double)xp[i] - m) * r);
        if (threadIdx.x == 0) { mean[p] = (T)m; std[p] = (T)sqrt(v + epsTap); }
    }
}

extern "C" __global__ void instance_norm_f32(const float* x, float* y, float* mean, float* std, int planes, int hw, double eps, double epsTap)
{ instance_norm(x, y, mean, std, planes, hw, eps, epsTap); }
extern "C" __global__ void instance_norm_f64(const double* x, double* y, double* mean, double* std, int planes, int hw, double eps, double epsTap)
{ instance_norm(x, y, mean, std, planes, hw, eps, epsTap); }

// Per-channel epilogues of a layer, one pass over the activations each (instead of a broadcast add, then an
// activation, each reading and writing the whole tensor). x and y are contiguous (N, C, inner) with inner = H·W
// (1 for a linear layer); n = N·C·inner; the channel of element i is (i / inner) % C, its sample i / (C·inner).
// Indices are 32-bit unsigned: n < 2³¹ and one grid stride more still fits.
// Operations are written in the CPU's order (Cpu/CpuKernels.Epilogue.cs); with --fmad=false both round alike.
//
// Entry points (T = f32 | f64):
//   bias_leaky_relu_T(x, bias, y, n, channels, inner, slope, gain)  y ← gain · leaky_relu(x + bias[c], slope)
//   add_noise_T(x, weight, noise, y, n, channels, inner)         y ← x + weight[c]·noise[sample, pixel]
//   style_modulate_T(x, style, y, n, channels, inner)            y ← x·(1 + style[s, c]) + style[s, C + c]
//
// Their backward kernels, each one pass over the gradient; the plane kernels run one block per (n, c) plane
// (grid-stride over planes, blockDim.x a multiple of 32) and sum in T like the CPU reference:
//   bias_leaky_relu_backward_T(g, y, gx, sums, planes, inner, slope, gain)
//       gx ← g·(y > 0 ? gain : gain·slope), sums[plane] ← Σ gx over the plane (the launcher adds the (N, C) sums over N)
//   add_noise_backward_T(g, weight, noise, gNoise, partials, channels, inner, tiles, blocks)
//       blockDim.x = 256, one thread per pixel: block b takes sample b / tiles and pixels (b % tiles)·256 + threadIdx.x
//       and walks all channels once: gNoise[sample, pixel] ← Σ_c g·weight[c], partials[b, c] ← Σ over its pixels of
//       g·noise (the launcher adds the partials over the blocks: the weight gradient)
//   style_modulate_backward_T(g, x, style, gx, gStyle, planes, channels, inner)
//       gx ← g·(1 + style[s, c]), gStyle[s, c] ← Σ g·x and gStyle[s, C + c] ← Σ g over the plane

template <typename T>
__device__ void bias_leaky_relu(const T* x, const T* bias, T* y, int n, int channels, int inner, T slope, T gain)
{
    T negative = gain * slope;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += gridDim.x * blockDim.x)
    {
        T t = x[i] + bias[i / (unsigned)inner % (unsigned)channels];
        y[i] = t > T(0) ? gain * t : negative * t;
    }
}

template <typename T>
__device__ void add_noise(const T* x, const T* weight, const T* noise, T* y, int n, int channels, int inner)
{
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += gridDim.x * blockDim.x)
    {
        unsigned row = i / (unsigned)inner, pixel = i - row * (unsigned)inner;
        unsigned sample = row / (unsigned)channels, c = row - sample * (unsigned)channels;
        y[i] = x[i] + weight[c] * noise[sample * (unsigned)inner + pixel];
    }
}

template <typename T>
__device__ void style_modulate(const T* x, const T* style, T* y, int n, int channels, int inner)
{
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += gridDim.x * blockDim.x)
    {
        unsigned row = i / (unsigned)inner;
        unsigned sample = row / (unsigned)channels, c = row - sample * (unsigned)channels;
        const T* s = style + sample * 2u * (unsigned)channels + c;
        T scale = s[0] + T(1);
        y[i] = x[i] * scale + s[channels];
    }
}

// Σ of v over the block, returned in thread 0; every thread of the block calls it (it synchronises)
template <typename T>
__device__ T epilogue_block_sum(T v, T* shared)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();                       // the previous plane's reader of shared is done
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    if (threadIdx.x == 0)
        for (int w = 1; w < (int)(blockDim.x >> 5); w++) v += shared[w];
    return v;
}

template <typename T>
__device__ void bias_leaky_relu_backward(const T* g, const T* y, T* gx, T* sums, int planes, int inner, T slope, T gain)
{
    __shared__ T shared[32];
    T negative = gain * slope;
    for (int p = blockIdx.x; p < planes; p += gridDim.x)
    {
        long long o = (long long)p * inner;
        T s = T(0);
        for (int i = threadIdx.x; i < inner; i += blockDim.x)
        {
            T v = y[o + i] > T(0) ? gain * g[o + i] : negative * g[o + i];
            gx[o + i] = v;
            s += v;
        }
        s = epilogue_block_sum(s, shared);
        if (threadIdx.x == 0) sums[p] = s;
    }
}

// One step of a warp butterfly that sums 32 values per lane over the warp so that lane j ends with the sum of value j:
// lanes W apart exchange halves, each keeping the half its side of the pair owns (t[0..W) afterwards). Compile-time W
// keeps t in registers.
template <int W, typename T>
__device__ void butterfly_step(T* t, int lane)
{
    bool upper = (lane & W) != 0;
#pragma unroll
    for (int k = 0; k < W; k++)
    {
        T send = upper ? t[k] : t[k + W], keep = upper ? t[k + W] : t[k];
        t[k] = keep + __shfl_xor_sync(0xffffffffu, send, W);
    }
}

// Channels are taken 32 at a time: each thread forms its 32 products g·noise, then a butterfly over the warp (31
// shuffles) leaves lane j with the warp's sum for channel j of the 32, and shared memory adds the 8 warps.
template <typename T>
__device__ void add_noise_backward(const T* g, const T* weight, const T* noise, T* gNoise, T* partials, int channels, int inner,
                                   int tiles, int blocks)
{
    __shared__ T warpSums[8][32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int b = blockIdx.x; b < blocks; b += gridDim.x)
    {
        int sample = b / tiles, p = (b - sample * tiles) * blockDim.x + threadIdx.x;
        bool active = p < inner;
        long long pixel = (long long)sample * inner + p;
        const T* gp = g + (long long)sample * channels * inner + p;
        T nz = active ? noise[pixel] : T(0), acc = T(0);
        for (int c0 = 0; c0 < channels; c0 += 32)
        {
            T t[32];
#pragma unroll
            for (int k = 0; k < 32; k++)
            {
                T v = T(0);
                if (c0 + k < channels)
                {
                    v = active ? gp[(long long)(c0 + k) * inner] : T(0);
                    acc += v * weight[c0 + k];
                }
                t[k] = v * nz;
            }
            butterfly_step<16>(t, lane); butterfly_step<8>(t, lane); butterfly_step<4>(t, lane);
            butterfly_step<2>(t, lane); butterfly_step<1>(t, lane);
            __syncthreads();                   // the previous chunk's readers of warpSums are done
            warpSums[warp][lane] = t[0];
            __syncthreads();
            if (threadIdx.x < 32 && c0 + lane < channels)
            {
                T s = T(0);
                for (int w = 0; w < 8; w++) s += warpSums[w][lane];
                partials[(long long)b * channels + c0 + lane] = s;
            }
        }
        if (active) gNoise[pixel] = acc;
    }
}

template <typename T>
__device__ void style_modulate_backward(const T* g, const T* x, const T* style, T* gx, T* gStyle, int planes, int channels, int inner)
{
    __shared__ T shared[32];
    for (int p = blockIdx.x; p < planes; p += gridDim.x)
    {
        int sample = p / channels, c = p - sample * channels;
        long long o = (long long)p * inner, s = (long long)sample * 2 * channels + c;
        T scale = style[s] + T(1), gScale = T(0), gShift = T(0);
        for (int i = threadIdx.x; i < inner; i += blockDim.x)
        {
            T v = g[o + i];
            gx[o + i] = v * scale;
            gScale += v * x[o + i];
            gShift += v;
        }
        gScale = epilogue_block_sum(gScale, shared);
        gShift = epilogue_block_sum(gShift, shared);
        if (threadIdx.x == 0) { gStyle[s] = gScale; gStyle[s + channels] = gShift; }
    }
}

extern "C" __global__ void bias_leaky_relu_f32(const float* x, const float* bias, float* y, int n, int channels, int inner, float slope, float gain)
{ bias_leaky_relu(x, bias, y, n, channels, inner, slope, gain); }
extern "C" __global__ void bias_leaky_relu_f64(const double* x, const double* bias, double* y, int n, int channels, int inner, double slope, double gain)
{ bias_leaky_relu(x, bias, y, n, channels, inner, slope, gain); }
extern "C" __global__ void add_noise_f32(const float* x, const float* weight, const float* noise, float* y, int n, int channels, int inner)
{ add_noise(x, weight, noise, y, n, channels, inner); }
extern "C" __global__ void add_noise_f64(const double* x, const double* weight, const double* noise, double* y, int n, int channels, int inner)
{ add_noise(x, weight, noise, y, n, channels, inner); }
extern "C" __global__ void style_modulate_f32(const float* x, const float* style, float* y, int n, int channels, int inner)
{ style_modulate(x, style, y, n, channels, inner); }
extern "C" __global__ void style_modulate_f64(const double* x, const double* style, double* y, int n, int channels, int inner)
{ style_modulate(x, style, y, n, channels, inner); }
extern "C" __global__ void bias_leaky_relu_backward_f32(const float* g, const float* y, float* gx, float* sums, int planes, int inner,
                                                       float slope, float gain)
{ bias_leaky_relu_backward(g, y, gx, sums, planes, inner, slope, gain); }
extern "C" __global__ void bias_leaky_relu_backward_f64(const double* g, const double* y, double* gx, double* sums, int planes, int inner,
                                                       double slope, double gain)
{ bias_leaky_relu_backward(g, y, gx, sums, planes, inner, slope, gain); }
extern "C" __global__ void style_modulate_backward_f32(const float* g, const float* x, const float* style, float* gx, float* gStyle, int planes, int channels, int inner)
{ style_modulate_backward(g, x, style, gx, gStyle, planes, channels, inner); }
extern "C" __global__ void style_modulate_backward_f64(const double* g, const double* x, const double* style, double* gx, double* gStyle, int planes, int channels, int inner)
{ style_modulate_backward(g, x, style, gx, gStyle, planes, channels, inner); }
extern "C" __global__ void add_noise_backward_f32(const float* g, const float* weight, const float* noise, float* gNoise, float* partials,
                                                 int channels, int inner, int tiles, int blocks)
{ add_noise_backward(g, weight, noise, gNoise, partials, channels, inner, tiles, blocks); }
extern "C" __global__ void add_noise_backward_f64(const double* g, const double* weight, const double* noise, double* gNoise, double* partials,
                                                 int channels, int inner, int tiles, int blocks)
{ add_noise_backward(g, weight, noise, gNoise, partials, channels, inner, tiles, blocks); }

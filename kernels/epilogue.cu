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

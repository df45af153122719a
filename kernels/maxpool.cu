// 2×2 max pooling with stride 2 (VGG16's MaxPool2d(2, 2)) per (n, c) plane; x: (planes, h, w), y: (planes, ⌊h/2⌋, ⌊w/2⌋).
// An odd last row or column is dropped (torch's floor mode). Ties go to the first maximum of the block in row-major
// order (x[2i][2j], x[2i][2j+1], x[2i+1][2j], x[2i+1][2j+1]), as the CPU reference (Cpu/CpuKernels.MaxPool.cs).
//
// Entry points (T = f32 | f64):
//   max_pool2x2_T(x, y, planes, h, w)                   one thread per y element
//   max_pool2x2_backward_T(x, gy, gx, planes, h, w)     one thread per gx element: gy of its block when it is the
//                                                       block's first maximum, else 0 (written, not accumulated)

// index in 0..3 of the first maximum of the 2×2 block whose top-left element is p (row stride w)
template <typename T>
__device__ int first_max_of_block(const T* p, int w)
{
    T best = p[0];
    int at = 0;
    if (p[1] > best) { best = p[1]; at = 1; }
    if (p[w] > best) { best = p[w]; at = 2; }
    if (p[w + 1] > best) at = 3;
    return at;
}

template <typename T>
__device__ void max_pool2x2(const T* x, T* y, int planes, int h, int w)
{
    int ho = h / 2, wo = w / 2;
    long long total = (long long)planes * ho * wo;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += (long long)gridDim.x * blockDim.x)
    {
        int j = (int)(t % wo);
        long long q = t / wo;
        int i = (int)(q % ho);
        long long pl = q / ho;
        const T* p = x + (pl * h + 2 * i) * w + 2 * j;
        int at = first_max_of_block(p, w);
        y[t] = p[(at >> 1) * w + (at & 1)];
    }
}

template <typename T>
__device__ void max_pool2x2_backward(const T* x, const T* gy, T* gx, int planes, int h, int w)
{
    int ho = h / 2, wo = w / 2;
    long long total = (long long)planes * h * w;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += (long long)gridDim.x * blockDim.x)
    {
        int c = (int)(t % w);
        long long q = t / w;
        int r = (int)(q % h);
        long long pl = q / h;
        int i = r >> 1, j = c >> 1;
        T g = T(0);
        if (i < ho && j < wo)
        {
            const T* p = x + (pl * h + 2 * i) * w + 2 * j;
            if (first_max_of_block(p, w) == ((r & 1) << 1 | (c & 1))) g = gy[(pl * ho + i) * wo + j];
        }
        gx[t] = g;
    }
}

extern "C" __global__ void max_pool2x2_f32(const float* x, float* y, int planes, int h, int w)
{ max_pool2x2(x, y, planes, h, w); }
extern "C" __global__ void max_pool2x2_f64(const double* x, double* y, int planes, int h, int w)
{ max_pool2x2(x, y, planes, h, w); }
extern "C" __global__ void max_pool2x2_backward_f32(const float* x, const float* gy, float* gx, int planes, int h, int w)
{ max_pool2x2_backward(x, gy, gx, planes, h, w); }
extern "C" __global__ void max_pool2x2_backward_f64(const double* x, const double* gy, double* gx, int planes, int h, int w)
{ max_pool2x2_backward(x, gy, gx, planes, h, w); }

// Convolution as im2col + GEMM (the GEMMs run in cuBLAS, see Cuda/CudaKernels.Conv.cs), for a chunk of b samples.
//   x: (b, Cin, H, W), cols: (b, Cin·k·k, Ho·Wo) with
//   cols[n, (c·k + i)·k + j, oy·Wo + ox] = x[n, c, oy·s − p + i, ox·s − p + j]   (0 outside the image)
// Forward:        y_n  = W(Cout, Cin·k·k) · cols_n
// Data gradient:  gx_n = col2im(Wᵀ · gy_n)       (written, not accumulated: an activation gradient)
// Weight grad.:   gw   = Σ_n gy_n · cols_nᵀ       (written by the first GEMM, accumulated by the rest)
//
// Entry points (T = f32 | f64):
//   im2col_T(x, cols, b, cin, h, w, k, ho, wo, stride, pad)   one thread per cols element
//   col2im_T(cols, x, b, cin, h, w, k, ho, wo, stride, pad)   one thread per x element; it gathers its ≤ k² taps in
//                                                             (i, j) order, the order the CPU reference adds them in

template <typename T>
__device__ void im2col(const T* x, T* cols, int b, int cin, int h, int w, int k, int ho, int wo, int stride, int pad)
{
    long long total = (long long)b * cin * k * k * ho * wo;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += (long long)gridDim.x * blockDim.x)
    {
        int ox = (int)(t % wo);
        long long q = t / wo;
        int oy = (int)(q % ho); q /= ho;
        int j = (int)(q % k); q /= k;
        int i = (int)(q % k); q /= k;
        int c = (int)(q % cin);
        int n = (int)(q / cin);
        int iy = oy * stride - pad + i, ix = ox * stride - pad + j;
        bool inside = (unsigned)iy < (unsigned)h && (unsigned)ix < (unsigned)w;
        cols[t] = inside ? x[(((long long)n * cin + c) * h + iy) * w + ix] : T(0);
    }
}

template <typename T>
__device__ void col2im(const T* cols, T* x, int b, int cin, int h, int w, int k, int ho, int wo, int stride, int pad)
{
    long long total = (long long)b * cin * h * w;
    long long hw = (long long)ho * wo;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += (long long)gridDim.x * blockDim.x)
    {
        int ix = (int)(t % w);
        long long q = t / w;
        int iy = (int)(q % h); q /= h;
        int c = (int)(q % cin);
        int n = (int)(q / cin);
        const T* cn = cols + (long long)n * cin * k * k * hw;
        T acc = T(0);
        for (int i = 0; i < k; i++)
        {
            int sy = iy + pad - i;                      // = oy·stride
            if (sy < 0 || sy % stride != 0 || sy / stride >= ho) continue;
            int oy = sy / stride;
            for (int j = 0; j < k; j++)
            {
                int sx = ix + pad - j;
                if (sx < 0 || sx % stride != 0 || sx / stride >= wo) continue;
                acc += cn[((long long)(c * k + i) * k + j) * hw + (long long)oy * wo + sx / stride];
            }
        }
        x[t] = acc;
    }
}

extern "C" __global__ void im2col_f32(const float* x, float* cols, int b, int cin, int h, int w, int k, int ho, int wo, int stride, int pad)
{ im2col(x, cols, b, cin, h, w, k, ho, wo, stride, pad); }
extern "C" __global__ void im2col_f64(const double* x, double* cols, int b, int cin, int h, int w, int k, int ho, int wo, int stride, int pad)
{ im2col(x, cols, b, cin, h, w, k, ho, wo, stride, pad); }
extern "C" __global__ void col2im_f32(const float* cols, float* x, int b, int cin, int h, int w, int k, int ho, int wo, int stride, int pad)
{ col2im(cols, x, b, cin, h, w, k, ho, wo, stride, pad); }
extern "C" __global__ void col2im_f64(const double* cols, double* x, int b, int cin, int h, int w, int k, int ho, int wo, int stride, int pad)
{ col2im(cols, x, b, cin, h, w, k, ho, wo, stride, pad); }

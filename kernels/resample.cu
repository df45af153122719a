// Resampling per (n, c) plane; x: (N, C, H, W) viewed as planes = N·C images.
//
// upfirdn2d: y[oy, ox] = Σ_{ty, tx} f[kh−1−ty, kw−1−tx] · u[oy·down + ty − padY0, ox·down + tx − padX0], where u is x with
// up − 1 zeros inserted after every sample (f applied as a true convolution). y's size comes from the caller, so padX1 and
// padY1 are implied by it. The adjoint (the gradient w.r.t. x of a linear op) is written, not accumulated.
//
// Entry points (T = f32 | f64):
//   upfirdn2d_T(x, f, y, planes, h, w, ho, wo, kh, kw, up, down, padX0, padY0)          one thread per y element,
//                                                                                       taps in the CPU's order
//   upfirdn2d_adjoint_T(gy, f, gx, planes, h, w, ho, wo, kh, kw, up, down, padX0, padY0) one thread per gx element,
//                                                                                       gathering its taps
//   pool2x2_T(x, y, planes, h, w, scale)        y: (planes, ⌊h/2⌋, ⌊w/2⌋) ← scale · (sum of each 2×2 block of x: (planes, h, w));
//                                               an odd last row or column is dropped, as in the CPU reference
//   upsample2x_T(x, y, planes, h, w, scale)     y: (planes, 2h, 2w) ← scale · nearest-neighbour copy of x: (planes, h, w)

template <typename T>
__device__ void upfirdn2d(const T* x, const T* f, T* y, int planes, int h, int w, int ho, int wo, int kh, int kw,
                          int up, int down, int padX0, int padY0)
{
    long long total = (long long)planes * ho * wo;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += (long long)gridDim.x * blockDim.x)
    {
        int ox = (int)(t % wo);
        long long q = t / wo;
        int oy = (int)(q % ho);
        long long pl = q / ho;
        const T* xp = x + pl * h * w;
        T acc = T(0);
        for (int ty = 0; ty < kh; ty++)
        {
            int qy = oy * down + ty - padY0;
            if (qy < 0 || qy % up != 0 || qy / up >= h) continue;
            int iy = qy / up;
            for (int tx = 0; tx < kw; tx++)
            {
                int qx = ox * down + tx - padX0;
                if (qx < 0 || qx % up != 0 || qx / up >= w) continue;
                acc += f[(kh - 1 - ty) * kw + (kw - 1 - tx)] * xp[iy * w + qx / up];
            }
        }
        y[t] = acc;
    }
}

// x[iy, ix] receives f[kh−1−ty, kw−1−tx] · gy[oy, ox] for every oy·down + ty − padY0 = iy·up (and the same in x)
template <typename T>
__device__ void upfirdn2d_adjoint(const T* gy, const T* f, T* gx, int planes, int h, int w, int ho, int wo, int kh, int kw,
                                  int up, int down, int padX0, int padY0)
{
    long long total = (long long)planes * h * w;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += (long long)gridDim.x * blockDim.x)
    {
        int ix = (int)(t % w);
        long long q = t / w;
        int iy = (int)(q % h);
        long long pl = q / h;
        const T* gp = gy + pl * ho * wo;
        T acc = T(0);
        for (int ty = 0; ty < kh; ty++)
        {
            int sy = iy * up + padY0 - ty;               // = oy·down
            if (sy < 0 || sy % down != 0 || sy / down >= ho) continue;
            int oy = sy / down;
            for (int tx = 0; tx < kw; tx++)
            {
                int sx = ix * up + padX0 - tx;
                if (sx < 0 || sx % down != 0 || sx / down >= wo) continue;
                acc += f[(kh - 1 - ty) * kw + (kw - 1 - tx)] * gp[oy * wo + sx / down];
            }
        }
        gx[t] = acc;
    }
}

template <typename T>
__device__ void pool2x2(const T* x, T* y, int planes, int h, int w, T scale)
{
    int ho = h / 2, wo = w / 2;
    long long total = (long long)planes * ho * wo;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += (long long)gridDim.x * blockDim.x)
    {
        int j = (int)(t % wo);
        long long q = t / wo;
        int i = (int)(q % ho);
        long long pl = q / ho;
        const T* r0 = x + (pl * h + 2 * i) * w;
        const T* r1 = r0 + w;
        y[t] = scale * (r0[2 * j] + r0[2 * j + 1] + r1[2 * j] + r1[2 * j + 1]);
    }
}

template <typename T>
__device__ void upsample2x(const T* x, T* y, int planes, int h, int w, T scale)
{
    long long total = (long long)planes * 4 * h * w;
    int wo = 2 * w, ho = 2 * h;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += (long long)gridDim.x * blockDim.x)
    {
        int ox = (int)(t % wo);
        long long q = t / wo;
        int oy = (int)(q % ho);
        long long pl = q / ho;
        y[t] = scale * x[(pl * h + oy / 2) * w + ox / 2];
    }
}

extern "C" __global__ void upfirdn2d_f32(const float* x, const float* f, float* y, int planes, int h, int w, int ho, int wo,
                                        int kh, int kw, int up, int down, int padX0, int padY0)
{ upfirdn2d(x, f, y, planes, h, w, ho, wo, kh, kw, up, down, padX0, padY0); }
extern "C" __global__ void upfirdn2d_f64(const double* x, const double* f, double* y, int planes, int h, int w, int ho, int wo,
                                        int kh, int kw, int up, int down, int padX0, int padY0)
{ upfirdn2d(x, f, y, planes, h, w, ho, wo, kh, kw, up, down, padX0, padY0); }
extern "C" __global__ void upfirdn2d_adjoint_f32(const float* gy, const float* f, float* gx, int planes, int h, int w, int ho, int wo,
                                                int kh, int kw, int up, int down, int padX0, int padY0)
{ upfirdn2d_adjoint(gy, f, gx, planes, h, w, ho, wo, kh, kw, up, down, padX0, padY0); }
extern "C" __global__ void upfirdn2d_adjoint_f64(const double* gy, const double* f, double* gx, int planes, int h, int w, int ho, int wo,
                                                int kh, int kw, int up, int down, int padX0, int padY0)
{ upfirdn2d_adjoint(gy, f, gx, planes, h, w, ho, wo, kh, kw, up, down, padX0, padY0); }
extern "C" __global__ void pool2x2_f32(const float* x, float* y, int planes, int h, int w, float scale)
{ pool2x2(x, y, planes, h, w, scale); }
extern "C" __global__ void pool2x2_f64(const double* x, double* y, int planes, int h, int w, double scale)
{ pool2x2(x, y, planes, h, w, scale); }
extern "C" __global__ void upsample2x_f32(const float* x, float* y, int planes, int h, int w, float scale)
{ upsample2x(x, y, planes, h, w, scale); }
extern "C" __global__ void upsample2x_f64(const double* x, double* y, int planes, int h, int w, double scale)
{ upsample2x(x, y, planes, h, w, scale); }

// Resampling per (n, c) plane; x: (N, C, H, W) viewed as planes = N·C images.
//
// upfirdn2d: y[oy, ox] = Σ_{ty, tx} f[kh−1−ty, kw−1−tx] · u[oy·down + ty − padY0, ox·down + tx − padX0], where u is x with
// up − 1 zeros inserted after every sample (f applied as a true convolution). y's size comes from the caller, so padX1 and
// padY1 are implied by it. The adjoint (the gradient w.r.t. x of a linear op) is written, not accumulated.
//
// The adjoint is itself an upfirdn2d: gx = upfirdn2d(gy, f flipped, up = down, down = up, pad0 = k − 1 − pad0) along
// each axis (the taps with oy·down + t − padY0 = iy·up are those of that filter at the swapped rates), so the tiled
// kernels below serve both directions.
//
// Entry points (T = f32 | f64):
//   upfirdn2d_uUdD_T(src, f, dst, planes, hs, ws, hd, wd, kh, kw, p0x, p0y, flip, tilesX, tilesY)   U, D ∈ {1, 2}
//       dst: (planes, hd, wd) ← upfirdn2d of src: (planes, hs, ws) with up U, down D, leading pads p0x, p0y and the
//       filter f, flipped in both axes when flip ≠ 0 (the adjoint); kh, kw ≤ FIR_MAX_TAPS. blockDim.x = 256 (32 × 8),
//       one block per FIR_TILE_W × FIR_TILE_H output tile (grid-stride over planes·tilesY·tilesX): the block copies the
//       input rows and columns its tile reads into shared memory (zeros outside the plane), then each thread finds the
//       first tap and input row of its output row and column once (the rates are compile-time, so no division) and
//       sums its taps from shared memory in the CPU's order. Every input is read once from DRAM plus the halo.
//   upfirdn2d_T(x, f, y, planes, h, w, ho, wo, kh, kw, up, down, padX0, padY0)          other rates and larger filters:
//                                                                                       one thread per y element
//   upfirdn2d_adjoint_T(gy, f, gx, planes, h, w, ho, wo, kh, kw, up, down, padX0, padY0) and its adjoint, one thread
//                                                                                       per gx element gathering its taps
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

#define FIR_TILE_W 32
#define FIR_TILE_H 16
#define FIR_MAX_TAPS 8   // the launcher's FirMaxTaps

// v / U rounded down, for the compile-time rates 1 and 2 (an arithmetic shift rounds negative values down)
template <int U> __device__ inline int floor_div(int v) { static_assert(U == 1 || U == 2, "rates 1 and 2"); return U == 1 ? v : v >> 1; }
// the first tap t ≥ 0 with m + t a multiple of U: the phase of a row (or column) of the zero-inserted input
template <int U> __device__ inline int first_tap(int m) { return U == 1 ? 0 : m & 1; }
// input rows (or columns) an output tile of `out` reads: ⌊((o₀ + out − 1)·D + k − 1 − p₀)/U⌋ − ⌊(o₀·D − p₀)/U⌋ + 1 at most
template <int U, int D> constexpr int fir_span(int out) { return ((out - 1) * D + FIR_MAX_TAPS - 1) / U + 2; }

template <int U, int D, typename T>
__device__ void upfirdn2d_tiled(const T* src, const T* f, T* dst, int planes, int hs, int ws, int hd, int wd, int kh, int kw,
                                int p0x, int p0y, int flip, int tilesX, int tilesY)
{
    __shared__ T tile[fir_span<U, D>(FIR_TILE_H)][fir_span<U, D>(FIR_TILE_W)];
    __shared__ T taps[FIR_MAX_TAPS * FIR_MAX_TAPS];   // taps[ty·kw + tx] multiplies input tap (ty, tx)
    int lx = threadIdx.x & 31, ly = threadIdx.x >> 5;
    for (int i = threadIdx.x; i < kh * kw; i += blockDim.x)
    {
        int ty = i / kw, tx = i - ty * kw;
        taps[i] = flip ? f[i] : f[(kh - 1 - ty) * kw + (kw - 1 - tx)];
    }
    int perPlane = tilesX * tilesY;
    for (int b = blockIdx.x; b < planes * perPlane; b += gridDim.x)
    {
        int plane = b / perPlane, t = b - plane * perPlane, tileY = t / tilesX;
        int oy0 = tileY * FIR_TILE_H, ox0 = (t - tileY * tilesX) * FIR_TILE_W;
        int iy0 = floor_div<U>(oy0 * D - p0y), ix0 = floor_div<U>(ox0 * D - p0x);
        int rows = floor_div<U>((oy0 + FIR_TILE_H - 1) * D + kh - 1 - p0y) - iy0 + 1;
        int cols = floor_div<U>((ox0 + FIR_TILE_W - 1) * D + kw - 1 - p0x) - ix0 + 1;
        const T* sp = src + (long long)plane * hs * ws;
        __syncthreads();                   // the previous tile's readers of shared memory are done
        for (int r = ly; r < rows; r += 8)
        {
            int iy = iy0 + r;
            for (int c = lx; c < cols; c += 32)
            {
                int ix = ix0 + c;
                tile[r][c] = iy >= 0 && iy < hs && ix >= 0 && ix < ws ? sp[(long long)iy * ws + ix] : T(0);
            }
        }
        __syncthreads();
        int ox = ox0 + lx, mx = ox * D - p0x, tx0 = first_tap<U>(mx), cx = floor_div<U>(mx + tx0) - ix0;
        for (int j = ly; j < FIR_TILE_H; j += 8)
        {
            int oy = oy0 + j, my = oy * D - p0y, ty0 = first_tap<U>(my), ry = floor_div<U>(my + ty0) - iy0;
            if (oy >= hd || ox >= wd) continue;
            T acc = T(0);
            for (int ty = ty0, r = ry; ty < kh; ty += U, r++)
                for (int tx = tx0, c = cx; tx < kw; tx += U, c++)
                    acc += taps[ty * kw + tx] * tile[r][c];
            dst[(long long)plane * hd * wd + (long long)oy * wd + ox] = acc;
        }
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
extern "C" __global__ void pool2x2_f32(const float* x, float* y, int planes, int h, int w, float scale) { pool2x2(x, y, planes, h, w, scale); }
extern "C" __global__ void pool2x2_f64(const double* x, double* y, int planes, int h, int w, double scale) { pool2x2(x, y, planes, h, w, scale); }
extern "C" __global__ void upsample2x_f32(const float* x, float* y, int planes, int h, int w, float scale) { upsample2x(x, y, planes, h, w, scale); }
extern "C" __global__ void upsample2x_f64(const double* x, double* y, int planes, int h, int w, double scale) { upsample2x(x, y, planes, h, w, scale); }
extern "C" __global__ void upfirdn2d_u1d1_f32(const float* src, const float* f, float* dst, int planes, int hs, int ws, int hd, int wd,
                                             int kh, int kw, int p0x, int p0y, int flip, int tilesX, int tilesY)
{ upfirdn2d_tiled<1, 1>(src, f, dst, planes, hs, ws, hd, wd, kh, kw, p0x, p0y, flip, tilesX, tilesY); }
extern "C" __global__ void upfirdn2d_u1d1_f64(const double* src, const double* f, double* dst, int planes, int hs, int ws, int hd, int wd,
                                             int kh, int kw, int p0x, int p0y, int flip, int tilesX, int tilesY)
{ upfirdn2d_tiled<1, 1>(src, f, dst, planes, hs, ws, hd, wd, kh, kw, p0x, p0y, flip, tilesX, tilesY); }
extern "C" __global__ void upfirdn2d_u1d2_f32(const float* src, const float* f, float* dst, int planes, int hs, int ws, int hd, int wd,
                                             int kh, int kw, int p0x, int p0y, int flip, int tilesX, int tilesY)
{ upfirdn2d_tiled<1, 2>(src, f, dst, planes, hs, ws, hd, wd, kh, kw, p0x, p0y, flip, tilesX, tilesY); }
extern "C" __global__ void upfirdn2d_u1d2_f64(const double* src, const double* f, double* dst, int planes, int hs, int ws, int hd, int wd,
                                             int kh, int kw, int p0x, int p0y, int flip, int tilesX, int tilesY)
{ upfirdn2d_tiled<1, 2>(src, f, dst, planes, hs, ws, hd, wd, kh, kw, p0x, p0y, flip, tilesX, tilesY); }
extern "C" __global__ void upfirdn2d_u2d1_f32(const float* src, const float* f, float* dst, int planes, int hs, int ws, int hd, int wd,
                                             int kh, int kw, int p0x, int p0y, int flip, int tilesX, int tilesY)
{ upfirdn2d_tiled<2, 1>(src, f, dst, planes, hs, ws, hd, wd, kh, kw, p0x, p0y, flip, tilesX, tilesY); }
extern "C" __global__ void upfirdn2d_u2d1_f64(const double* src, const double* f, double* dst, int planes, int hs, int ws, int hd, int wd,
                                             int kh, int kw, int p0x, int p0y, int flip, int tilesX, int tilesY)
{ upfirdn2d_tiled<2, 1>(src, f, dst, planes, hs, ws, hd, wd, kh, kw, p0x, p0y, flip, tilesX, tilesY); }
extern "C" __global__ void upfirdn2d_u2d2_f32(const float* src, const float* f, float* dst, int planes, int hs, int ws, int hd, int wd,
                                             int kh, int kw, int p0x, int p0y, int flip, int tilesX, int tilesY)
{ upfirdn2d_tiled<2, 2>(src, f, dst, planes, hs, ws, hd, wd, kh, kw, p0x, p0y, flip, tilesX, tilesY); }
extern "C" __global__ void upfirdn2d_u2d2_f64(const double* src, const double* f, double* dst, int planes, int hs, int ws, int hd, int wd,
                                             int kh, int kw, int p0x, int p0y, int flip, int tilesX, int tilesY)
{ upfirdn2d_tiled<2, 2>(src, f, dst, planes, hs, ws, hd, wd, kh, kw, p0x, p0y, flip, tilesX, tilesY); }

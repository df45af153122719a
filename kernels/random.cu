// Counter-based random numbers: Philox4x32-10 (Salmon et al., 2011), the same function as Tensors/Philox.cs, so
// element i of a tensor depends on (seed, offset + i) alone and the GPU draws the CPU's numbers: the 32-bit words are
// identical; the normal transform runs in double on both (log/cos may differ in the last ulp).
//   uniform: u = r0 / 2³²  in [0, 1)
//   normal:  u1 = (r0 + 1) / 2³² in (0, 1],  u2 = r1 / 2³²,  z = √(−2 ln u1) · cos(2π u2)   (Box–Muller)
//
// Entry point (T = f32 | f64):
//   fill_random_T(d, n, seed, offset, normal)   one thread per element; seed and offset are 64-bit

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

// first two words of the block for counter (c0, c1, 0, 0) and key (k0, k1)
__device__ inline void philox(unsigned long long seed, unsigned long long counter, unsigned int& r0, unsigned int& r1)
{
    unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0, c3 = 0;
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
    for (int r = 0; r < 10; r++)
    {
        unsigned int hi0 = __umulhi(PHILOX_M0, c0), lo0 = PHILOX_M0 * c0;
        unsigned int hi1 = __umulhi(PHILOX_M1, c2), lo1 = PHILOX_M1 * c2;
        unsigned int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        k0 += PHILOX_W0; k1 += PHILOX_W1;
    }
    r0 = c0; r1 = c1;
}

template <typename T>
__device__ void fill_random(T* d, int n, unsigned long long seed, unsigned long long offset, int normal)
{
    const double inv32 = 1.0 / 4294967296.0;
    const double pi = 3.14159265358979323846;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        unsigned int r0, r1;
        philox(seed, offset + (unsigned long long)i, r0, r1);
        double v;
        if (normal)
        {
            double u1 = (r0 + 1.0) * inv32, u2 = r1 * inv32;
            v = sqrt(-2.0 * log(u1)) * cos(2.0 * pi * u2);
        }
        else v = r0 * inv32;
        d[i] = (T)v;
    }
}

extern "C" __global__ void fill_random_f32(float* d, int n, unsigned long long seed, unsigned long long offset, int normal)
{ fill_random(d, n, seed, offset, normal); }
extern "C" __global__ void fill_random_f64(double* d, int n, unsigned long long seed, unsigned long long offset, int normal)
{ fill_random(d, n, seed, offset, normal); }

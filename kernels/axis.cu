// Copy of a range along one axis (concatenation, slicing and their gradients). Both tensors are viewed as
// (outer, axis, inner): src (outer, ls, inner), dst (outer, ld, inner);
//   dst[o, dstStart + a, i] ← src[o, srcStart + a, i]   for a < count, i < inner.
// Elements of dst outside the range are left as they are.
//
// Entry point (T = f32 | f64):
//   copy_axis_range_T(src, dst, outer, inner, ls, ld, srcStart, dstStart, count)   one thread per copied element

template <typename T>
__device__ void copy_axis_range(const T* src, T* dst, int outer, int inner, int ls, int ld, int srcStart, int dstStart, int count)
{
    long long block = (long long)count * inner;
    long long total = (long long)outer * block;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += (long long)gridDim.x * blockDim.x)
    {
        long long o = t / block, r = t % block;
        dst[(o * ld + dstStart) * inner + r] = src[(o * ls + srcStart) * inner + r];
    }
}

extern "C" __global__ void copy_axis_range_f32(const float* src, float* dst, int outer, int inner, int ls, int ld, int srcStart, int dstStart, int count)
{ copy_axis_range(src, dst, outer, inner, ls, ld, srcStart, dstStart, count); }
extern "C" __global__ void copy_axis_range_f64(const double* src, double* dst, int outer, int inner, int ls, int ld, int srcStart, int dstStart, int count)
{ copy_axis_range(src, dst, outer, inner, ls, ld, srcStart, dstStart, count); }

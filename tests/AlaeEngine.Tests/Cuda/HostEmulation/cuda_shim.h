// Host emulation of the CUDA C++ subset that kernels/*.cu use, so the kernel sources can be compiled by g++ and run
// on the CPU behind a fake libcuda (see run.sh). It checks launch arguments, index arithmetic and block reductions
// without a GPU; it says nothing about GPU timing, races between real warps, or NVRTC's code generation.
// Threads of a block run one after another, except in kernels that synchronise (listed in fake_cuda.cpp), where each
// thread of a block is a fiber (ucontext) of one OS thread and __syncthreads hands over to the next fiber: a round runs
// every fiber up to its next barrier, so no thread passes barrier i before all have reached it.
#pragma once
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <utility>

struct Dim3 { unsigned x = 0, y = 0, z = 0; };
extern thread_local Dim3 threadIdx, blockIdx;
extern Dim3 blockDim, gridDim;
extern bool g_inFiberBlock;              // set while a synchronising kernel's block runs
void emu_yield_to_block_scheduler();
extern double* g_exchange;               // one slot per thread of the block, for warp shuffles

#define __global__
#define __device__
#define __shared__ static                // one block runs at a time, so a static is the block's shared memory
#define __launch_bounds__(...)           // a register budget for NVRTC; nothing to the host compiler

inline void __syncthreads()
{
    if (!g_inFiberBlock) { fprintf(stderr, "host emulation: __syncthreads in a kernel run sequentially\n"); abort(); }
    emu_yield_to_block_scheduler();
}

template <typename T> T __shfl_down_sync(unsigned, T v, int offset)
{
    int t = (int)threadIdx.x, lane = t & 31;
    g_exchange[t] = (double)v;           // float and double both round-trip exactly through double
    __syncthreads();
    T r = lane + offset < 32 && t + offset < (int)blockDim.x ? (T)g_exchange[t + offset] : v;
    __syncthreads();
    return r;
}

template <typename T> T __shfl_xor_sync(unsigned, T v, int laneMask)
{
    int t = (int)threadIdx.x, from = t ^ laneMask;   // laneMask < 32: the partner is in the same warp
    g_exchange[t] = (double)v;
    __syncthreads();
    T r = from < (int)blockDim.x ? (T)g_exchange[from] : v;
    __syncthreads();
    return r;
}

inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }

inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }

// a kernel callable with cuLaunchKernel's kernelParams: one pointer per parameter
struct EmulatedKernel { std::string name; std::function<void(void**)> call; };
std::map<std::string, EmulatedKernel*>& emulatedKernels();

template <typename... A, size_t... I> void callWith(void (*f)(A...), void** p, std::index_sequence<I...>)
{
    f(*(std::remove_cv_t<std::remove_reference_t<A>>*)p[I]...);
}

struct RegisterKernel
{
    template <typename... A> RegisterKernel(const char* name, void (*f)(A...))
    {
        emulatedKernels()[name] = new EmulatedKernel{name, [f](void** p) { callWith(f, p, std::index_sequence_for<A...>{}); }};
    }
};

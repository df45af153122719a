// Host emulation of the CUDA C++ subset that kernels/*.cu use, so the kernel sources can be compiled by g++ and run
// on the CPU behind a fake libcuda (see run.sh). It checks launch arguments, index arithmetic and block reductions
// without a GPU, and it is built to expose a missing barrier: in a kernel that synchronises, every CUDA thread is a
// fiber, warps run one at a time between __syncthreads in an order that changes at every barrier (forward, reversed,
// shuffled), the lanes of a warp likewise between warp shuffles, and shared memory is filled with NaN (0xFF bytes) at
// the start of every block. A shuffle is a barrier of its warp only, as on a GPU, so it does not hide a missing
// __syncthreads. What it cannot show: GPU timing, memory-model effects (caches, reordering), NVRTC's code generation.
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

void emu_barrier(bool block);            // the calling fiber waits for its block (true) or its warp (false)
double* emu_shuffle_slots();             // one slot per thread of the block, alternating between two sets per shuffle

#define __global__
#define __device__
// one block runs at a time, so a static is the block's shared memory; the section lets the driver poison it per block
#define __shared__ static __attribute__((section("emu_shared")))
#define __launch_bounds__(...)           // a register budget for NVRTC; nothing to the host compiler

inline void __syncthreads() { emu_barrier(true); }

// the value of lane `from` of the caller's warp (the caller's own when `from` is outside the warp or the block)
template <typename T> T emu_shuffle(T v, int from)
{
    int t = (int)threadIdx.x;
    double* slots = emu_shuffle_slots();
    slots[t] = (double)v;                // float and double both round-trip exactly through double
    emu_barrier(false);
    return from >= 0 && (from >> 5) == (t >> 5) && from < (int)blockDim.x ? (T)slots[from] : v;
}

template <typename T> T __shfl_down_sync(unsigned, T v, int offset) { return emu_shuffle(v, (int)threadIdx.x + offset); }
template <typename T> T __shfl_xor_sync(unsigned, T v, int laneMask) { return emu_shuffle(v, (int)threadIdx.x ^ laneMask); }

inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }

inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }

// a kernel callable with cuLaunchKernel's kernelParams: one pointer per parameter. family: the kernels/*.cu file;
// synchronises: the file uses barriers or shuffles (its blocks run as fibers); planted: 0, or k for the copy of the
// kernel with the file's k-th __syncthreads() removed (run.sh builds one per barrier; see emu_plant_missing_barrier)
struct EmulatedKernel { std::string name, family; bool synchronises; int planted; std::function<void(void**)> call; };
void registerKernel(EmulatedKernel* k);

template <typename... A, size_t... I> void callWith(void (*f)(A...), void** p, std::index_sequence<I...>)
{
    f(*(std::remove_cv_t<std::remove_reference_t<A>>*)p[I]...);
}

struct RegisterKernel
{
    template <typename... A> RegisterKernel(const char* name, const char* family, bool synchronises, int planted, void (*f)(A...))
    {
        registerKernel(new EmulatedKernel{name, family, synchronises, planted,
                                          [f](void** p) { callWith(f, p, std::index_sequence_for<A...>{}); }});
    }
};

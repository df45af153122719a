// A fake libcuda.so.1 over host memory: device pointers are malloc'd addresses, copies are memcpy, and launches run the
// kernels of kernels/*.cu compiled for the host with cuda_shim.h. Only the calls of src/AlaeEngine/Cuda/Cu.cs exist.
#include "cuda_shim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <vector>
thread_local Dim3 threadIdx, blockIdx;
Dim3 blockDim, gridDim;
bool g_inFiberBlock;
double* g_exchange;

// The fibers of a synchronising block: one ucontext and stack per CUDA thread, run round-robin by runFiberBlock.
namespace {
constexpr size_t FiberStack = 128 * 1024;
struct Fiber { ucontext_t ctx; unsigned idx; bool done; };
ucontext_t g_scheduler;
std::vector<Fiber> g_fibers;
std::vector<char> g_stacks;
Fiber* g_current;
EmulatedKernel* g_kernel;
void** g_params;

void fiberMain()
{
    g_kernel->call(g_params);
    g_current->done = true;   // returning resumes uc_link, the scheduler
}

void runFiberBlock(EmulatedKernel* k, void** p, unsigned block, unsigned bx)
{
    if (g_stacks.size() < bx * FiberStack) g_stacks.resize(bx * FiberStack);
    g_fibers.resize(bx);
    g_kernel = k; g_params = p;
    for (unsigned t = 0; t < bx; t++)
    {
        Fiber& f = g_fibers[t];
        f.idx = t; f.done = false;
        getcontext(&f.ctx);
        f.ctx.uc_stack.ss_sp = g_stacks.data() + t * FiberStack;
        f.ctx.uc_stack.ss_size = FiberStack;
        f.ctx.uc_link = &g_scheduler;
        makecontext(&f.ctx, fiberMain, 0);
    }
    g_inFiberBlock = true;
    for (bool running = true; running;)
    {
        running = false;
        for (auto& f : g_fibers)
        {
            if (f.done) continue;
            g_current = &f;
            threadIdx = {f.idx, 0, 0}; blockIdx = {block, 0, 0};
            swapcontext(&g_scheduler, &f.ctx);
            running |= !f.done;
        }
    }
    g_inFiberBlock = false;
}
}

void emu_yield_to_block_scheduler() { swapcontext(&g_current->ctx, &g_scheduler); }
std::map<std::string, EmulatedKernel*>& emulatedKernels() { static std::map<std::string, EmulatedKernel*> r; return r; }

// kernels with __syncthreads / warp shuffles: their blocks run one fiber per CUDA thread
static bool synchronises(const std::string& name)
{
    for (const char* prefix : {"sum_to", "instance_norm", "bias_leaky_relu_backward", "style_modulate_backward", "add_noise_backward", "upfirdn2d_u"})
        if (name.rfind(prefix, 0) == 0) return true;
    return false;
}
extern "C" {
typedef int CUresult;
CUresult cuInit(unsigned) { return 0; }
CUresult cuDriverGetVersion(int* v) { *v = 13000; return 0; }
CUresult cuDeviceGetCount(int* c) { *c = 1; return 0; }
CUresult cuDeviceGet(int* d, int o) { if (o != 0) return 101; *d = 0; return 0; }
CUresult cuDeviceGetAttribute(int* v, int a, int) { *v = a == 75 ? 9 : a == 76 ? 0 : a == 16 ? 132 : 0; return 0; }
CUresult cuDeviceGetName(char* n, int len, int) { snprintf(n, len, "host emulation"); return 0; }
CUresult cuDevicePrimaryCtxRetain(void** c, int) { *c = (void*)0x1; return 0; }
CUresult cuDevicePrimaryCtxRelease_v2(int) { return 0; }
CUresult cuCtxSetCurrent(void*) { return 0; }
CUresult cuCtxSynchronize() { return 0; }
// the image NVRTC made is only checked to be a CUBIN; the host-compiled kernels stand in for it
CUresult cuModuleLoadData(void** m, const void* image) { if (memcmp(image, "\x7f" "ELF", 4) != 0) return 200; *m = (void*)0x2; return 0; }
CUresult cuModuleUnload(void*) { return 0; }
CUresult cuModuleGetFunction(void** f, void*, const char* name)
{
    auto it = emulatedKernels().find(name);
    if (it == emulatedKernels().end()) { fprintf(stderr, "emu: no kernel %s\n", name); return 500; }
    *f = it->second; return 0;
}
CUresult cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned, void*, void** p, void**)
{
    auto k = (EmulatedKernel*)f;
    if (gy != 1 || gz != 1 || by != 1 || bz != 1 || gx == 0 || bx == 0 || bx > 1024) return 1;   // CUDA_ERROR_INVALID_VALUE
    bool threaded = synchronises(k->name);
    gridDim = {gx, 1, 1}; blockDim = {bx, 1, 1};
    std::vector<double> shfl(bx);
    g_exchange = shfl.data();
    for (unsigned b = 0; b < gx; b++)
    {
        if (!threaded)
        {
            blockIdx = {b, 0, 0};
            for (unsigned t = 0; t < bx; t++) { threadIdx = {t, 0, 0}; k->call(p); }
            continue;
        }
        runFiberBlock(k, p, b, bx);
    }
    return 0;
}
// new memory is filled with a pattern, so a kernel that reads what it never wrote shows it
CUresult cuMemAlloc_v2(unsigned long long* p, size_t n) { *p = (unsigned long long)malloc(n); memset((void*)*p, 0xCD, n); return 0; }
CUresult cuMemFree_v2(unsigned long long p) { free((void*)p); return 0; }
CUresult cuMemGetInfo_v2(size_t* f, size_t* t) { *f = 1ull << 34; *t = 1ull << 34; return 0; }
CUresult cuMemcpyHtoD_v2(unsigned long long d, const void* s, size_t n) { memcpy((void*)d, s, n); return 0; }
CUresult cuMemcpyDtoH_v2(void* d, unsigned long long s, size_t n) { memcpy(d, (void*)s, n); return 0; }
CUresult cuMemcpyDtoD_v2(unsigned long long d, unsigned long long s, size_t n) { memcpy((void*)d, (void*)s, n); return 0; }
CUresult cuMemcpyHtoDAsync_v2(unsigned long long d, const void* s, size_t n, void*) { memcpy((void*)d, s, n); return 0; }
CUresult cuMemcpyDtoHAsync_v2(void* d, unsigned long long s, size_t n, void*) { memcpy(d, (void*)s, n); return 0; }
CUresult cuMemcpyDtoDAsync_v2(unsigned long long d, unsigned long long s, size_t n, void*) { memcpy((void*)d, (void*)s, n); return 0; }
CUresult cuMemsetD32_v2(unsigned long long d, unsigned v, size_t n) { for (size_t i = 0; i < n; i++) ((unsigned*)d)[i] = v; return 0; }
CUresult cuMemsetD32Async(unsigned long long d, unsigned v, size_t n, void*) { return cuMemsetD32_v2(d, v, n); }
CUresult cuStreamCreate(void** s, unsigned) { *s = (void*)0x3; return 0; }
CUresult cuStreamSynchronize(void*) { return 0; }
CUresult cuStreamDestroy_v2(void*) { return 0; }
CUresult cuEventCreate(void** e, unsigned) { *e = (void*)0x4; return 0; }
CUresult cuEventRecord(void*, void*) { return 0; }
CUresult cuEventSynchronize(void*) { return 0; }
CUresult cuEventElapsedTime(float* ms, void*, void*) { *ms = 0; return 0; }
CUresult cuEventDestroy_v2(void*) { return 0; }
CUresult cuGetErrorName(int e, const char** s) { static char b[64]; snprintf(b, 64, "EMU_ERROR_%d", e); *s = b; return 0; }
CUresult cuGetErrorString(int, const char** s) { *s = "emulated error"; return 0; }
}

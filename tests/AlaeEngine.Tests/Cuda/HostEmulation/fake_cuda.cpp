// A fake libcuda.so.1 over host memory: device pointers are malloc'd addresses, copies are memcpy, and launches run the
// kernels of kernels/*.cu compiled for the host with cuda_shim.h. Only the calls of src/AlaeEngine/Cuda/Cu.cs exist,
// plus emu_* controls for the tests of the emulation itself.
//
// Launch order, chosen to expose races rather than hide them:
// - a kernel of a file without barriers runs its blocks, and the threads of each block, one after another, forward at
//   one launch and backward at the next;
// - a kernel of a file with barriers or shuffles runs each block as one fiber per CUDA thread (own stack, switched by
//   emu_switch below). Between two __syncthreads the warps run one at a time, each until all its lanes wait at the
//   barrier, in an order that changes at every barrier: forward, reversed, shuffled (a fixed sequence, so a failure
//   repeats). Within a warp the lanes run round by round between shuffles, in orders that change the same way. Shared
//   memory is filled with 0xFF bytes (NaN in float and double) at the start of every block.
#include "cuda_shim.h"
#include <stdint.h>
#include <string.h>
#include <algorithm>
#include <mutex>
#include <numeric>
#include <vector>

#if !defined(__x86_64__)
#error "the host emulation's fibers switch stacks with x86-64 code"
#endif

thread_local Dim3 threadIdx, blockIdx;
Dim3 blockDim, gridDim;

// the linker's bounds of the emu_shared section, where __shared__ puts every shared array
extern char __start_emu_shared[] __attribute__((weak, visibility("hidden")));
extern char __stop_emu_shared[] __attribute__((weak, visibility("hidden")));

// emu_switch(save, to): saves the callee-saved registers, MXCSR and the x87 control word on the current stack, stores
// the stack pointer in *save, and resumes the context whose stack pointer is `to` (System V x86-64)
extern "C" void emu_switch(void** save, void* to);
asm(R"(
    .text
    .globl emu_switch
    .hidden emu_switch
    .type emu_switch, @function
emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_switch, .-emu_switch
)");

namespace {
enum class At { Ready, WarpBarrier, BlockBarrier, Done };
struct Fiber { void* sp; unsigned idx; At state; unsigned shuffles; };

constexpr size_t FiberStack = 128 * 1024;
std::vector<Fiber> g_fibers;
char* g_stacks;
size_t g_stackThreads;
void* g_schedulerSp;
Fiber* g_current;
EmulatedKernel* g_kernel;
void** g_params;
bool g_inFibers;
std::vector<double> g_slots;          // shuffle slots: two sets of blockDim.x
unsigned long long g_step;            // advances at every round: picks the next order
unsigned long long g_launches;
std::string g_error;                  // why the last launch failed
std::mutex g_launchLock;
std::string g_plantedFamily;          // emu_plant_missing_barrier's choice
int g_plantedBarrier;
long long g_plantedLaunches;

// ALAE_EMU_SKIP_KERNELS=1: launches are checked and counted but not run, and new memory is not filled, so the
// host-side accounting of a large model (launches, bytes, FLOPs) can be taken quickly; every result is garbage
const bool g_skipKernels = getenv("ALAE_EMU_SKIP_KERNELS") && atoi(getenv("ALAE_EMU_SKIP_KERNELS")) != 0;

std::map<std::string, EmulatedKernel*>& kernels() { static std::map<std::string, EmulatedKernel*> r; return r; }
std::string key(const std::string& name, int planted) { return planted == 0 ? name : name + "#" + std::to_string(planted); }

[[noreturn]] void fiberEntry()
{
    g_kernel->call(g_params);
    g_current->state = At::Done;
    emu_switch(&g_current->sp, g_schedulerSp);
    __builtin_unreachable();
}

// a fresh stack whose first switch "returns" into fiberEntry with the ABI's alignment
void startFiber(Fiber& f, unsigned t)
{
    auto* top = (uint64_t*)(g_stacks + (t + 1) * FiberStack);
    top[-1] = 0;                                   // fiberEntry's return address: it never returns
    top[-2] = (uint64_t)&fiberEntry;               // where emu_switch's ret goes
    for (int r = 3; r <= 8; r++) top[-r] = 0;      // rbp, rbx, r12–r15
    top[-9] = 0x1F80ull | (0x037Full << 32);       // default MXCSR, default x87 control word
    f = {top - 9, t, At::Ready, 0};
}

void resume(Fiber& f)
{
    g_current = &f;
    threadIdx = {f.idx, 0, 0};
    emu_switch(&g_schedulerSp, f.sp);
}

// 0, 1, …, n−1 in the order of the next round: forward, reversed, shuffled, in turn
const std::vector<unsigned>& nextOrder(unsigned n)
{
    static thread_local std::vector<unsigned> o;
    o.resize(n);
    std::iota(o.begin(), o.end(), 0u);
    unsigned long long s = g_step++;
    if (s % 3 == 1) std::reverse(o.begin(), o.end());
    if (s % 3 == 2)
    {
        unsigned long long x = s * 0x9E3779B97F4A7C15ull + 1;
        for (unsigned i = n; i > 1; i--)
        {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            std::swap(o[i - 1], o[x % i]);
        }
    }
    return o;
}

bool fail(const std::string& why) { g_error = "host emulation: " + g_kernel->name + ": " + why; return false; }

// runs lanes [lo, hi) of one warp until every live lane waits at __syncthreads (or has returned)
bool runWarp(unsigned lo, unsigned hi)
{
    for (;;)
    {
        unsigned ready = 0, atWarp = 0, atBlock = 0;
        for (unsigned t = lo; t < hi; t++)
        {
            At s = g_fibers[t].state;
            ready += s == At::Ready; atWarp += s == At::WarpBarrier; atBlock += s == At::BlockBarrier;
        }
        if (ready == 0)
        {
            if (atWarp == 0) return true;
            if (atBlock > 0)
                return fail("block " + std::to_string(blockIdx.x) + ", warp " + std::to_string(lo / 32) +
                            ": some lanes wait at __syncthreads while others wait at a warp shuffle");
            for (unsigned t = lo; t < hi; t++)
                if (g_fibers[t].state == At::WarpBarrier) g_fibers[t].state = At::Ready;
            continue;
        }
        for (unsigned k : nextOrder(hi - lo))
            if (g_fibers[lo + k].state == At::Ready) resume(g_fibers[lo + k]);
    }
}

bool runFiberBlock(unsigned block, unsigned bx)
{
    blockIdx = {block, 0, 0};
    if (g_stackThreads < bx)
    {
        free(g_stacks);
        g_stacks = (char*)aligned_alloc(64, bx * FiberStack);
        g_stackThreads = bx;
    }
    g_fibers.resize(bx);
    for (unsigned t = 0; t < bx; t++) startFiber(g_fibers[t], t);
    unsigned warps = (bx + 31) / 32;
    for (;;)
    {
        std::vector<unsigned> order = nextOrder(warps);
        for (unsigned w : order)
            if (!runWarp(w * 32, std::min(bx, w * 32 + 32))) return false;
        bool waiting = false;
        for (auto& f : g_fibers)
            if (f.state == At::BlockBarrier) { f.state = At::Ready; waiting = true; }
        if (!waiting) return true;
    }
}
}

void emu_barrier(bool block)
{
    if (!g_inFibers)
    {
        fprintf(stderr, "host emulation: %s: a barrier or shuffle in a kernel whose file run.sh did not mark as synchronising\n",
                g_kernel ? g_kernel->name.c_str() : "?");
        abort();
    }
    Fiber* f = g_current;
    f->state = block ? At::BlockBarrier : At::WarpBarrier;
    emu_switch(&f->sp, g_schedulerSp);
}

double* emu_shuffle_slots() { return g_slots.data() + (g_current->shuffles++ & 1) * blockDim.x; }

void registerKernel(EmulatedKernel* k) { kernels()[key(k->name, k->planted)] = k; }

// Streams. Copies from pinned host memory (cuMemHostAlloc) queued with cuMemcpyHtoDAsync are deferred, as the copy
// engine of a GPU would run them later: each waits in its stream's queue until the stream is synchronised, an event
// recorded after it on that stream is waited for (cuStreamWaitEvent, cuEventSynchronize), or an operation that runs
// at once (a kernel, another copy) is issued on the same stream; it reads the pinned buffer when it runs. So a kernel that reads an upload its stream did
// not wait for reads the allocator's 0xCD pattern, and a staging buffer refilled before its copy ran uploads the new
// bytes twice. Everything else runs when called (kernels, cuBLAS, the other copies).
struct FakeStream
{
    unsigned flags;
    std::vector<std::function<void()>> queue;   // deferred operations not yet run
    size_t ran = 0;                               // operations of the queue already run
};
struct FakeEvent { FakeStream* stream = nullptr; size_t upTo = 0; };   // the stream's operations before the record
std::mutex g_streamLock;
FakeStream g_legacyStream{0};
std::vector<FakeStream*> g_streams{&g_legacyStream};
std::map<uintptr_t, size_t> g_pinned;             // pinned allocations: address → bytes
long long g_pinnedAllocations = 0, g_deferredCopies = 0, g_streamWaits = 0;

FakeStream* stream(void* s) { return s ? (FakeStream*)s : &g_legacyStream; }

// runs the stream's deferred operations up to (not counting) operation upTo of its history
void drain(FakeStream* s, size_t upTo)
{
    while (s->ran < upTo && !s->queue.empty())
    {
        auto op = std::move(s->queue.front());
        s->queue.erase(s->queue.begin());
        s->ran++;
        op();
    }
}
void drainAll(FakeStream* s) { drain(s, s->ran + s->queue.size()); }

bool pinned(const void* p, size_t n)
{
    std::lock_guard<std::mutex> lock(g_streamLock);
    auto it = g_pinned.upper_bound((uintptr_t)p);
    if (it == g_pinned.begin()) return false;
    --it;
    return (uintptr_t)p + n <= it->first + it->second;
}

extern "C" {
// Test control: from now on launches of every kernel of kernels/<family>.cu run the copy built without the file's
// barrier-th __syncthreads(); family NULL restores the real kernels. Returns -1 when no kernel of the family has that
// copy (the file has fewer barriers).
int emu_plant_missing_barrier(const char* family, int barrier)
{
    std::lock_guard<std::mutex> lock(g_launchLock);
    g_plantedFamily = family ? family : "";
    g_plantedBarrier = barrier;
    g_plantedLaunches = 0;
    if (!family) return 0;
    for (auto& [k, v] : kernels())
        if (v->family == g_plantedFamily && v->planted == barrier) return 0;
    g_plantedFamily.clear();
    return -1;
}
// launches that ran a planted copy since the last emu_plant_missing_barrier
long long emu_planted_launches() { return g_plantedLaunches; }

typedef int CUresult;
CUresult cuInit(unsigned) { return 0; }
// CUDA 13.0 unless ALAE_EMU_DRIVER_VERSION says otherwise (read at every call, so a test can change it with setenv)
CUresult cuDriverGetVersion(int* v) { const char* e = getenv("ALAE_EMU_DRIVER_VERSION"); *v = e && *e ? atoi(e) : 13000; return 0; }
CUresult cuDeviceGetCount(int* c) { *c = 1; return 0; }
CUresult cuDeviceGet(int* d, int o) { if (o != 0) return 101; *d = 0; return 0; }
CUresult cuDeviceGetAttribute(int* v, int a, int) { *v = a == 75 ? 9 : a == 76 ? 0 : a == 16 ? 132 : 0; return 0; }
CUresult cuDeviceGetName(char* n, int len, int) { snprintf(n, len, "host emulation"); return 0; }
CUresult cuDevicePrimaryCtxRetain(void** c, int) { *c = (void*)0x1; return 0; }
CUresult cuDevicePrimaryCtxRelease_v2(int) { return 0; }
CUresult cuCtxSetCurrent(void*) { return 0; }
// the image NVRTC made is only checked to be an ELF file (a CUBIN); the host-compiled kernels stand in for it
CUresult cuModuleLoadData(void** m, const void* image) { if (memcmp(image, "\x7f" "ELF", 4) != 0) return 200; *m = (void*)0x2; return 0; }
CUresult cuModuleUnload(void*) { return 0; }
CUresult cuModuleGetFunction(void** f, void*, const char* name)
{
    auto it = kernels().find(name);
    if (it == kernels().end()) { fprintf(stderr, "emu: no kernel %s\n", name); return 500; }
    *f = it->second; return 0;
}
CUresult cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned, void* st, void** p, void**)
{
    { std::lock_guard<std::mutex> lock(g_streamLock); drainAll(stream(st)); }
    std::lock_guard<std::mutex> lock(g_launchLock);
    auto k = (EmulatedKernel*)f;
    if (gy != 1 || gz != 1 || by != 1 || bz != 1 || gx == 0 || bx == 0 || bx > 1024) return 1;   // CUDA_ERROR_INVALID_VALUE
    if (!g_plantedFamily.empty() && k->family == g_plantedFamily)
        if (auto it = kernels().find(key(k->name, g_plantedBarrier)); it != kernels().end()) { k = it->second; g_plantedLaunches++; }
    if (g_skipKernels) return 0;
    gridDim = {gx, 1, 1}; blockDim = {bx, 1, 1};
    g_kernel = k; g_params = p; g_error.clear();
    if (!k->synchronises)
    {
        bool forward = g_launches++ % 2 == 0;
        for (unsigned b = 0; b < gx; b++)
        {
            blockIdx = {forward ? b : gx - 1 - b, 0, 0};
            for (unsigned t = 0; t < bx; t++) { threadIdx = {forward ? t : bx - 1 - t, 0, 0}; k->call(p); }
        }
        return 0;
    }
    g_slots.assign(2 * bx, 0.0);
    g_inFibers = true;
    bool ok = true;
    for (unsigned b = 0; b < gx && ok; b++)
    {
        if (__start_emu_shared != __stop_emu_shared) memset(__start_emu_shared, 0xFF, __stop_emu_shared - __start_emu_shared);
        ok = runFiberBlock(b, bx);
    }
    g_inFibers = false;
    return ok ? 0 : 719;   // CUDA_ERROR_LAUNCH_FAILED, with g_error as its text
}
// new memory is filled with a pattern, so a kernel that reads what it never wrote shows it
CUresult cuMemAlloc_v2(unsigned long long* p, size_t n)
{
    *p = (unsigned long long)malloc(n);
    if (!g_skipKernels) memset((void*)*p, 0xCD, n);
    return 0;
}
CUresult cuMemFree_v2(unsigned long long p) { free((void*)p); return 0; }
CUresult cuMemGetInfo_v2(size_t* f, size_t* t) { *f = 1ull << 34; *t = 1ull << 34; return 0; }
CUresult cuMemHostAlloc(void** p, size_t n, unsigned)
{
    std::lock_guard<std::mutex> lock(g_streamLock);
    *p = aligned_alloc(4096, (n + 4095) / 4096 * 4096);
    g_pinned[(uintptr_t)*p] = n;
    g_pinnedAllocations++;
    return 0;
}
CUresult cuMemFreeHost(void* p)
{
    std::lock_guard<std::mutex> lock(g_streamLock);
    if (!g_pinned.erase((uintptr_t)p)) return 1;
    free(p);
    return 0;
}
CUresult cuMemcpyHtoD_v2(unsigned long long d, const void* s, size_t n) { memcpy((void*)d, s, n); return 0; }
CUresult cuMemcpyDtoH_v2(void* d, unsigned long long s, size_t n) { memcpy(d, (void*)s, n); return 0; }
CUresult cuMemcpyDtoD_v2(unsigned long long d, unsigned long long s, size_t n) { memcpy((void*)d, (void*)s, n); return 0; }
CUresult cuMemcpyHtoDAsync_v2(unsigned long long d, const void* s, size_t n, void* st)
{
    bool defer = pinned(s, n);
    std::lock_guard<std::mutex> lock(g_streamLock);
    if (!defer)
    {
        drainAll(stream(st));
        memcpy((void*)d, s, n);
        return 0;
    }
    stream(st)->queue.push_back([d, s, n] { memcpy((void*)d, s, n); });
    g_deferredCopies++;
    return 0;
}
CUresult cuMemcpyDtoHAsync_v2(void* d, unsigned long long s, size_t n, void* st)
{
    { std::lock_guard<std::mutex> lock(g_streamLock); drainAll(stream(st)); }
    memcpy(d, (void*)s, n);
    return 0;
}
CUresult cuMemcpyDtoDAsync_v2(unsigned long long d, unsigned long long s, size_t n, void* st)
{
    { std::lock_guard<std::mutex> lock(g_streamLock); drainAll(stream(st)); }
    memcpy((void*)d, (void*)s, n);
    return 0;
}
CUresult cuMemsetD32_v2(unsigned long long d, unsigned v, size_t n) { for (size_t i = 0; i < n; i++) ((unsigned*)d)[i] = v; return 0; }
CUresult cuMemsetD32Async(unsigned long long d, unsigned v, size_t n, void* st)
{
    { std::lock_guard<std::mutex> lock(g_streamLock); drainAll(stream(st)); }
    return cuMemsetD32_v2(d, v, n);
}
// a stream records its creation flags (emu_stream_flags), so the tests can check how the engine made it
CUresult cuStreamCreate(void** s, unsigned flags)
{
    std::lock_guard<std::mutex> lock(g_streamLock);
    g_streams.push_back(new FakeStream{flags});
    *s = g_streams.back();
    return 0;
}
CUresult cuStreamSynchronize(void* s) { std::lock_guard<std::mutex> lock(g_streamLock); drainAll(stream(s)); return 0; }
CUresult cuStreamDestroy_v2(void* s)
{
    std::lock_guard<std::mutex> lock(g_streamLock);
    drainAll(stream(s));
    g_streams.erase(std::find(g_streams.begin(), g_streams.end(), (FakeStream*)s));
    delete (FakeStream*)s;
    return 0;
}
CUresult cuCtxSynchronize()
{
    std::lock_guard<std::mutex> lock(g_streamLock);
    for (auto st : g_streams) drainAll(st);
    return 0;
}
CUresult cuStreamWaitEvent(void*, void* e, unsigned)
{
    std::lock_guard<std::mutex> lock(g_streamLock);
    auto ev = (FakeEvent*)e;
    if (ev->stream) drain(ev->stream, ev->upTo);
    g_streamWaits++;
    return 0;
}
// the flags a stream was created with
unsigned emu_stream_flags(void* s) { return ((FakeStream*)s)->flags; }
// pinned allocations made so far, those not yet freed, copies deferred so far, cuStreamWaitEvent calls so far
long long emu_pinned_allocations() { return g_pinnedAllocations; }
long long emu_pinned_live() { std::lock_guard<std::mutex> lock(g_streamLock); return (long long)g_pinned.size(); }
long long emu_deferred_copies() { return g_deferredCopies; }
long long emu_stream_waits() { return g_streamWaits; }
CUresult cuEventCreate(void** e, unsigned) { *e = new FakeEvent(); return 0; }
CUresult cuEventRecord(void* e, void* s)
{
    std::lock_guard<std::mutex> lock(g_streamLock);
    auto st = stream(s);
    *(FakeEvent*)e = FakeEvent{st, st->ran + st->queue.size()};
    return 0;
}
CUresult cuEventSynchronize(void* e)
{
    std::lock_guard<std::mutex> lock(g_streamLock);
    auto ev = (FakeEvent*)e;
    if (ev->stream) drain(ev->stream, ev->upTo);
    return 0;
}
CUresult cuEventElapsedTime(float* ms, void*, void*) { *ms = 0; return 0; }
CUresult cuEventDestroy_v2(void* e) { delete (FakeEvent*)e; return 0; }
CUresult cuGetErrorName(int e, const char** s)
{
    static char b[64];
    const char* known = e == 1 ? "CUDA_ERROR_INVALID_VALUE" : e == 200 ? "CUDA_ERROR_INVALID_IMAGE" : e == 500 ? "CUDA_ERROR_NOT_FOUND"
                      : e == 719 ? "CUDA_ERROR_LAUNCH_FAILED" : nullptr;
    if (known) { *s = known; return 0; }
    snprintf(b, 64, "EMU_ERROR_%d", e);
    *s = b;
    return 0;
}
CUresult cuGetErrorString(int e, const char** s) { *s = e == 719 && !g_error.empty() ? g_error.c_str() : "emulated error"; return 0; }
}

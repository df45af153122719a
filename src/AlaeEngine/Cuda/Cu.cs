using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlaeEngine.Cuda;

/// <summary>
/// The CUDA driver API (libcuda.so.1), only the calls the engine makes. Every function returns a CUresult (0 = success):
/// wrap calls in <see cref="Check"/>. Handles (context, module, function, stream, event) are opaque pointers (nint);
/// device pointers are 64-bit integers (ulong); size_t is nuint. The _v2 names are the exported symbols.
/// </summary>
internal static unsafe partial class Cu
{
    private const string Lib = "cuda";

    static Cu() => NativeLibraries.InstallResolver();

    internal const int AttrComputeCapabilityMajor = 75;
    internal const int AttrComputeCapabilityMinor = 76;
    internal const int AttrMultiprocessorCount = 16;
    internal const int ErrorOutOfMemory = 2;
    /// <summary>CU_STREAM_NON_BLOCKING: the stream does not synchronise with the legacy default stream (stream 0).</summary>
    internal const uint StreamNonBlocking = 1;
    /// <summary>CU_EVENT_DISABLE_TIMING: an event only for ordering (cheaper to record and wait on).</summary>
    internal const uint EventDisableTiming = 2;

    [LibraryImport(Lib, EntryPoint = "cuInit")] internal static partial int Init(uint flags);
    [LibraryImport(Lib, EntryPoint = "cuDriverGetVersion")] internal static partial int DriverGetVersion(int* version);
    [LibraryImport(Lib, EntryPoint = "cuDeviceGetCount")] internal static partial int DeviceGetCount(int* count);
    [LibraryImport(Lib, EntryPoint = "cuDeviceGet")] internal static partial int DeviceGet(int* device, int ordinal);
    [LibraryImport(Lib, EntryPoint = "cuDeviceGetAttribute")] internal static partial int DeviceGetAttribute(int* value, int attribute, int device);
    [LibraryImport(Lib, EntryPoint = "cuDeviceGetName")] internal static partial int DeviceGetName(byte* name, int length, int device);
    [LibraryImport(Lib, EntryPoint = "cuDevicePrimaryCtxRetain")] internal static partial int DevicePrimaryCtxRetain(nint* context, int device);
    [LibraryImport(Lib, EntryPoint = "cuDevicePrimaryCtxRelease_v2")] internal static partial int DevicePrimaryCtxRelease(int device);
    [LibraryImport(Lib, EntryPoint = "cuCtxSetCurrent")] internal static partial int CtxSetCurrent(nint context);
    [LibraryImport(Lib, EntryPoint = "cuCtxSynchronize")] internal static partial int CtxSynchronize();

    [LibraryImport(Lib, EntryPoint = "cuModuleLoadData")] internal static partial int ModuleLoadData(nint* module, void* image);
    [LibraryImport(Lib, EntryPoint = "cuModuleUnload")] internal static partial int ModuleUnload(nint module);
    [LibraryImport(Lib, EntryPoint = "cuModuleGetFunction")] internal static partial int ModuleGetFunction(nint* function, nint module, byte* name);
    [LibraryImport(Lib, EntryPoint = "cuLaunchKernel")]
    internal static partial int LaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, nint stream, void** kernelParams, void** extra);

    [LibraryImport(Lib, EntryPoint = "cuMemAlloc_v2")] internal static partial int MemAlloc(ulong* pointer, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemFree_v2")] internal static partial int MemFree(ulong pointer);
    [LibraryImport(Lib, EntryPoint = "cuMemGetInfo_v2")] internal static partial int MemGetInfo(nuint* free, nuint* total);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyHtoD_v2")] internal static partial int MemcpyHtoD(ulong dst, void* src, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoH_v2")] internal static partial int MemcpyDtoH(void* dst, ulong src, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoD_v2")] internal static partial int MemcpyDtoD(ulong dst, ulong src, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyHtoDAsync_v2")] internal static partial int MemcpyHtoDAsync(ulong dst, void* src, nuint bytes, nint stream);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoHAsync_v2")] internal static partial int MemcpyDtoHAsync(void* dst, ulong src, nuint bytes, nint stream);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoDAsync_v2")] internal static partial int MemcpyDtoDAsync(ulong dst, ulong src, nuint bytes, nint stream);
    [LibraryImport(Lib, EntryPoint = "cuMemHostAlloc")] internal static partial int MemHostAlloc(void** pointer, nuint bytes, uint flags);
    [LibraryImport(Lib, EntryPoint = "cuMemFreeHost")] internal static partial int MemFreeHost(void* pointer);
    [LibraryImport(Lib, EntryPoint = "cuMemsetD32_v2")] internal static partial int MemsetD32(ulong dst, uint value, nuint count);
    [LibraryImport(Lib, EntryPoint = "cuMemsetD32Async")] internal static partial int MemsetD32Async(ulong dst, uint value, nuint count, nint stream);

    [LibraryImport(Lib, EntryPoint = "cuStreamCreate")] internal static partial int StreamCreate(nint* stream, uint flags);
    [LibraryImport(Lib, EntryPoint = "cuStreamSynchronize")] internal static partial int StreamSynchronize(nint stream);
    [LibraryImport(Lib, EntryPoint = "cuStreamDestroy_v2")] internal static partial int StreamDestroy(nint stream);
    [LibraryImport(Lib, EntryPoint = "cuStreamWaitEvent")] internal static partial int StreamWaitEvent(nint stream, nint ev, uint flags);

    [LibraryImport(Lib, EntryPoint = "cuEventCreate")] internal static partial int EventCreate(nint* ev, uint flags);
    [LibraryImport(Lib, EntryPoint = "cuEventRecord")] internal static partial int EventRecord(nint ev, nint stream);
    [LibraryImport(Lib, EntryPoint = "cuEventSynchronize")] internal static partial int EventSynchronize(nint ev);
    [LibraryImport(Lib, EntryPoint = "cuEventElapsedTime")] internal static partial int EventElapsedTime(float* milliseconds, nint start, nint end);
    [LibraryImport(Lib, EntryPoint = "cuEventDestroy_v2")] internal static partial int EventDestroy(nint ev);

    [LibraryImport(Lib, EntryPoint = "cuGetErrorName")] internal static partial int GetErrorName(int error, byte** name);
    [LibraryImport(Lib, EntryPoint = "cuGetErrorString")] internal static partial int GetErrorString(int error, byte** text);

    /// <summary>Throws a <see cref="CudaException"/> naming the call and the driver's error name and text unless result is 0.</summary>
    internal static void Check(int result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != 0) throw new CudaException($"{call} failed: {Describe(result)}");
    }

    /// <summary>"CUDA_ERROR_NAME (text)" of a CUresult.</summary>
    internal static string Describe(int result)
    {
        byte* name = null, text = null;
        string n = GetErrorName(result, &name) == 0 && name != null ? Marshal.PtrToStringUTF8((nint)name)! : $"CUresult {result}";
        string t = GetErrorString(result, &text) == 0 && text != null ? Marshal.PtrToStringUTF8((nint)text)! : "unknown error";
        return $"{n} ({t})";
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlaeEngine.Cuda;

/// <summary>
/// NVRTC, the runtime CUDA C++ compiler (libnvrtc.so.13/.12/.11.2). It needs no GPU, so kernels can be compiled and
/// checked anywhere it is installed. Functions return an nvrtcResult (0 = success, 6 = compilation error).
/// </summary>
internal static unsafe partial class Nvrtc
{
    private const string Lib = "nvrtc";

    static Nvrtc() => NativeLibraries.InstallResolver();

    internal const int ErrorCompilation = 6;

    [LibraryImport(Lib, EntryPoint = "nvrtcVersion")] internal static partial int Version(int* major, int* minor);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetNumSupportedArchs")] internal static partial int GetNumSupportedArchs(int* count);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetSupportedArchs")] internal static partial int GetSupportedArchs(int* archs);
    [LibraryImport(Lib, EntryPoint = "nvrtcCreateProgram")]
    internal static partial int CreateProgram(nint* program, byte* source, byte* name, int numHeaders, byte** headers, byte** includeNames);
    [LibraryImport(Lib, EntryPoint = "nvrtcCompileProgram")] internal static partial int CompileProgram(nint program, int numOptions, byte** options);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetProgramLogSize")] internal static partial int GetProgramLogSize(nint program, nuint* size);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetProgramLog")] internal static partial int GetProgramLog(nint program, byte* log);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetCUBINSize")] internal static partial int GetCubinSize(nint program, nuint* size);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetCUBIN")] internal static partial int GetCubin(nint program, byte* cubin);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetPTXSize")] internal static partial int GetPtxSize(nint program, nuint* size);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetPTX")] internal static partial int GetPtx(nint program, byte* ptx);
    [LibraryImport(Lib, EntryPoint = "nvrtcDestroyProgram")] internal static partial int DestroyProgram(nint* program);
    [LibraryImport(Lib, EntryPoint = "nvrtcGetErrorString")] internal static partial byte* GetErrorString(int result);

    /// <summary>Throws a <see cref="CudaException"/> naming the call and NVRTC's error text unless result is 0.</summary>
    internal static void Check(int result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != 0) throw new CudaException($"{call} failed: {Describe(result)}");
    }

    internal static string Describe(int result)
    {
        byte* s = GetErrorString(result);
        return s != null ? $"{Marshal.PtrToStringUTF8((nint)s)} (nvrtcResult {result})" : $"nvrtcResult {result}";
    }
}

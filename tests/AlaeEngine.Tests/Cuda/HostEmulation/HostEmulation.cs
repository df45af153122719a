using System.Runtime.InteropServices;
using AlaeEngine.Cuda;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda.HostEmulation;

/// <summary>
/// What the tests of the emulation itself need from run.sh's build: the fake libraries of each CUDA major version, the
/// driver version the fake libcuda reports, and the kernel copies with one barrier removed. Tests that use it are
/// ignored outside run.sh (on a GPU too).
/// </summary>
internal static partial class Emulation
{
    /// <summary>The folder of cuda-library-12.so and cuda-library-13.so (fake NVRTC / cuBLAS reporting that major); ignores the test when absent.</summary>
    public static string VersionedLibraries()
    {
        string? dir = Environment.GetEnvironmentVariable("ALAE_EMU_VERSIONED_LIBS");
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
            Assert.Ignore("needs the host emulation's fake versioned libraries (tests/AlaeEngine.Tests/Cuda/HostEmulation/run.sh)");
        return dir;
    }

    /// <summary>
    /// Makes the fake driver report this cuDriverGetVersion until disposed. The fake reads ALAE_EMU_DRIVER_VERSION from
    /// the native environment (setenv), which Environment.SetEnvironmentVariable does not reach on Linux.
    /// </summary>
    public static IDisposable DriverReports(int version)
    {
        if (SetEnv("ALAE_EMU_DRIVER_VERSION", version.ToString(), 1) != 0) throw new InvalidOperationException("setenv failed");
        return new Restore(() => UnsetEnv("ALAE_EMU_DRIVER_VERSION"));
    }

    /// <summary>
    /// Until disposed, every kernel of kernels/&lt;family&gt;.cu runs as its copy without the file's barrier-th
    /// __syncthreads() (run.sh builds one per barrier). Fails the test when that copy does not exist.
    /// </summary>
    public static PlantedBarrier PlantMissingBarrier(string family, int barrier)
    {
        var planted = new PlantedBarrier(Export("emu_plant_missing_barrier"), Export("emu_planted_launches"));
        Assert.That(planted.Plant(family, barrier), Is.Zero, $"run.sh built no copy of kernels/{family}.cu without barrier {barrier}");
        return planted;
    }

    /// <summary>The flags the fake driver's cuStreamCreate was given for a stream.</summary>
    public static unsafe uint StreamFlags(nint stream) => ((delegate* unmanaged<nint, uint>)Export("emu_stream_flags"))(stream);

    /// <summary>The fake driver's counters of pinned host memory and deferred copies (fake_cuda.cpp, "Streams").</summary>
    public static unsafe (long Allocations, long Live, long DeferredCopies, long StreamWaits) Pinned() =>
        (((delegate* unmanaged<long>)Export("emu_pinned_allocations"))(), ((delegate* unmanaged<long>)Export("emu_pinned_live"))(),
         ((delegate* unmanaged<long>)Export("emu_deferred_copies"))(), ((delegate* unmanaged<long>)Export("emu_stream_waits"))());

    /// <summary>A planted missing barrier; <see cref="Launches"/> counts the launches that ran a planted copy.</summary>
    public sealed unsafe class PlantedBarrier(nint plant, nint launches) : IDisposable
    {
        public long Launches => ((delegate* unmanaged<long>)launches)();

        internal int Plant(string? family, int barrier)
        {
            var name = family == null ? null : System.Text.Encoding.UTF8.GetBytes(family + "\0");
            fixed (byte* n = name) return ((delegate* unmanaged<byte*, int, int>)plant)(n, barrier);
        }

        public void Dispose() => Plant(null, 0);
    }

    // a control function of the fake libcuda; ignores the test on any other driver
    private static nint Export(string name)
    {
        if (!NativeLibrary.TryGetExport(NativeLibraries.Load(NativeLibraries.Cuda), name, out var f))
            Assert.Ignore("needs the host emulation's libcuda (tests/AlaeEngine.Tests/Cuda/HostEmulation/run.sh)");
        return f;
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnv(string name);
}

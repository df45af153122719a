using System.Runtime.InteropServices;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda.HostEmulation;

/// <summary>
/// What the tests of the emulation itself need from run.sh's build: the fake libraries of each CUDA major version and
/// the driver version the fake libcuda reports. Tests that use it are ignored outside run.sh.
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

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnv(string name);
}

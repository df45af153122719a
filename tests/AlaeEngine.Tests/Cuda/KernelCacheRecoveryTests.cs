using AlaeEngine.Cuda;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>A kernel cache file the driver rejects is deleted, compiled again once, and reported; needs a GPU or the host emulation.</summary>
public class KernelCacheRecoveryTests : GpuParity
{
    [Test]
    public unsafe void CorruptCachedImageIsReplacedByOneFreshCompileWithAWarning()
    {
        string? savedCache = Environment.GetEnvironmentVariable("ALAE_KERNEL_CACHE");
        string cache = Directory.CreateTempSubdirectory("alae-corrupt-cache-").FullName;
        var savedError = Console.Error;
        var error = new StringWriter();
        try
        {
            Environment.SetEnvironmentVariable("ALAE_KERNEL_CACHE", cache);
            var device = Cuda.Gpu;
            var good = KernelCompiler.Compile("axis", device.Arch);
            Assert.That(good.FromCache, Is.False);
            File.WriteAllBytes(good.CacheFile, "a file cut short by a full disk"u8.ToArray());

            Console.SetError(error);
            nint module = device.LoadModule("axis");
            Console.SetError(savedError);

            Assert.That(module, Is.Not.Zero);
            Assert.That(error.ToString(), Does.Contain($"warning: the driver rejected the cached kernel image {good.CacheFile}")
                .And.Contain("compiling kernels/axis.cu again"));
            Assert.That(File.ReadAllBytes(good.CacheFile), Is.EqualTo(good.Image), "the fresh image replaced the corrupt file");
            Assert.That(Directory.GetFiles(cache), Has.Length.EqualTo(1));
            Cu.Check(Cu.ModuleUnload(module));

            // the repaired cache loads without a warning
            Console.SetError(error = new StringWriter());
            module = device.LoadModule("axis");
            Console.SetError(savedError);
            Assert.That(error.ToString(), Is.Empty);
            Cu.Check(Cu.ModuleUnload(module));
        }
        finally
        {
            Console.SetError(savedError);
            Environment.SetEnvironmentVariable("ALAE_KERNEL_CACHE", savedCache);
            Directory.Delete(cache, recursive: true);
        }
    }
}

using AlaeEngine.Cuda;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>Library search order and its error report; needs no CUDA library.</summary>
[TestFixture]
public class LibraryDiscoveryTests
{
    [Test]
    public void BogusOverrideFailsListingThePathAndWhy()
    {
        string saved = Environment.GetEnvironmentVariable("ALAE_LIBNVRTC") ?? "";
        const string bogus = "/nonexistent/alae/libnvrtc.so.99";
        // a logical name of its own, so a real NVRTC loaded by another test is not returned from the cache
        var spec = NativeLibraries.Nvrtc with { Logical = "nvrtc-override-test" };
        try
        {
            Environment.SetEnvironmentVariable("ALAE_LIBNVRTC", bogus);
            var e = Assert.Throws<CudaLibraryNotFoundException>(() => NativeLibraries.Load(spec))!;
            Assert.That(e.Tried, Has.Count.EqualTo(1));
            Assert.That(e.Tried[0], Does.StartWith(bogus).And.Contain("no such file"));
            Assert.That(e.Message, Does.Contain("ALAE_LIBNVRTC=" + bogus).And.Contain(bogus + ": no such file"));
        }
        finally { Environment.SetEnvironmentVariable("ALAE_LIBNVRTC", saved.Length > 0 ? saved : null); }
    }

    [Test]
    public void OverrideFolderIsSearchedForEachSoname()
    {
        string saved = Environment.GetEnvironmentVariable("ALAE_LIBCUBLAS") ?? "";
        string dir = Directory.CreateTempSubdirectory("alae-empty-").FullName;
        var spec = NativeLibraries.Cublas with { Logical = "cublas-folder-test" };
        try
        {
            Environment.SetEnvironmentVariable("ALAE_LIBCUBLAS", dir);
            var e = Assert.Throws<CudaLibraryNotFoundException>(() => NativeLibraries.Load(spec))!;
            Assert.That(e.Tried, Is.EqualTo(new[] { $"{dir}/libcublas.so.13: no such file", $"{dir}/libcublas.so.12: no such file" }));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ALAE_LIBCUBLAS", saved.Length > 0 ? saved : null);
            Directory.Delete(dir);
        }
    }

    [Test]
    public void SearchTriesVersionedSonamesThenToolkitFolders()
    {
        var nvrtc = NativeLibraries.Candidates(NativeLibraries.Nvrtc).Select(c => c.Path).ToList();
        Assert.That(nvrtc.Take(3), Is.EqualTo(new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2" }));
        Assert.That(nvrtc, Does.Contain("/usr/local/cuda/lib64/libnvrtc.so.13"));
        Assert.That(nvrtc, Does.Contain("/usr/lib/x86_64-linux-gnu/libnvrtc.so.11.2"));
        var cuda = NativeLibraries.Candidates(NativeLibraries.Cuda).Select(c => c.Path).ToList();
        Assert.That(cuda[0], Is.EqualTo("libcuda.so.1"));
        Assert.That(cuda, Has.None.EndsWith("libcuda.so"), "the unversioned libcuda.so is the link-time stub");
        var cublas = NativeLibraries.Candidates(NativeLibraries.Cublas).Select(c => c.Path).ToList();
        Assert.That(cublas.Take(2), Is.EqualTo(new[] { "libcublas.so.13", "libcublas.so.12" }));
    }

    [Test]
    public void IsAvailableNeverThrowsAndSaysWhyNot()
    {
        bool ok = CudaBackend.IsAvailable(out string why);
        TestContext.Out.WriteLine(ok ? "CUDA available" : "CUDA not available: " + why);
        if (!ok) Assert.That(why, Is.Not.Empty);
    }
}

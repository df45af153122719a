using AlaeEngine.Cuda;
using AlaeEngine.Tests.Cuda.HostEmulation;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// Library search order and its error report (needs no CUDA library), and the choice of NVRTC and cuBLAS by the driver's
/// version (needs the host emulation: its fake driver reports the version a test asks for, and fake libraries of CUDA
/// 12 and 13 answer the version queries).
/// </summary>
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

    [TestCase(12040, 12)]
    [TestCase(13000, 13)]
    public void DriverVersionChoosesTheNewestLibraryItSupports(int driver, int expected)
    {
        string dir = FolderWith(("libnvrtc.so.13", 13), ("libnvrtc.so.12", 12), ("libcublas.so.13", 13), ("libcublas.so.12", 12));
        using var _ = Emulation.DriverReports(driver);
        RequireFakeDriver(driver);
        foreach (var spec in new[] { NativeLibraries.Nvrtc, NativeLibraries.Cublas })
        {
            var test = spec with { Logical = $"{spec.Logical}-driver-{driver}" };
            string library = test.Sonames[0].Split(".so.")[0];
            var choice = WithOverride(test, dir, () => { NativeLibraries.Load(test); return NativeLibraries.Chosen(test.Logical)!; });
            Assert.That(choice.Path, Is.EqualTo($"{dir}/{library}.so.{expected}"), $"{library} with driver {driver}");
            if (expected == 13) Assert.That(choice.Skipped, Is.Empty);
            else
            {
                Assert.That(choice.Skipped, Is.EqualTo(new[] { $"{dir}/{library}.so.13 (it is CUDA 13, the driver supports CUDA 12.4 and older (cuDriverGetVersion 12040))" }));
                Assert.That(NativeLibraries.Describe(test).Single(), Does.Contain($"skipped {dir}/{library}.so.13 (it is CUDA 13"), "the line alae selftest prints");
            }
        }
    }

    [Test]
    public void LibraryReportingANewerVersionThanItsNameIsSkippedAfterLoading()
    {
        // a libcublas.so.12 that is really cuBLAS 13 (a mislabelled copy or link): its own answer decides
        string dir = FolderWith(("libcublas.so.13", 13), ("libcublas.so.12", 13));
        using var _ = Emulation.DriverReports(12040);
        RequireFakeDriver(12040);
        var test = NativeLibraries.Cublas with { Logical = "cublas-mislabelled" };
        var e = Assert.Throws<CudaLibraryNotFoundException>(() => WithOverride(test, dir, () => NativeLibraries.Load(test)))!;
        Assert.That(e.Tried, Is.EqualTo(new[]
        {
            $"{dir}/libcublas.so.13: skipped, it is CUDA 13, the driver supports CUDA 12.4 and older (cuDriverGetVersion 12040)",
            $"{dir}/libcublas.so.12: skipped, it is CUDA 13, the driver supports CUDA 12.4 and older (cuDriverGetVersion 12040)",
        }));
        Assert.That(e.Message, Does.Contain("the driver supports CUDA 12.4 and older"));
    }

    [Test]
    public void OverrideFileTooNewForTheDriverFailsSayingWhy()
    {
        string dir = FolderWith(("libnvrtc.so.13", 13));
        using var _ = Emulation.DriverReports(12040);
        RequireFakeDriver(12040);
        var test = NativeLibraries.Nvrtc with { Logical = "nvrtc-override-too-new" };
        var e = Assert.Throws<CudaLibraryNotFoundException>(() => WithOverride(test, $"{dir}/libnvrtc.so.13", () => NativeLibraries.Load(test)))!;
        Assert.That(e.Message, Does.Contain($"ALAE_LIBNVRTC={dir}/libnvrtc.so.13 is set")
            .And.Contain($"{dir}/libnvrtc.so.13: skipped, it is CUDA 13, the driver supports CUDA 12.4 and older"));
    }

    [TestCase("libcublas.so.13", 13)]
    [TestCase("libnvrtc.so.11.2", 11)]
    [TestCase("libcublas-emulated.so", null)]
    public void SonameGivesTheMajorVersion(string soname, int? major) => Assert.That(NativeLibraries.SonameMajor(soname), Is.EqualTo(major));

    // a temp folder holding copies of the fake library of the given major under the given names
    private static string FolderWith(params (string Name, int Major)[] files)
    {
        string fakes = Emulation.VersionedLibraries();
        string dir = Directory.CreateTempSubdirectory("alae-versioned-").FullName;
        foreach (var (name, major) in files) File.Copy(Path.Combine(fakes, $"cuda-library-{major}.so"), Path.Combine(dir, name));
        return dir;
    }

    private static void RequireFakeDriver(int version)
    {
        if (NativeLibraries.DriverVersion() != version) Assert.Ignore("needs the host emulation's libcuda (run.sh), which reports the driver version a test sets");
    }

    private static T WithOverride<T>(NativeLibraries.Spec spec, string value, Func<T> body)
    {
        string? saved = Environment.GetEnvironmentVariable(spec.EnvVar);
        Environment.SetEnvironmentVariable(spec.EnvVar, value);
        try { return body(); }
        finally { Environment.SetEnvironmentVariable(spec.EnvVar, saved); }
    }

    [Test]
    public void IsAvailableNeverThrowsAndSaysWhyNot()
    {
        bool ok = CudaBackend.IsAvailable(out string why);
        TestContext.Out.WriteLine(ok ? "CUDA available" : "CUDA not available: " + why);
        if (!ok) Assert.That(why, Is.Not.Empty);
    }
}

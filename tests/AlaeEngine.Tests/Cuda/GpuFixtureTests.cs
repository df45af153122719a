using AlaeEngine.Tests.Data;
using NUnit.Framework;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;
using NUnit.Framework.Internal.Builders;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// Without a GPU a GPU fixture is one skipped entry saying how many tests it stands for, and the library search is
/// given in full once, then as one line (the test output was ~7,000 lines, one 20-line block per GPU test).
/// </summary>
public class GpuFixtureTests
{
    private const string Search = "could not load the CUDA library 'cuda' (set ALAE_LIBCUDA to the library file to choose one); tried:\n" +
                                  "  libcuda.so.1: cannot open shared object file\n  /usr/local/cuda/lib64/libcuda.so.1: no such file";

    [Test]
    public void AFixtureWithoutItsDeviceIsOneSkippedEntryCountingItsTests()
    {
        var fixture = new NUnitTestFixtureBuilder().BuildFrom(new TypeWrapper(typeof(GpuElementwiseParityTests)), GpuFixtureAttribute.EveryMethod.Instance);
        int tests = fixture.TestCaseCount;
        Assert.That(tests, Is.GreaterThan(20), "the fixture's parameterised GPU tests");

        GpuFixtureAttribute.Collapse(fixture, "no CUDA device: none here");

        Assert.That(fixture.TestCaseCount, Is.EqualTo(1));
        var entry = (Test)fixture.Tests.Single();
        Assert.That(entry.Name, Is.EqualTo($"GpuElementwiseParityTests: {tests} tests need a CUDA device"));
        Assert.That(entry.FullName, Does.StartWith("AlaeEngine.Tests.Cuda.GpuElementwiseParityTests."), "--filter FullyQualifiedName~Cuda still selects it");
        Assert.That(entry.RunState, Is.EqualTo(RunState.Ignored));
        Assert.That(entry.Properties.Get(PropertyNames.SkipReason), Is.EqualTo("no CUDA device: none here"));
        Assert.That(fixture.RunState, Is.EqualTo(RunState.Ignored), "its one-time set-up (starting the device) does not run");
    }

    [Test]
    public void TheLibrarySearchIsGivenInFullOnceThenInOneLine()
    {
        Assert.That(GpuFixtureAttribute.Reason(Search, fullSearch: true), Is.EqualTo("no CUDA device: " + Search));
        Assert.That(GpuFixtureAttribute.Reason(Search, fullSearch: false),
            Is.EqualTo("no CUDA device: could not load the CUDA library 'cuda' (set ALAE_LIBCUDA to the library file to choose one)"));
    }

    [Test]
    public void GpuTestsAreMarkedWithTheAttributeNotIgnoredOneByOne()
    {
        // a fixture that ignores each test itself without a GPU brings back one 6-line block per test in `dotnet test`
        var tests = Path.Combine(DataIoPaths.RepoRoot, "tests");
        var offenders = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.EndsWith(nameof(GpuFixtureTests) + ".cs"))
            .Where(f => File.ReadAllText(f).Contains("Assert.Ignore($\"no CUDA device"))
            .Select(f => Path.GetRelativePath(tests, f)).ToList();
        Assert.That(offenders, Is.Empty, "mark the fixture [GpuFixture] instead of Assert.Ignore in each test or set-up");
    }
}

using System.Reflection;
using AlaeEngine.Cuda;
using NUnit.Framework;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;
using NUnit.Framework.Internal.Builders;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// Marks a fixture whose tests need a CUDA device. With one it is built as NUnit's [TestFixture] would. Without one its
/// tests are replaced by a single skipped entry, "&lt;fixture&gt;: N tests need a CUDA device", so a machine without a GPU
/// reports a handful of skipped entries instead of one block per GPU test (391 of them, each repeating the library
/// search). The first such entry of a run gives the full library search; the others its first line.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class GpuFixtureAttribute : NUnitAttribute, IFixtureBuilder2
{
    private static readonly Lazy<string?> MissingDevice = new(() => CudaBackend.IsAvailable(out string why) ? null : why);
    private static int _searchReported;

    public IEnumerable<TestSuite> BuildFrom(ITypeInfo typeInfo) => BuildFrom(typeInfo, EveryMethod.Instance);

    public IEnumerable<TestSuite> BuildFrom(ITypeInfo typeInfo, IPreFilter filter)
    {
        var fixture = new NUnitTestFixtureBuilder().BuildFrom(typeInfo, filter);
        if (MissingDevice.Value is { } why)
            Collapse(fixture, Reason(why, fullSearch: Interlocked.Exchange(ref _searchReported, 1) == 0));
        yield return fixture;
    }

    /// <summary>"no CUDA device: …", with the loader's whole search (one line per path tried) or only its first line.</summary>
    internal static string Reason(string why, bool fullSearch)
        => "no CUDA device: " + (fullSearch ? why : CudaBackend.Briefly(why));

    /// <summary>Replaces the fixture's tests by one skipped test that says how many there are and why they cannot run.</summary>
    internal static void Collapse(TestSuite fixture, string reason)
    {
        int count = fixture.TestCaseCount;
        if (count == 0) return;
        var method = fixture.Tests[0].Method!;
        fixture.Tests.Clear();
        var entry = new TestMethod(method, fixture)
        {
            Name = $"{fixture.Name}: {count} tests need a CUDA device",
            RunState = RunState.Ignored,
        };
        entry.FullName = $"{fixture.FullName}.{entry.Name}";
        entry.Properties.Set(PropertyNames.SkipReason, reason);
        fixture.Add(entry);
        // an ignored fixture does not run its one-time set-up (which would start the device)
        fixture.RunState = RunState.Ignored;
        fixture.Properties.Set(PropertyNames.SkipReason, reason);
    }

    internal sealed class EveryMethod : IPreFilter
    {
        public static readonly EveryMethod Instance = new();
        public bool IsMatch(Type type) => true;
        public bool IsMatch(Type type, MethodInfo method) => true;
    }
}

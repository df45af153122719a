using AlaeEngine.Cuda;
using AlaeEngine.Tests.Cuda;
using AlaeEngine.Tensors;
using AlaeEngine.Verification;
using NUnit.Framework;

namespace AlaeEngine.Tests.Verification;

/// <summary>
/// `alae selftest` as tests: every op case on CUDA float32 against CPU float32, forward, backward and second order.
/// One skipped entry without a GPU (<see cref="GpuFixtureAttribute"/>); the name matches HostEmulation/run.sh's filter
/// ("Cuda"), so the emulated driver runs it too.
/// </summary>
[GpuFixture]
public class CudaParityCheckTests
{
    private static IEnumerable<TestCaseData> Cases() => OpCases.All.Select(c => new TestCaseData(c).SetName($"CudaAgainstCpu {c}"));

    [OneTimeSetUp]
    public void StartGpu()
    {
        CudaBackend.Start();
    }

    [TestCaseSource(nameof(Cases))]
    public void CudaFloat32MatchesCpuFloat32(OpCase c)
    {
        var results = ParityCheck.Run(c, new ParitySide(Device.Cpu, DType.Float32), new ParitySide(Device.Cuda(0), DType.Float32), ParityCheck.Tolerance(c));
        foreach (var r in results)
            Assert.That(r.Passed, $"{c} {r.Check}: {r.Worst} max error {r.MaxError:E2} > {r.Tolerance:E0}");
    }
}

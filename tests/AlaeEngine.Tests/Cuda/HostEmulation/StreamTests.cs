using AlaeEngine.Cuda;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda.HostEmulation;

/// <summary>How the engine creates its streams, as the fake driver saw it. Runs only under run.sh.</summary>
public class StreamTests : GpuParity
{
    [Test]
    public void ComputeStreamDoesNotSynchroniseWithTheLegacyDefaultStream()
    {
        Assert.That(Emulation.StreamFlags(Cuda.Gpu.Stream), Is.EqualTo(Cu.StreamNonBlocking));
    }
}

using AlaeEngine.Cuda;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cli;

/// <summary>`alae selftest` keeps --device cuda as its default; on a machine without a GPU it says so in one line.</summary>
public class SelfTestCommandTests
{
    [Test]
    public void WithoutAGpuItSaysSoInOneLineAndHowToCheckTheCpu()
    {
        if (CudaBackend.IsAvailable(out _)) Assert.Ignore("needs a machine without a GPU");
        var r = AlaeCli.Run("selftest");
        Assert.That(r.ExitCode, Is.EqualTo(3));
        Assert.That(r.Out, Is.Empty);
        var lines = r.Error.TrimEnd().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(1), r.Error);
        Assert.That(lines[0], Does.StartWith("alae selftest: no GPU found for --device cuda (").And.Contain("`alae selftest --device cpu` checks the CPU").And.Contain("--verbose"));

        var verbose = AlaeCli.Run("selftest", "--verbose");
        Assert.That(verbose.ExitCode, Is.EqualTo(3));
        Assert.That(verbose.Error, Does.Contain("tried:"), "the library search, one line per path");
        Assert.That(verbose.Error.TrimEnd().Split('\n'), Has.Length.GreaterThan(2));
    }
}

using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Training;

/// <summary>
/// <see cref="RunFolder"/> in one process (the lock is per open file, so a second claim from the same process is
/// refused as one from another process is; Cli/TrainCommandTests runs two `alae` processes and a kill).
/// </summary>
public class RunFolderTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-runfolder-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void AClaimedFolderIsRefusedToASecondClaimNamingTheHolderAndFreedByDispose()
    {
        var run = Path.Combine(_dir, "run");
        using (RunFolder.Claim(run))
        {
            var e = Assert.Throws<IOException>(() => RunFolder.Claim(run));
            Assert.That(e!.Message, Does.Contain($"{run} is in use by another run (pid {Environment.ProcessId} on {Environment.MachineName}, since "));
        }
        Assert.That(File.Exists(Path.Combine(run, RunFolder.OwnerFile)), Is.False);
        using var again = RunFolder.Claim(run);
        Assert.That(again.FullPath, Is.EqualTo(run));
    }
}

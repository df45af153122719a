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

    [Test]
    public void StaleTemporaryFilesOfAtomicWritesAreRemovedAndNothingElse()
    {
        var run = Path.Combine(_dir, "run");
        Directory.CreateDirectory(Path.Combine(run, "checkpoints"));
        Directory.CreateDirectory(Path.Combine(run, "cache"));
        var stale = new[] { "checkpoints/.step-0000004.safetensors.0123456789abcdef0123456789abcdef.tmp", "cache/.a1b2.alaecache.fedcba9876543210fedcba9876543210.tmp" };
        var kept = new[] { "checkpoints/step-0000002.json", ".notes.tmp", "checkpoints/.step-1.json.0123.tmp", "mine.0123456789abcdef0123456789abcdef.tmp" };
        foreach (var f in stale.Concat(kept)) File.WriteAllText(Path.Combine(run, f), "12345");
        using var folder = RunFolder.Claim(run);
        var (files, bytes) = folder.RemoveStaleTemporaryFiles();
        Assert.That(files.Select(f => f.Replace('\\', '/')).Order(), Is.EqualTo(stale.Order()));
        Assert.That(bytes, Is.EqualTo(10));
        Assert.That(stale.Select(f => File.Exists(Path.Combine(run, f))), Is.All.False);
        Assert.That(kept.Select(f => File.Exists(Path.Combine(run, f))), Is.All.True, "only names of the atomic writer's form");
    }
}

using AlaeEngine.IO;
using AlaeEngine.Tests.Data;
using NUnit.Framework;

namespace AlaeEngine.Tests.IO;

public class AtomicFileTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = DataIoPaths.NewTempDir();
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void WritesNewFileAndReplacesExistingOne()
    {
        var p = Path.Combine(_dir, "sub", "a.bin");
        AtomicFile.WriteAllBytes(p, [1, 2, 3]);
        Assert.That(File.ReadAllBytes(p), Is.EqualTo(new byte[] { 1, 2, 3 }));
        AtomicFile.WriteAllText(p, "hé");
        Assert.That(File.ReadAllBytes(p), Is.EqualTo(new byte[] { (byte)'h', 0xC3, 0xA9 }));
        Assert.That(Directory.GetFiles(Path.Combine(_dir, "sub")), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    public void FailedWriteKeepsPreviousContentAndLeavesNoTemporaryFile()
    {
        var p = Path.Combine(_dir, "a.bin");
        File.WriteAllBytes(p, [9, 9]);
        Assert.Throws<IOException>(() => AtomicFile.Write(p, s =>
        {
            s.Write(new byte[] { 1, 2, 3, 4 });
            throw new IOException("simulated crash mid-write");
        }));
        Assert.That(File.ReadAllBytes(p), Is.EqualTo(new byte[] { 9, 9 }));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { p }));
    }
}

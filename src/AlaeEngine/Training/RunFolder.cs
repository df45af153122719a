namespace AlaeEngine.Training;

/// <summary>
/// A run folder claimed by one run, so two runs never write into one folder. The claim is an operating-system lock on
/// <c>.alae-run.lock</c> in the folder (flock on Linux and macOS, a share lock on Windows): the system releases it
/// when the process ends in any way, a crash or SIGKILL included, so a lock left by a dead run never blocks the next
/// one. While the lock is held, <c>.alae-run.owner</c> says who holds it (pid, host, start time) for the message
/// another run gets. The lock file itself stays (deleting it could let two runs lock two different files).
/// </summary>
public sealed class RunFolder : IDisposable
{
    public const string LockFile = ".alae-run.lock";
    public const string OwnerFile = ".alae-run.owner";

    private readonly FileStream _lock;

    private RunFolder(string path, FileStream lockStream)
    {
        FullPath = path;
        _lock = lockStream;
    }

    /// <summary>The folder's full path.</summary>
    public string FullPath { get; }

    /// <summary>
    /// Creates the folder if needed and locks it; an <see cref="IOException"/> naming the holder when another live
    /// process holds it.
    /// </summary>
    public static RunFolder Claim(string dir)
    {
        var full = Path.GetFullPath(dir);
        Directory.CreateDirectory(full);
        FileStream stream;
        try
        {
            stream = new FileStream(Path.Combine(full, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"{full} is in use by another run ({Holder(full)}); two runs never share a run folder: " +
                                  "wait for that run to end, or give another run folder", e);
        }
        var owner = Path.Combine(full, OwnerFile);
        IO.AtomicFile.WriteAllText(owner, $"pid {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n");
        return new RunFolder(full, stream);
    }

    private static string Holder(string dir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, OwnerFile)).Trim();
        }
        catch (IOException)
        {
            return "its owner note is not readable";
        }
    }

    /// <summary>Releases the lock (the owner note goes first, while the lock still guards it).</summary>
    public void Dispose()
    {
        File.Delete(Path.Combine(FullPath, OwnerFile));
        _lock.Dispose();
    }
}

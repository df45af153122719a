namespace AlaeEngine.Training;

/// <summary>
/// A run folder claimed by one run, so two runs never write into one folder. The claim is an operating-system lock on
/// <c>.alae-run.lock</c> in the folder (flock on Linux and macOS, a share lock on Windows): the system releases it
/// when the process ends in any way, a crash or SIGKILL included, so a lock left by a dead run never blocks the next
/// one. While the lock is held, <c>.alae-run.owner</c> says who holds it (pid, host, start time) for the message
/// another run gets. The lock file itself stays (deleting it could let two runs lock two different files).
/// <para>
/// A folder holds a run when it has any of <see cref="RunEntries"/>; a new run never starts in such a folder (two
/// runs' checkpoints and metrics would mix): <see cref="MoveRunAside"/> moves the old run's entries out first.
/// Temporary files that a killed write left in the folder are removed once it is claimed
/// (<see cref="RemoveStaleTemporaryFiles"/>): under the lock no live run of this folder can be writing them.
/// </para>
/// </summary>
public sealed class RunFolder : IDisposable
{
    public const string LockFile = ".alae-run.lock";
    public const string OwnerFile = ".alae-run.owner";

    /// <summary>What a run writes into its folder (the image cache, a run's data rather than its results, is not among them).</summary>
    public static IReadOnlyList<string> RunEntries { get; } = [Checkpoint.Folder, SampleGrid.Folder, RunMetrics.FileName, RunMetrics.PlotName];

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

    /// <summary>The <see cref="RunEntries"/> present: an earlier run's results (empty for a fresh folder).</summary>
    public IReadOnlyList<string> RunFiles => RunEntries.Where(e => Path.Exists(Path.Combine(FullPath, e))).ToList();

    /// <summary>
    /// Moves the earlier run's entries (<see cref="RunFiles"/>) into a new sibling folder "&lt;folder&gt;.old-&lt;UTC time&gt;"
    /// and returns its path; what is not the run's (the image cache, other files) stays.
    /// </summary>
    public string MoveRunAside()
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        var aside = $"{FullPath}.old-{stamp}";
        for (int n = 2; Path.Exists(aside); n++) aside = $"{FullPath}.old-{stamp}-{n}";
        Directory.CreateDirectory(aside);
        foreach (var entry in RunFiles)
        {
            string from = Path.Combine(FullPath, entry), to = Path.Combine(aside, entry);
            if (Directory.Exists(from)) Directory.Move(from, to);
            else File.Move(from, to);
        }
        return aside;
    }

    /// <summary>
    /// Deletes the temporary files of interrupted atomic writes (<see cref="IO.AtomicFile.IsTemporary"/>) anywhere in
    /// the folder (checkpoints, grids, the plot, the image cache under it) and returns their paths relative to the
    /// folder and their total size.
    /// </summary>
    public (IReadOnlyList<string> Files, long Bytes) RemoveStaleTemporaryFiles()
    {
        var removed = new List<string>();
        long bytes = 0;
        foreach (var file in Directory.EnumerateFiles(FullPath, ".*.tmp", SearchOption.AllDirectories))
        {
            if (!IO.AtomicFile.IsTemporary(Path.GetFileName(file))) continue;
            bytes += new FileInfo(file).Length;
            File.Delete(file);
            removed.Add(Path.GetRelativePath(FullPath, file));
        }
        return (removed, bytes);
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

using System.Text.RegularExpressions;

namespace AlaeEngine.IO;

/// <summary>
/// Replaces a file in one step: the content goes to a temporary file in the same folder (so the rename stays on one
/// file system), is flushed to disk, and is then renamed over the target. A crash or an exception while writing
/// leaves the previous file (or none) in place, never a half-written one; checkpoints and images rely on this. A process
/// killed while writing leaves its hidden temporary file behind (<see cref="IsTemporary"/> recognises one; a run removes
/// those of its folder when it starts, see Training/RunFolder).
/// </summary>
public static partial class AtomicFile
{
    /// <summary>
    /// For tests of a kill inside a write: when this environment variable is set, a write whose target's file name
    /// contains its value stops after its temporary file is written and flushed, says so on standard error and waits
    /// for ever (until the test kills the process).
    /// </summary>
    public const string PauseVariable = "ALAE_TEST_PAUSE_ATOMIC_WRITE";

    private static readonly string? PauseOn = Environment.GetEnvironmentVariable(PauseVariable) is { Length: > 0 } v ? v : null;

    /// <summary>Writes the file through <paramref name="write"/>, which gets a stream positioned at the start of an empty file.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        // Hidden, unique name: concurrent writers of the same target never share a temporary file.
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
                if (PauseOn != null && Path.GetFileName(full).Contains(PauseOn, StringComparison.Ordinal))
                {
                    Console.Error.WriteLine($"{PauseVariable}: paused before renaming {tmp}");
                    Thread.Sleep(Timeout.Infinite);
                }
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>Whether <paramref name="fileName"/> has the form of <see cref="Write"/>'s temporary files: ".&lt;target&gt;.&lt;32 hex digits&gt;.tmp".</summary>
    public static bool IsTemporary(string fileName) => TemporaryName().IsMatch(fileName);

    [GeneratedRegex("^\\..+\\.[0-9a-f]{32}\\.tmp$")]
    private static partial Regex TemporaryName();

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    public static void WriteAllText(string path, string text) => Write(path, s =>
    {
        using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true);
        w.Write(text);
    });
}

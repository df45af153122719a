namespace AlaeEngine.IO;

/// <summary>
/// Replaces a file in one step: the content goes to a temporary file in the same folder (so the rename stays on one
/// file system), is flushed to disk, and is then renamed over the target. A crash or an exception while writing
/// leaves the previous file (or none) in place, never a half-written one; checkpoints and images rely on this.
/// </summary>
public static class AtomicFile
{
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
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    public static void WriteAllText(string path, string text) => Write(path, s =>
    {
        using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true);
        w.Write(text);
    });
}

namespace AlaeEngine.Data;

/// <summary>
/// A data or checkpoint file that cannot be used: missing, truncated, or not in the format it claims.
/// The message always starts with the file's path so a failed run says which file to fix.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file (or folder) that was being read.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string Problem { get; }
}

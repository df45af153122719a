namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The bundled data sets that are the commands' defaults (data/mnist, data/faces128-sample), found from wherever `alae`
/// is run: relative to the working directory when they are there (the repository root), else in the nearest folder
/// above the program that holds them (the repository for a build under src/AlaeEngine.Cli/bin, the bundle's folder for
/// its alae/alae).
/// </summary>
internal static class DataPaths
{
    public static string Default(string relative)
    {
        if (Directory.Exists(relative)) return relative;
        // the file system's root is left out: a /data/mnist there is not the bundled sample
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir?.Parent != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate)) return candidate;
        }
        return relative; // found nowhere: the data readers' error names the path as the user knows it
    }
}

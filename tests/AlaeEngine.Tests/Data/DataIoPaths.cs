using NUnit.Framework;
namespace AlaeEngine.Tests.Data;

/// <summary>Locations the tests need: the repository's bundled data and a fresh temporary folder per test.</summary>
internal static class DataIoPaths
{
    /// <summary>The repository root, found by walking up from the test binary to the folder holding AlaeEngine.sln.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "AlaeEngine.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("AlaeEngine.sln not found above the test directory");
        }
    }

    /// <summary>A new empty folder under the system temp folder; the caller deletes it.</summary>
    public static string NewTempDir()
    {
        var p = Path.Combine(Path.GetTempPath(), "alae-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(p);
        return p;
    }
}

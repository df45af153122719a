using System.Reflection;
using System.Runtime.InteropServices;

namespace AlaeEngine.Cuda;

/// <summary>
/// Finds libcuda, libnvrtc and libcublas and maps the logical names of the bindings ("cuda", "nvrtc", "cublas") to them.
/// Order: the override variable (ALAE_LIBCUDA, ALAE_LIBNVRTC, ALAE_LIBCUBLAS: a file, or a folder to look in; when set it
/// is the only place tried, so a wrong override fails loudly), then each versioned soname through the dynamic loader
/// (LD_LIBRARY_PATH, ld.so cache: Debian's libnvrtc.so.11.2 is found this way), then the same names in $CUDA_PATH,
/// $CUDA_HOME, /usr/local/cuda, the driver folders and Python's site-packages/nvidia/*/lib.
/// Never the unversioned libcuda.so: that is a link-time stub that fails at run time.
/// NVRTC and cuBLAS must not be of a newer CUDA major version than the driver (cuDriverGetVersion): a CUDA 12 driver
/// cannot create a cuBLAS 13 handle or load an NVRTC 13 CUBIN. A candidate whose soname says so is skipped unloaded;
/// one that loads is asked its own version (nvrtcVersion, cublasGetProperty) and dropped when that is too new. Every
/// skip is kept with its reason: the not-found error lists them, and <see cref="Describe"/> (alae selftest's header)
/// names the skipped files and the library chosen.
/// </summary>
internal static class NativeLibraries
{
    /// <param name="Sonames">newest first</param>
    /// <param name="Dependency">given a soname, the file pattern to load first from the same folder (the loader would not find it there)</param>
    /// <param name="PipFolders">site-packages/nvidia/&lt;folder&gt;/lib of the pip wheels (CUDA 13 wheels share "cu13")</param>
    /// <param name="ReportedMajor">the CUDA major version a loaded library reports (null when it cannot say); null for
    /// the driver itself, which sets the limit rather than obeying it</param>
    internal sealed record Spec(string Logical, string EnvVar, string[] Sonames, Func<string, string?> Dependency, string[] PipFolders,
        Func<nint, int?>? ReportedMajor = null);

    internal static readonly Spec Cuda = new("cuda", "ALAE_LIBCUDA", ["libcuda.so.1"], _ => null, []);
    internal static readonly Spec Nvrtc = new("nvrtc", "ALAE_LIBNVRTC", ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"],
        _ => "libnvrtc-builtins.so.*", ["cu13", "cuda_nvrtc"], NvrtcMajor);
    internal static readonly Spec Cublas = new("cublas", "ALAE_LIBCUBLAS", ["libcublas.so.13", "libcublas.so.12"],
        soname => soname.Replace("libcublas", "libcublasLt"), ["cu13", "cublas"], CublasMajor);

    /// <summary>What the search settled on for one library: the file, and the files it passed over because they were too new.</summary>
    internal sealed record Choice(string Logical, string Path, IReadOnlyList<string> Skipped);

    private static readonly Dictionary<string, Choice> _choices = new();
    private static readonly Dictionary<string, nint> _loaded = new();
    private static bool _resolverInstalled;

    /// <summary>Routes the bindings' [LibraryImport("cuda" | "nvrtc" | "cublas")] to <see cref="Load"/>; idempotent.</summary>
    internal static void InstallResolver()
    {
        lock (_loaded)
        {
            if (_resolverInstalled) return;
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
            _resolverInstalled = true;
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path) => name switch
    {
        "cuda" => Load(Cuda),
        "nvrtc" => Load(Nvrtc),
        "cublas" => Load(Cublas),
        _ => 0,
    };

    /// <summary>The library's handle; throws <see cref="CudaLibraryNotFoundException"/> listing every attempt.</summary>
    internal static nint Load(Spec spec)
    {
        lock (_loaded)
        {
            if (_loaded.TryGetValue(spec.Logical, out var h)) return h;
            int? driver = spec.ReportedMajor == null ? null : DriverVersion();
            var tried = new List<string>();
            var skipped = new List<string>();
            string? over = Environment.GetEnvironmentVariable(spec.EnvVar);
            var candidates = string.IsNullOrEmpty(over) ? Candidates(spec) : OverrideCandidates(over, spec);
            foreach (var (path, soname) in candidates)
            {
                bool absolute = path.Contains('/');
                if ((!absolute || File.Exists(path)) && TooNew(SonameMajor(soname), driver) is { } unloaded)
                {
                    tried.Add($"{path}: skipped, {unloaded}");
                    if (absolute) skipped.Add($"{path} ({unloaded})");
                    continue;
                }
                if (!TryLoad(path, soname, spec, out h, out var why)) { tried.Add($"{path}: {why}"); continue; }
                if (TooNew(spec.ReportedMajor?.Invoke(h), driver) is { } loaded)
                {
                    NativeLibrary.Free(h);
                    tried.Add($"{path}: skipped, {loaded}");
                    skipped.Add($"{path} ({loaded})");
                    continue;
                }
                _loaded[spec.Logical] = h;
                _choices[spec.Logical] = new Choice(spec.Logical, path, skipped);
                return h;
            }
            string hint = string.IsNullOrEmpty(over)
                ? $"set {spec.EnvVar} to the library file to choose one"
                : $"{spec.EnvVar}={over} is set, so only it was tried";
            if (driver is { } d) hint += $"; the driver supports CUDA {VersionText(d)} and older";
            throw new CudaLibraryNotFoundException(spec.Logical, tried, hint);
        }
    }

    /// <summary>The file chosen for a logical name, and what was skipped on the way; null before it is loaded.</summary>
    internal static Choice? Chosen(string logical)
    {
        lock (_loaded) return _choices.GetValueOrDefault(logical);
    }

    /// <summary>cuDriverGetVersion, e.g. 12040 for CUDA 12.4; null without a loadable driver (then nothing is skipped).</summary>
    internal static unsafe int? DriverVersion()
    {
        try { Load(Cuda); }
        catch (CudaLibraryNotFoundException) { return null; }
        int v;
        return Cu.DriverGetVersion(&v) == 0 && v > 0 ? v : null;
    }

    /// <summary>
    /// One line per loaded library, driver first, e.g. "nvrtc: libnvrtc.so.12; skipped /usr/local/cuda/lib64/libnvrtc.so.13
    /// (it is CUDA 13, the driver supports CUDA 12.4 and older (cuDriverGetVersion 12040))".
    /// </summary>
    internal static IReadOnlyList<string> Describe(params Spec[] specs)
    {
        lock (_loaded)
        {
            var lines = new List<string>();
            foreach (var spec in specs.Length > 0 ? specs : [Cuda, Nvrtc, Cublas])
            {
                if (!_choices.TryGetValue(spec.Logical, out var c)) continue;
                string line = $"{c.Logical}: {c.Path}";
                if (spec == Cuda && DriverVersion() is { } d) line += $" (driver API {VersionText(d)})";
                if (c.Skipped.Count > 0) line += "; skipped " + string.Join(", ", c.Skipped);
                lines.Add(line);
            }
            return lines;
        }
    }

    // why a library of this CUDA major cannot be used with this driver, or null when it can (or either is unknown)
    private static string? TooNew(int? major, int? driver)
        => major is { } m && driver is { } d && m > d / 1000
            ? $"it is CUDA {m}, the driver supports CUDA {VersionText(d)} and older (cuDriverGetVersion {d})"
            : null;

    private static string VersionText(int v) => $"{v / 1000}.{v % 1000 / 10}";

    // "libcublas.so.13" → 13, "libnvrtc.so.11.2" → 11; null for a file name without a version
    internal static int? SonameMajor(string soname)
    {
        int at = soname.IndexOf(".so.", StringComparison.Ordinal);
        if (at < 0) return null;
        var digits = soname[(at + 4)..].TakeWhile(char.IsAsciiDigit).ToArray();
        return digits.Length > 0 ? int.Parse(digits) : null;
    }

    // the libraries' own version queries, through the handle (the [LibraryImport] bindings resolve only the chosen one)
    private static unsafe int? NvrtcMajor(nint handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "nvrtcVersion", out var f)) return null;
        int major, minor;
        return ((delegate* unmanaged<int*, int*, int>)f)(&major, &minor) == 0 ? major : null;
    }

    private static unsafe int? CublasMajor(nint handle)
    {
        const int MajorVersion = 0;   // libraryPropertyType MAJOR_VERSION
        if (!NativeLibrary.TryGetExport(handle, "cublasGetProperty", out var f)) return null;
        int v;
        return ((delegate* unmanaged<int, int*, int>)f)(MajorVersion, &v) == 0 ? v : null;
    }

    /// <summary>Every (path, soname) the search tries when no override is set, in order.</summary>
    internal static IEnumerable<(string Path, string Soname)> Candidates(Spec spec)
    {
        foreach (var s in spec.Sonames) yield return (s, s);
        foreach (var dir in SearchFolders(spec).Distinct())
            foreach (var s in spec.Sonames) yield return (Path.Combine(dir, s), s);
    }

    private static IEnumerable<(string, string)> OverrideCandidates(string over, Spec spec)
    {
        if (!Directory.Exists(over)) return [(over, Path.GetFileName(over))];
        return spec.Sonames.Select(s => (Path.Combine(over, s), s));
    }

    private static IEnumerable<string> SearchFolders(Spec spec)
    {
        foreach (var v in new[] { "CUDA_PATH", "CUDA_HOME" })
            if (Environment.GetEnvironmentVariable(v) is { Length: > 0 } root)
            {
                yield return Path.Combine(root, "lib64");
                yield return Path.Combine(root, "targets", "x86_64-linux", "lib");
            }
        yield return "/usr/local/cuda/lib64";
        yield return "/usr/local/cuda/targets/x86_64-linux/lib";
        yield return "/usr/lib/x86_64-linux-gnu";
        yield return "/usr/local/nvidia/lib64";
        yield return "/usr/lib/wsl/lib";
        foreach (var site in SitePackages())
            foreach (var f in spec.PipFolders)
                yield return Path.Combine(site, "nvidia", f, "lib");
    }

    // site-packages of the active virtual or conda environment, the user's and the system's Pythons
    private static IEnumerable<string> SitePackages()
    {
        var roots = new List<string>();
        foreach (var v in new[] { "VIRTUAL_ENV", "CONDA_PREFIX" })
            if (Environment.GetEnvironmentVariable(v) is { Length: > 0 } r) roots.Add(r);
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0) roots.Add(Path.Combine(home, ".local"));
        roots.Add("/usr/local");
        roots.Add("/usr");
        foreach (var root in roots)
        {
            var lib = Path.Combine(root, "lib");
            if (!Directory.Exists(lib)) continue;
            string[] pythons;
            try { pythons = Directory.GetDirectories(lib, "python3*"); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            foreach (var py in pythons.Order())
                foreach (var kind in new[] { "site-packages", "dist-packages" })
                {
                    var site = Path.Combine(py, kind);
                    if (Directory.Exists(site)) yield return site;
                }
        }
    }

    private static bool TryLoad(string path, string soname, Spec spec, out nint handle, out string why)
    {
        handle = 0;
        bool absolute = path.Contains('/');
        if (absolute && !File.Exists(path)) { why = "no such file"; return false; }
        if (absolute && spec.Dependency(soname) is { } pattern) LoadDependency(Path.GetDirectoryName(path)!, pattern);
        try
        {
            handle = NativeLibrary.Load(path);
            why = "";
            return true;
        }
        catch (DllNotFoundException e) { why = OneLine(e.Message); }
        catch (BadImageFormatException e) { why = OneLine(e.Message); }
        return false;
    }

    // a dependency that fails to load here is reported by the load of the library itself
    private static void LoadDependency(string dir, string pattern)
    {
        string[] files;
        try { files = Directory.GetFiles(dir, pattern); }
        catch (IOException) { return; }
        foreach (var f in files.Order()) NativeLibrary.TryLoad(f, out _);
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}

using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace AlaeEngine.Cuda;

/// <summary>
/// A compiled kernel source: a CUBIN for the device's own architecture, or PTX when NVRTC cannot target it; the cache
/// file it was read from (<see cref="FromCache"/>) or written to.
/// </summary>
internal sealed record CompiledKernels(string Family, string Target, byte[] Image, bool IsCubin, string CacheFile, bool FromCache);

/// <summary>
/// Compiles the embedded kernels/&lt;family&gt;.cu with NVRTC for one architecture (sm_XX, so the result is a CUBIN that loads
/// without JIT) and caches the image on disk under ALAE_KERNEL_CACHE or ~/.cache/alae/kernels, keyed by the SHA-256 of
/// (source, options, NVRTC version, target). NVRTC needs no GPU: the compile tests run wherever libnvrtc loads.
/// </summary>
internal static unsafe class KernelCompiler
{
    /// <summary>Options before --gpu-architecture.</summary>
    // --fmad=false: no multiply-add contraction, so elementwise kernels round exactly like the CPU reference;
    // -lineinfo: source lines in the CUBIN, so a profiler (Nsight Compute, compute-sanitizer) maps SASS to kernels/*.cu
    internal static readonly string[] BaseOptions = ["--std=c++17", "-default-device", "--fmad=false", "-lineinfo"];

    /// <summary>The families shipped in the assembly (kernels/*.cu as embedded resources).</summary>
    public static IReadOnlyList<string> Families()
        => typeof(KernelCompiler).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("kernels/", StringComparison.Ordinal) && n.EndsWith(".cu", StringComparison.Ordinal))
            .Select(n => n["kernels/".Length..^".cu".Length]).Order().ToList();

    public static string Source(string family)
        => Resource($"kernels/{family}.cu") ?? throw new ArgumentException($"no embedded kernel source kernels/{family}.cu (families: {string.Join(", ", Families())})");

    /// <summary>
    /// The headers kernels/*.cuh that sources include (<c>#include "common.cuh"</c>), as (name, text); every compile is
    /// given all of them, and their text is part of the cache key.
    /// </summary>
    public static IReadOnlyList<(string Name, string Text)> Headers()
        => typeof(KernelCompiler).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("kernels/", StringComparison.Ordinal) && n.EndsWith(".cuh", StringComparison.Ordinal)).Order()
            .Select(n => (n["kernels/".Length..], Resource(n)!)).ToList();

    private static string? Resource(string name)
    {
        using var s = typeof(KernelCompiler).Assembly.GetManifestResourceStream(name);
        if (s == null) return null;
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    public static (int Major, int Minor) NvrtcVersion()
    {
        NativeLibraries.Load(NativeLibraries.Nvrtc);
        int major, minor;
        Nvrtc.Check(Nvrtc.Version(&major, &minor));
        return (major, minor);
    }

    /// <summary>The real architectures this NVRTC can emit CUBIN for (e.g. 75, 80, 86, 89, 90).</summary>
    public static int[] SupportedArchs()
    {
        NativeLibraries.Load(NativeLibraries.Nvrtc);
        int n;
        Nvrtc.Check(Nvrtc.GetNumSupportedArchs(&n));
        var archs = new int[n];
        fixed (int* p = archs) Nvrtc.Check(Nvrtc.GetSupportedArchs(p));
        return archs;
    }

    /// <summary>
    /// sm_XX when NVRTC supports the device's arch; otherwise PTX for the newest virtual arch it has that is not newer
    /// than the device (the driver JIT-compiles PTX forward, never backward).
    /// </summary>
    public static (string Target, bool Cubin) TargetFor(int arch)
    {
        var archs = SupportedArchs();
        if (archs.Contains(arch)) return ($"sm_{arch}", true);
        var older = archs.Where(a => a <= arch).ToArray();
        if (older.Length == 0)
            throw new CudaException($"NVRTC {NvrtcVersion()} cannot compile for sm_{arch} or any older architecture (it supports {string.Join(", ", archs)})");
        return ($"compute_{older.Max()}", false);
    }

    /// <param name="readCache">false compiles even when a cached image exists (and replaces it)</param>
    public static CompiledKernels Compile(string family, int arch, bool readCache = true)
    {
        var (target, cubin) = TargetFor(arch);
        return Compile(family, target, cubin, readCache);
    }

    public static CompiledKernels Compile(string family, string target, bool cubin, bool readCache = true)
    {
        string source = Source(family);
        var options = BaseOptions.Append($"--gpu-architecture={target}").ToArray();
        var (major, minor) = NvrtcVersion();
        string headers = string.Join("\0", Headers().Select(h => h.Name + "\0" + h.Text));
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join("\0", source, headers, string.Join(" ", options), $"nvrtc {major}.{minor}", target))))[..32].ToLowerInvariant();
        string file = Path.Combine(CacheFolder(), $"{family}-{target}-{key}.{(cubin ? "cubin" : "ptx")}");
        if (readCache && TryRead(file) is { } cached) return new(family, target, cached, cubin, file, FromCache: true);
        var image = CompileSource($"kernels/{family}.cu", source, options, cubin);
        TryWrite(file, image);
        return new(family, target, image, cubin, file, FromCache: false);
    }

    public static string CacheFolder()
    {
        if (Environment.GetEnvironmentVariable("ALAE_KERNEL_CACHE") is { Length: > 0 } dir) return dir;
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home.Length > 0 ? home : Path.GetTempPath(), ".cache", "alae", "kernels");
    }

    /// <summary>Compiles one source with NVRTC, no cache; a compile error carries NVRTC's log.</summary>
    internal static byte[] CompileSource(string fileName, string source, string[] options, bool cubin)
        => CompileSource(fileName, source, options, cubin, out _);

    /// <summary>As above, with NVRTC's log of a successful compile (e.g. ptxas's resource usage with --ptxas-options=-v).</summary>
    internal static byte[] CompileSource(string fileName, string source, string[] options, bool cubin, out string log)
    {
        var (major, minor) = NvrtcVersion();
        string version = $"NVRTC {major}.{minor}";
        nint program = 0;
        byte[] src = Utf8(source), name = Utf8(fileName);
        var headers = Headers();
        using var headerTexts = new Utf8Strings(headers.Select(h => h.Text));
        using var headerNames = new Utf8Strings(headers.Select(h => h.Name));
        using var opts = new Utf8Strings(options);
        fixed (byte* s = src, n = name) Nvrtc.Check(Nvrtc.CreateProgram(&program, s, n, headers.Count, headerTexts.Pointers, headerNames.Pointers));
        try
        {
            int result = Nvrtc.CompileProgram(program, opts.Count, opts.Pointers);
            log = Log(program);
            if (result != 0)
                throw new CudaException($"{version} failed to compile {fileName} with {string.Join(" ", options)}: " +
                                        $"{Nvrtc.Describe(result)}\n{log}");
            nuint size;
            byte[] image;
            if (cubin)
            {
                Nvrtc.Check(Nvrtc.GetCubinSize(program, &size));
                image = new byte[size];
                fixed (byte* i = image) Nvrtc.Check(Nvrtc.GetCubin(program, i));
            }
            else
            {
                Nvrtc.Check(Nvrtc.GetPtxSize(program, &size));   // includes the terminating NUL cuModuleLoadData needs
                image = new byte[size];
                fixed (byte* i = image) Nvrtc.Check(Nvrtc.GetPtx(program, i));
            }
            if (image.Length == 0) throw new CudaException($"{version} produced an empty image for {fileName} with {string.Join(" ", options)}");
            return image;
        }
        finally { Nvrtc.Check(Nvrtc.DestroyProgram(&program)); }
    }

    private static string Log(nint program)
    {
        nuint size;
        Nvrtc.Check(Nvrtc.GetProgramLogSize(program, &size));
        if (size <= 1) return "";
        var log = new byte[size];
        fixed (byte* l = log) Nvrtc.Check(Nvrtc.GetProgramLog(program, l));
        return Encoding.UTF8.GetString(log, 0, log.Length - 1);
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s + "\0");

    /// <summary>NUL-terminated UTF-8 copies of strings, pinned, and a native array of pointers to them (char**).</summary>
    private sealed class Utf8Strings : IDisposable
    {
        private readonly GCHandle[] _handles;

        public Utf8Strings(IEnumerable<string> strings)
        {
            _handles = strings.Select(t => GCHandle.Alloc(Utf8(t), GCHandleType.Pinned)).ToArray();
            Pointers = (byte**)NativeMemory.Alloc((nuint)Math.Max(_handles.Length, 1), (nuint)sizeof(byte*));
            for (int i = 0; i < _handles.Length; i++) Pointers[i] = (byte*)_handles[i].AddrOfPinnedObject();
        }

        public int Count => _handles.Length;
        public byte** Pointers { get; }

        public void Dispose()
        {
            NativeMemory.Free(Pointers);
            foreach (var h in _handles) h.Free();
        }
    }

    // a cache that cannot be read or written only costs a compile
    private static byte[]? TryRead(string file)
    {
        try { return File.Exists(file) ? File.ReadAllBytes(file) : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Removes a cache file the driver rejected (best effort: a compile with readCache false replaces it anyway).</summary>
    public static void Evict(string file)
    {
        try { File.Delete(file); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static void TryWrite(string file, byte[] image)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            string tmp = $"{file}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(tmp, image);
            File.Move(tmp, file, overwrite: true);   // atomic: a concurrent reader sees the old file or the whole new one
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

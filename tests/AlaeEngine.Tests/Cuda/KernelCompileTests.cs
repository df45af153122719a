using AlaeEngine.Cuda;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// Compiles every embedded kernel source with NVRTC for sm_90 (no GPU needed) and checks that each entry point the
/// launchers use is a function in the CUBIN's symbol table. Ignored where no libnvrtc loads (tools/install-nvrtc.sh
/// installs Debian's NVRTC 11.8).
/// </summary>
[TestFixture]
public class KernelCompileTests
{
    private string _cache = "";
    private string? _savedCache;

    [OneTimeSetUp]
    public void RequireNvrtc()
    {
        try { NativeLibraries.Load(NativeLibraries.Nvrtc); }
        catch (CudaLibraryNotFoundException e) { Assert.Ignore($"no NVRTC (run tools/install-nvrtc.sh): {e.Message}"); }
    }

    [SetUp]
    public void PrivateCache()
    {
        _savedCache = Environment.GetEnvironmentVariable("ALAE_KERNEL_CACHE");
        _cache = Path.Combine(Path.GetTempPath(), $"alae-kernel-cache-{Guid.NewGuid():N}");
        Environment.SetEnvironmentVariable("ALAE_KERNEL_CACHE", _cache);
    }

    [TearDown]
    public void RemoveCache()
    {
        Environment.SetEnvironmentVariable("ALAE_KERNEL_CACHE", _savedCache);
        if (Directory.Exists(_cache)) Directory.Delete(_cache, recursive: true);
    }

    [Test]
    public void EveryCatalogFamilyIsEmbeddedAndEverySourceIsInTheCatalog()
    {
        Assert.That(KernelCompiler.Families(), Is.EquivalentTo(KernelCatalog.All.Select(f => f.Name)));
    }

    [Test]
    public void NvrtcCanTargetSm90()
    {
        var (major, minor) = KernelCompiler.NvrtcVersion();
        TestContext.Out.WriteLine($"NVRTC {major}.{minor}, archs {string.Join(" ", KernelCompiler.SupportedArchs())}");
        Assert.That(KernelCompiler.SupportedArchs(), Does.Contain(90));
        Assert.That(KernelCompiler.TargetFor(90), Is.EqualTo(("sm_90", true)));
    }

    [TestCaseSource(nameof(FamilyNames))]
    public void CompilesForSm90AndHasEveryEntryPoint(string family)
    {
        var compiled = KernelCompiler.Compile(family, "sm_90", cubin: true);
        var symbols = CubinSymbols.Functions(compiled.Image);
        var expected = KernelCatalog.All.Single(f => f.Name == family).EntryPoints.ToList();
        Assert.That(expected, Is.Not.Empty);
        Assert.That(symbols, Is.SupersetOf(expected), $"kernels/{family}.cu functions: {string.Join(", ", symbols.Order())}");
        Assert.That(CubinSymbols.Sections(compiled.Image), Does.Contain(".nv_debug_line_sass").And.Contain(".debug_line"),
            "-lineinfo puts the SASS-to-source line tables in the CUBIN");
    }

    /// <summary>Kernels that may keep a stack frame, → why (ptxas's resource report, sm_90).</summary>
    private static readonly Dictionary<string, string> StackAllowed = new()
    {
        ["fill_random_f32"] = "libdevice's double-precision cos keeps its large-argument (Payne–Hanek) reduction in a local array",
        ["fill_random_f64"] = "libdevice's double-precision cos keeps its large-argument (Payne–Hanek) reduction in a local array",
    };

    /// <summary>
    /// ptxas's resource report for every entry point (registers, stack frame, spills; printed for the record): no kernel
    /// spills registers or keeps a stack frame unless <see cref="StackAllowed"/> says why. A struct parameter read
    /// through a reference used to be copied to local memory first (80 bytes of stack in binary, broadcast_to, sum_to).
    /// </summary>
    [TestCaseSource(nameof(FamilyNames))]
    public void NoKernelSpillsOrKeepsAStackFrame(string family)
    {
        KernelCompiler.CompileSource($"kernels/{family}.cu", KernelCompiler.Source(family),
            [.. KernelCompiler.BaseOptions, "--gpu-architecture=sm_90", "--ptxas-options=-v"], cubin: true, out string log);
        var usage = ResourceUsage.Parse(log);
        Assert.That(usage.Keys, Is.SupersetOf(KernelCatalog.All.Single(f => f.Name == family).EntryPoints), log);
        foreach (var (kernel, u) in usage.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            TestContext.Out.WriteLine($"{kernel}: {u.Registers} registers, {u.StackBytes} B stack, {u.SpillStoreBytes} B spill stores, {u.SpillLoadBytes} B spill loads");
            Assert.That((u.SpillStoreBytes, u.SpillLoadBytes), Is.EqualTo((0, 0)), $"{kernel} spills registers");
            if (!StackAllowed.ContainsKey(kernel)) Assert.That(u.StackBytes, Is.Zero, $"{kernel} keeps a stack frame");
        }
    }

    [Test]
    public void SecondCompileIsReadFromTheDiskCache()
    {
        var first = KernelCompiler.Compile("optim", "sm_90", cubin: true);
        var files = Directory.GetFiles(_cache);
        Assert.That(files, Has.Length.EqualTo(1));
        Assert.That(Path.GetFileName(files[0]), Does.StartWith("optim-sm_90-").And.EndWith(".cubin"));
        File.WriteAllBytes(files[0], [0x7F, (byte)'E', (byte)'L', (byte)'F', 42]);   // marker: a hit returns the file as is
        var second = KernelCompiler.Compile("optim", "sm_90", cubin: true);
        Assert.That(second.Image, Is.EqualTo(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F', 42 }));
        Assert.That(first.Image.Length, Is.GreaterThan(1000));
    }

    [Test]
    public void PtxTargetGivesText()
    {
        var compiled = KernelCompiler.Compile("axis", "compute_90", cubin: false);
        string ptx = System.Text.Encoding.ASCII.GetString(compiled.Image).TrimEnd('\0');
        Assert.That(ptx, Does.Contain(".entry copy_axis_range_f32").And.Contain(".target sm_90"));
    }

    [Test]
    public void CompileErrorCarriesTheNvrtcLog()
    {
        var e = Assert.Throws<CudaException>(() => KernelCompiler.CompileSource("broken.cu",
            "extern \"C\" __global__ void k(float* d) { d[0] = undeclared_name; }",
            [.. KernelCompiler.BaseOptions, "--gpu-architecture=sm_90"], cubin: true))!;
        Assert.That(e.Message, Does.Contain("broken.cu").And.Contain("undeclared_name").And.Contain("NVRTC_ERROR_COMPILATION"));
    }

    private static IEnumerable<string> FamilyNames() => KernelCatalog.All.Select(f => f.Name);
}

/// <summary>
/// Source rules for kernels/*.cu that no compiler error enforces. NVRTC 11.8's ptxas for sm_90 crashes the process
/// (a segmentation fault inside nvrtcCompileProgram, so the test host dies without a message) when it compiles with
/// -lineinfo a kernel whose body begins on the line of its signature, e.g.
/// <c>extern "C" __global__ void k(float* d) { f(d); }</c>; the same kernel with the body on the next line compiles.
/// This check needs no NVRTC, so it names the line wherever the tests run.
/// </summary>
[TestFixture]
public class KernelSourceTests
{
    private static IEnumerable<string> FamilyNames() => KernelCompiler.Families();

    [TestCaseSource(nameof(FamilyNames))]
    public void NoKernelBodyStartsOnItsSignatureLine(string family)
    {
        // __launch_bounds__(…) blanked out, so the first parenthesis of a signature is its parameter list
        var lines = KernelCompiler.Source(family).Split('\n')
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"__launch_bounds__\s*\([^)]*\)", m => new string(' ', m.Length))).ToArray();
        var offending = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].TrimStart().StartsWith("extern \"C\" __global__", StringComparison.Ordinal)) continue;
            // the line where the parameter list closes, and what follows its ')'
            int depth = 0, line = i, at = -1;
            bool opened = false;
            for (; line < lines.Length && at < 0; line++)
                for (int c = 0; c < lines[line].Length && at < 0; c++)
                {
                    if (lines[line][c] == '(') { depth++; opened = true; }
                    else if (lines[line][c] == ')' && --depth == 0 && opened) at = c;
                }
            string rest = lines[line - 1][(at + 1)..].Trim();
            if (rest is not ("" or "{")) offending.Add($"kernels/{family}.cu:{line}: {lines[line - 1].Trim()}");
        }
        Assert.That(offending, Is.Empty, "put the kernel's body on the line after its signature (NVRTC 11.8 crashes on these with -lineinfo)");
    }
}

/// <summary>Registers, stack frame and spills of each kernel as ptxas reports them with --ptxas-options=-v.</summary>
internal readonly record struct ResourceUsage(int Registers, int StackBytes, int SpillStoreBytes, int SpillLoadBytes)
{
    // ptxas info    : Function properties for binary_f32
    // ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
    // ptxas info    : Used 16 registers, 256 bytes smem
    public static Dictionary<string, ResourceUsage> Parse(string log)
    {
        var result = new Dictionary<string, ResourceUsage>();
        string? kernel = null;
        int stack = 0, stores = 0, loads = 0;
        foreach (var line in log.Split('\n'))
        {
            var properties = System.Text.RegularExpressions.Regex.Match(line, @"Function properties for (\S+)");
            var frame = System.Text.RegularExpressions.Regex.Match(line, @"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads");
            var registers = System.Text.RegularExpressions.Regex.Match(line, @"Used (\d+) registers");
            if (properties.Success) kernel = properties.Groups[1].Value;
            else if (frame.Success) (stack, stores, loads) = (int.Parse(frame.Groups[1].Value), int.Parse(frame.Groups[2].Value), int.Parse(frame.Groups[3].Value));
            else if (registers.Success && kernel != null) result[kernel] = new(int.Parse(registers.Groups[1].Value), stack, stores, loads);
        }
        return result;
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cli;

/// <summary>
/// The `alae` command (built next to the tests by the project reference) run as a separate process from the repository
/// root, so that signals, exit codes and the printed lines are what a user gets.
/// </summary>
internal sealed class AlaeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();

    public AlaeProcess(params string[] args) : this(args, environment: null)
    {
    }

    /// <param name="environment">variables added to the test's own environment.</param>
    /// <param name="workingDirectory">where alae runs (the repository root by default).</param>
    public AlaeProcess(string[] args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory ?? Data.DataIoPaths.RepoRoot,
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "alae.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        // alae ships without tiered compilation (faster training iterations from the first); these short commands start
        // faster with it, and the results do not depend on it (every JIT tier rounds the same way)
        start.Environment["DOTNET_TieredCompilation"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_out) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_err) _err.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_out) return _out.ToString(); } }
    public string Error { get { lock (_err) return _err.ToString(); } }

    /// <summary>Runs `alae args` to its end and returns it.</summary>
    public static AlaeProcess Run(params string[] args) => RunIn(null, args);

    /// <summary>Runs `alae args` in <paramref name="workingDirectory"/> (the repository root when null) to its end and returns it.</summary>
    public static AlaeProcess RunIn(string? workingDirectory, params string[] args)
    {
        var p = new AlaeProcess(args, workingDirectory: workingDirectory);
        p.WaitForExit();
        return p;
    }

    public int WaitForExit(int seconds = 120)
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"alae did not end within {seconds} s; output so far:\n{Output}\n{Error}");
        }
        _process.WaitForExit(); // the output handlers have run
        return _process.ExitCode;
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits until the output holds <paramref name="text"/>.</summary>
    public void WaitForOutput(string text, int seconds = 60)
        => WaitFor(() => Output.Contains(text, StringComparison.Ordinal), $"printed '{text}'", seconds);

    /// <summary>Waits while the process runs until <paramref name="condition"/> holds (a file written, a line printed).</summary>
    public void WaitFor(Func<bool> condition, string what, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited || clock.Elapsed.TotalSeconds > seconds) Assert.Fail($"alae never {what}:\n{Output}\n{Error}");
            Thread.Sleep(50);
        }
    }

    public int Id => _process.Id;

    /// <summary>Sends SIGTERM, as `docker stop`, systemd and cluster schedulers do.</summary>
    public void Terminate() => Signal(15);

    /// <summary>Sends SIGKILL (a crash, the out-of-memory killer, a node lost) and waits for the process to be gone.</summary>
    public void Kill()
    {
        Signal(9);
        _process.WaitForExit();
    }

    private void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0) Assert.Fail($"kill({signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}

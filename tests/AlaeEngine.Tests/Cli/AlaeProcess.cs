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

    public AlaeProcess(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Data.DataIoPaths.RepoRoot,
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "alae.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
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
    public static AlaeProcess Run(params string[] args)
    {
        var p = new AlaeProcess(args);
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
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || clock.Elapsed.TotalSeconds > seconds) Assert.Fail($"alae never printed '{text}':\n{Output}\n{Error}");
            Thread.Sleep(50);
        }
    }

    /// <summary>Sends SIGTERM, as `docker stop`, systemd and cluster schedulers do.</summary>
    public void Terminate()
    {
        if (kill(_process.Id, 15) != 0) Assert.Fail($"kill(SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}

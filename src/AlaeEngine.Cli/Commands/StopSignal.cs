using System.Runtime.InteropServices;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM (what `docker stop`, systemd and cluster schedulers send) as a request to stop: the
/// process keeps running so the trainer can finish its iteration and save; a second signal ends it at once.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly PosixSignalRegistration _interrupt, _terminate;
    private PosixSignal? _received;

    public StopSignal()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public bool Requested => _received != null;

    /// <summary>The shell's code for a process ended by the signal: 128 + its number (SIGINT 130, SIGTERM 143).</summary>
    public int ExitCode => _received == PosixSignal.SIGTERM ? 143 : 130;

    public string Name => _received == PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl-C";

    private void OnSignal(PosixSignalContext context)
    {
        if (_received != null) return; // the second one: the default action ends the process
        context.Cancel = true;
        _received = context.Signal;
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }
}

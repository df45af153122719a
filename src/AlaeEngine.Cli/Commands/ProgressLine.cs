using System.Diagnostics;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// One status line: redrawn in place on a terminal, printed every few seconds when output is redirected (CI, logs).
/// </summary>
internal sealed class ProgressLine
{
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long _startStep;
    private TimeSpan? _lastPrint;
    private readonly bool _interactive = !Console.IsOutputRedirected;

    public ProgressLine(long startStep, long total) { _startStep = startStep; _total = total; }

    public void Update(long step, string status)
    {
        var now = _clock.Elapsed;
        bool last = step >= _total;
        if (!last && _lastPrint is { } prev && now - prev < TimeSpan.FromSeconds(_interactive ? 0.25 : 10)) return;
        _lastPrint = now;
        double frac = (double)step / Math.Max(1, _total);
        double perStep = now.TotalSeconds / Math.Max(1, step - _startStep);
        var eta = TimeSpan.FromSeconds(perStep * (_total - step));
        int width = 24, filled = (int)(frac * width);
        string bar = new string('#', filled) + new string('.', width - filled);
        string line = $"[{bar}] {step}/{_total} {status} ETA {eta:hh\\:mm\\:ss}";
        if (_interactive) Console.Write("\r" + line + "\u001b[K"); // ESC[K clears what a longer previous line left
        else Console.WriteLine(line);
    }

    public void Finish() { if (_interactive) Console.WriteLine(); }
}

using System.Diagnostics;
using AlaeEngine.IO;

namespace AlaeEngine.Training;

/// <summary>
/// The run's metrics.jsonl (one record per <see cref="Every"/> iterations, losses averaged over them) and losses.png.
/// A record is written at every step divisible by <see cref="Every"/> and, for the iterations left over, when the
/// session ends. What is not yet written, and the wall time so far, is the <see cref="Window"/> a checkpoint carries:
/// a resume drops the records written after the window began and continues it, so the log of an interrupted and
/// resumed run is the log of an uninterrupted one, and wall_s counts every session.
/// </summary>
public sealed class RunMetrics : IDisposable
{
    public const int Every = 10;
    public const string FileName = "metrics.jsonl", PlotName = "losses.png";
    private readonly MetricsLog _log;
    private readonly string _plotPath;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _title;
    private MetricsWindow _window;

    /// <summary>A new run, or a resume at <paramref name="resumedAtStep"/> from a checkpoint that carries no window.</summary>
    public RunMetrics(string runDir, long resumedAtStep, string title = "MLP-ALAE losses")
        : this(runDir, MetricsWindow.StartingAt(resumedAtStep), title)
    {
    }

    /// <summary>Continues <paramref name="window"/> (from a checkpoint): records after its start are dropped from the log first.</summary>
    public RunMetrics(string runDir, MetricsWindow window, string title)
    {
        _title = title;
        _window = window;
        var path = Path.Combine(runDir, FileName);
        if (File.Exists(path)) MetricsLog.TruncateAfter(path, window.LoggedThrough, Warn);
        _log = new MetricsLog(path, Warn);
        _plotPath = Path.Combine(runDir, PlotName);
    }

    /// <summary>The iterations not yet written and the wall time so far, as a checkpoint saves them.</summary>
    public MetricsWindow Window => _window with { WallSeconds = WallSeconds };

    private double WallSeconds => _window.WallSeconds + _clock.Elapsed.TotalSeconds;

    private static void Warn(string message) => Console.Error.WriteLine("warning: " + message);

    /// <summary>An iteration of any trainer: its named losses, averaged, and its named values, as of the window's last iteration.</summary>
    public void Add(IterationLog it) => Add(it.Step, it.Epoch, it.ImagesPerSecond,
        it.NamedLosses().ToDictionary(kv => kv.Key, kv => kv.Value), it.NamedValues().ToDictionary(kv => kv.Key, kv => kv.Value));

    /// <summary>
    /// Accumulates named losses; every <see cref="Every"/> iterations (or at a step divisible by it) writes their averages
    /// with the latest <paramref name="values"/> (not averaged: schedule positions and the like). A loss that only some
    /// iterations compute (a lazy regulariser) is averaged over those.
    /// </summary>
    public void Add(long step, int epoch, double imagesPerSecond, IReadOnlyDictionary<string, double> losses, IReadOnlyDictionary<string, double>? values = null)
    {
        var sums = new Dictionary<string, double>(_window.Sums);
        var counts = new Dictionary<string, int>(_window.Counts);
        foreach (var (name, v) in losses)
        {
            sums[name] = sums.GetValueOrDefault(name) + v;
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }
        _window = _window with
        {
            Count = _window.Count + 1, Sums = sums, Counts = counts,
            Step = step, Epoch = epoch, ImagesPerSecond = imagesPerSecond, Values = values?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? new(),
        };
        if (_window.Count < Every && step % Every != 0) return;
        Flush();
    }

    /// <summary>Writes the iterations accumulated since the last record (when a session ends).</summary>
    public void Flush()
    {
        if (_window.Count == 0) return;
        _log.Append(new MetricsRecord
        {
            Step = _window.Step, Epoch = _window.Epoch, WallSeconds = WallSeconds, ImagesPerSecond = _window.ImagesPerSecond,
            Losses = _window.Sums.ToDictionary(kv => kv.Key, kv => kv.Value / _window.Counts[kv.Key]),
            Values = new Dictionary<string, double>(_window.Values),
        });
        _window = _window with { LoggedThrough = _window.Step, Count = 0, Sums = new(), Counts = new() };
    }

    /// <summary>Redraws losses.png from the records written so far (earlier sessions of a resumed run included).</summary>
    public void WritePlot()
    {
        var records = MetricsLog.Read(_log.FilePath, Warn);
        if (records.Count > 0) LinePlot.FromMetrics(records, _title).Save(_plotPath);
    }

    /// <summary>Writes the iterations left over and closes the log.</summary>
    public void Dispose()
    {
        Flush();
        _log.Dispose();
    }
}

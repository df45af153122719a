using System.Diagnostics;
using AlaeEngine.IO;

namespace AlaeEngine.Training;

/// <summary>
/// The run's metrics.jsonl (one record per <see cref="Every"/> iterations, losses averaged over them) and losses.png.
/// On resume, records past the checkpoint are dropped first, so the log matches an uninterrupted run.
/// </summary>
public sealed class RunMetrics : IDisposable
{
    public const int Every = 10;
    private readonly MetricsLog _log;
    private readonly string _plotPath;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, double> _sum = new();
    private readonly string _title;
    private int _count;
    private (long step, int epoch, double imagesPerSecond, IReadOnlyDictionary<string, double>? values) _last;

    public RunMetrics(string runDir, long resumedAtStep, string title = "MLP-ALAE losses")
    {
        _title = title;
        var path = Path.Combine(runDir, "metrics.jsonl");
        if (File.Exists(path)) MetricsLog.TruncateAfter(path, resumedAtStep, Warn);
        _log = new MetricsLog(path, Warn);
        _plotPath = Path.Combine(runDir, "losses.png");
    }

    private static void Warn(string message) => Console.Error.WriteLine("warning: " + message);

    public void Add(MlpIterationLog it) => Add(it.Step, it.Epoch, it.ImagesPerSecond, it.Losses);

    /// <summary>A StyleALAE iteration: the four losses, with the schedule position (images seen, level, blend, batch) as values.</summary>
    public void Add(StyleIterationLog it) => Add(it.Step, it.Epoch, it.ImagesPerSecond, it.Losses,
        new Dictionary<string, double> { ["images_seen"] = it.ImagesSeen, ["level"] = it.Level, ["blend"] = it.Blend, ["batch"] = it.Batch });

    private void Add(long step, int epoch, double imagesPerSecond, AlaeLosses l, IReadOnlyDictionary<string, double>? values = null)
        => Add(step, epoch, imagesPerSecond, new Dictionary<string, double>
        {
            ["d_logistic"] = l.Discriminator, ["r1"] = l.R1, ["g_adv"] = l.Generator, ["latent_mse"] = l.Latent,
        }, values);

    /// <summary>
    /// Accumulates named losses; every <see cref="Every"/> iterations (or at a step divisible by it) writes their averages
    /// with the latest <paramref name="values"/> (not averaged: schedule positions and the like).
    /// </summary>
    public void Add(long step, int epoch, double imagesPerSecond, IReadOnlyDictionary<string, double> losses, IReadOnlyDictionary<string, double>? values = null)
    {
        foreach (var (name, v) in losses) _sum[name] = _sum.GetValueOrDefault(name) + v;
        _last = (step, epoch, imagesPerSecond, values);
        if (++_count < Every && step % Every != 0) return;
        Flush();
    }

    /// <summary>Writes the iterations accumulated since the last record (at the end of a run or an epoch, or on Ctrl-C).</summary>
    public void Flush()
    {
        if (_count == 0) return;
        _log.Append(new MetricsRecord
        {
            Step = _last.step, Epoch = _last.epoch, WallSeconds = _clock.Elapsed.TotalSeconds, ImagesPerSecond = _last.imagesPerSecond,
            Losses = _sum.ToDictionary(kv => kv.Key, kv => kv.Value / _count),
            Values = _last.values?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? new(),
        });
        _sum.Clear();
        _count = 0;
    }

    /// <summary>Writes any pending record, then redraws losses.png from the whole log (earlier sessions of a resumed run included).</summary>
    public void WritePlot()
    {
        Flush();
        var records = MetricsLog.Read(_log.FilePath, Warn);
        if (records.Count > 0) LinePlot.FromMetrics(records, _title).Save(_plotPath);
    }

    public void Dispose()
    {
        Flush();
        _log.Dispose();
    }
}

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
    private readonly double[] _sum = new double[4];
    private int _count;

    public RunMetrics(string runDir, long resumedAtStep)
    {
        var path = Path.Combine(runDir, "metrics.jsonl");
        if (File.Exists(path)) MetricsLog.TruncateAfter(path, resumedAtStep, Warn);
        _log = new MetricsLog(path, Warn);
        _plotPath = Path.Combine(runDir, "losses.png");
    }

    private static void Warn(string message) => Console.Error.WriteLine("warning: " + message);

    public void Add(MlpIterationLog it)
    {
        var l = it.Losses;
        _sum[0] += l.Discriminator; _sum[1] += l.R1; _sum[2] += l.Generator; _sum[3] += l.Latent;
        if (++_count < Every && it.Step % Every != 0) return;
        _log.Append(new MetricsRecord
        {
            Step = it.Step, Epoch = it.Epoch, WallSeconds = _clock.Elapsed.TotalSeconds, ImagesPerSecond = it.ImagesPerSecond,
            Losses = new()
            {
                ["d_logistic"] = _sum[0] / _count, ["r1"] = _sum[1] / _count,
                ["g_adv"] = _sum[2] / _count, ["latent_mse"] = _sum[3] / _count,
            },
        });
        Array.Clear(_sum);
        _count = 0;
    }

    /// <summary>Redraws losses.png from the whole log (earlier sessions of a resumed run included).</summary>
    public void WritePlot()
    {
        var records = MetricsLog.Read(_log.FilePath, Warn);
        if (records.Count > 0) LinePlot.FromMetrics(records, "MLP-ALAE losses").Save(_plotPath);
    }

    public void Dispose() => _log.Dispose();
}

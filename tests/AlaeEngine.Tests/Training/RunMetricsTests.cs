using AlaeEngine.IO;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Training;

public class RunMetricsTests
{
    [Test]
    public void IterationsAfterTheLastFullWindowAreWrittenWhenTheRunEnds()
    {
        var dir = Directory.CreateTempSubdirectory("alae-metrics-").FullName;
        try
        {
            using (var m = new RunMetrics(dir, resumedAtStep: 0))
                for (int step = 1; step <= 13; step++)
                    m.Add(step, 0, 100, new Dictionary<string, double> { ["loss"] = step });
            var records = MetricsLog.Read(Path.Combine(dir, "metrics.jsonl"));
            // steps 1–10 averaged, then the 3 left over (11–13) on disposal
            Assert.That(records.Select(r => r.Step), Is.EqualTo(new long[] { 10, 13 }));
            Assert.That(records[0].Losses["loss"], Is.EqualTo(5.5));
            Assert.That(records[1].Losses["loss"], Is.EqualTo(12.0));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Test]
    public void ALossThatOnlySomeIterationsComputeIsAveragedOverThose()
    {
        var dir = Directory.CreateTempSubdirectory("alae-metrics-").FullName;
        try
        {
            // a lazy regulariser: "r1" every 4th iteration (steps 4 and 8 of the window), "d" every iteration
            using (var m = new RunMetrics(dir, resumedAtStep: 0))
                for (int step = 1; step <= 10; step++)
                {
                    var losses = new Dictionary<string, double> { ["d"] = step };
                    if (step % 4 == 0) losses["r1"] = 10 * step;
                    m.Add(step, 0, 100, losses);
                }
            var record = MetricsLog.Read(Path.Combine(dir, "metrics.jsonl")).Single();
            Assert.That(record.Losses["d"], Is.EqualTo(5.5));
            Assert.That(record.Losses["r1"], Is.EqualTo(60.0), "(40 + 80) / 2, not / 10");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

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
}

using AlaeEngine.IO;
using NUnit.Framework;

namespace AlaeEngine.Tests.IO;

/// <summary>
/// losses.png: a log y axis when the losses are positive, so the R1 spike of the first iterations does not squeeze the
/// rest of the run into a few pixels, and the level switches of a progressive run marked.
/// </summary>
public class LinePlotTests
{
    /// <summary>A run's records: R1 starts at 1000 and falls to about 1 within 50 steps, the other loss stays near 0.5.</summary>
    private static List<MetricsRecord> SpikyRun(int levelEvery = 0)
    {
        var records = new List<MetricsRecord>();
        for (int step = 10; step <= 2000; step += 10)
        {
            double r1 = step <= 50 ? 1000.0 / step : 1 + 0.5 * Math.Sin(step / 100.0);
            var values = levelEvery > 0 ? new Dictionary<string, double> { ["level"] = Math.Min(3, (step - 1) / levelEvery) } : new();
            records.Add(new MetricsRecord { Step = step, Losses = new() { ["r1"] = r1, ["d"] = 0.5 + 0.1 * Math.Cos(step / 70.0) }, Values = values });
        }
        return records;
    }

    /// <summary>The rows, top and bottom, where series <paramref name="k"/>'s colour is drawn at x ≥ <paramref name="fromX"/>.</summary>
    private static (int Top, int Bottom) RowsOfSeries(Raster r, int k, int fromX)
    {
        var colour = LinePlot.Palette[k];
        int top = int.MaxValue, bottom = -1;
        for (int y = 0; y < r.Height; y++)
            for (int x = fromX; x < r.Width; x++)
                if (r.Get(x, y) == colour) { top = Math.Min(top, y); bottom = Math.Max(bottom, y); }
        return (top, bottom);
    }

    [Test]
    public void PositiveLossesGetALogAxisSoTheSpikeDoesNotFlattenTheRest()
    {
        var plot = LinePlot.FromMetrics(SpikyRun());
        Assert.That(plot.LogY, Is.True);
        plot.ShowLegend = false; // its colour swatches would count as the series
        var r = plot.Render(800, 480);
        // after the spike R1 moves between 0.5 and 1.5: on a linear axis up to 1000 that is 0.1 % of the height (< 1 px)
        var (top, bottom) = RowsOfSeries(r, 0, fromX: 200);
        TestContext.Out.WriteLine($"log axis: R1 after the spike spans rows {top}–{bottom}");
        Assert.That(bottom - top, Is.GreaterThan(30), "R1's swing after the spike is visible");
    }

    [Test]
    public void ALossThatReachesZeroGetsALinearAxisClippedAtTheNinetyNinthPercentile()
    {
        var records = SpikyRun();
        records[^1].Losses["d"] = 0;
        var plot = LinePlot.FromMetrics(records);
        Assert.That((plot.LogY, plot.ClipY), Is.EqualTo((false, true)));
        plot.ShowLegend = false;
        var r = plot.Render(800, 480);
        var (top, bottom) = RowsOfSeries(r, 0, fromX: 200);
        TestContext.Out.WriteLine($"clipped axis: R1 after the spike spans rows {top}–{bottom}");
        Assert.That(bottom - top, Is.GreaterThan(15), "clipped at the 99th percentile (20), not at the spike's 100");
    }

    [Test]
    public void LossesOfBothSignsDecadesApartGetASymmetricLogAxis()
    {
        // PIONEER's shape: a latent term near 200 beside a KL gap that drifts from −0.005 to −0.5 and an L1 term near 0.3
        var records = new List<MetricsRecord>();
        for (int step = 10; step <= 2000; step += 10)
            records.Add(new MetricsRecord
            {
                Step = step,
                Losses = new() { ["latent"] = 200 + 5 * Math.Sin(step / 90.0), ["kl_gap"] = -0.005 - 0.5 * step / 2000.0, ["l1"] = 0.3 + 0.05 * Math.Cos(step / 60.0) },
            });
        var plot = LinePlot.FromMetrics(records);
        Assert.That((plot.LogY, plot.SymLogY, plot.ClipY), Is.EqualTo((false, true, false)));
        Assert.That(plot.SymLogThreshold, Is.EqualTo(0.1).Within(1e-12), "10th percentile of the sizes (≈ 0.15, a KL gap) rounded down to a power of ten");
        plot.ShowLegend = false;
        var r = plot.Render(800, 480);
        var gap = RowsOfSeries(r, 1, fromX: 0);
        var latent = RowsOfSeries(r, 0, fromX: 0);
        TestContext.Out.WriteLine($"symmetric log axis: KL gap rows {gap.Top}–{gap.Bottom}, latent rows {latent.Top}–{latent.Bottom}");
        Assert.That(gap.Bottom - gap.Top, Is.GreaterThan(40), "the KL gap's drift is visible (on a linear axis to 200 it is about 1 px)");
        Assert.That(gap.Top, Is.GreaterThan(latent.Bottom), "negative values below the positive ones");
        Assert.That(LinePlot.SymLogTicks(-0.5, 205, 0.01).Values, Is.EqualTo(new[] { -1, -0.1, -0.01, 0, 0.01, 0.1, 1, 10, 100, 1000 }));
    }

    [Test]
    public void LevelSwitchesOfAProgressiveRunAreMarked()
    {
        var plot = LinePlot.FromMetrics(SpikyRun(levelEvery: 500));
        Assert.That(plot.Markers, Is.EqualTo(new[] { (510.0, "level 1"), (1010.0, "level 2"), (1510.0, "level 3") }));
        var r = plot.Render(800, 480);
        int markerColumns = Enumerable.Range(0, r.Width).Count(x => Enumerable.Range(0, r.Height).Count(y => r.Get(x, y) == LinePlot.MarkerGrey) > 40);
        Assert.That(markerColumns, Is.EqualTo(3), "one dashed line per switch");
        Assert.That(LinePlot.FromMetrics(SpikyRun()).Markers, Is.Empty, "no level values, no markers");
    }

    [Test]
    public void CloseMarkersStackTheirLabels()
    {
        var plot = new LinePlot { ShowLegend = false };
        plot.Add("loss", [0, 1000], [1, 2]);
        plot.AddMarker(100, "level 1");
        plot.AddMarker(105, "level 2");
        var r = plot.Render(800, 480);
        // label ink: marker grey off the two dashed columns; 2 × 7 px glyphs on one line would span 14 rows
        var columns = Enumerable.Range(0, r.Width).Where(x => Enumerable.Range(0, r.Height).Count(y => r.Get(x, y) == LinePlot.MarkerGrey) > 40).ToHashSet();
        var rows = (from y in Enumerable.Range(0, r.Height) from x in Enumerable.Range(0, r.Width)
                    where !columns.Contains(x) && r.Get(x, y) == LinePlot.MarkerGrey select y).ToList();
        Assert.That(columns, Has.Count.EqualTo(2));
        Assert.That(rows.Max() - rows.Min(), Is.GreaterThan(2 * 14), "the second label one line below the first");
    }

    [Test]
    public void LogTicksArePowersOfTenWithTwoAndFiveOnShortRanges()
    {
        Assert.That(LinePlot.LogTicks(0.3, 8).Values, Is.EqualTo(new[] { 0.1, 0.2, 0.5, 1, 2, 5, 10 }).Within(1e-12));
        Assert.That(LinePlot.LogTicks(0.002, 900).Values, Is.EqualTo(new[] { 0.001, 0.01, 0.1, 1, 10, 100, 1000 }).Within(1e-12));
        Assert.That(LinePlot.LogTicks(1e-9, 1e9).Values, Is.EqualTo(new[] { 1e-9, 1e-6, 1e-3, 1, 1e3, 1e6, 1e9 }).Within(1e-21));
        Assert.That(LinePlot.FormatPower(0.001), Is.EqualTo("0.001"));
        Assert.That(LinePlot.FormatPower(1e-5), Is.EqualTo("1e-5"));
        Assert.That(LinePlot.FormatPower(1e6), Is.EqualTo("1e+6"));
    }
}

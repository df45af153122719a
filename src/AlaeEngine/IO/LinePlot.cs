using System.Globalization;

namespace AlaeEngine.IO;

/// <summary>
/// A line chart of named series (x = step, y = value, e.g. the losses of a run) rendered by our own rasteriser and
/// written as PNG. Axes are fitted to the finite data with "nice" tick steps (1, 2 or 5 times a power of ten); with
/// <see cref="LogY"/> the y axis is logarithmic (ticks at powers of ten), so an early spike (R1 at the start of a run)
/// does not flatten the rest; with <see cref="SymLogY"/> a symmetric log axis shows losses of both signs spanning several
/// decades (a KL gap near −0.02 beside a term near 200); with <see cref="ClipY"/> a linear axis ends at the 99th
/// percentile of the values instead of their maximum. NaN and infinite points (and on a log axis values ≤ 0) are skipped and break the line there, and a
/// point with no finite neighbour is drawn as a dot. Markers are labelled vertical lines (e.g. a progressive run's level
/// switches).
/// </summary>
public sealed class LinePlot
{
    /// <summary>Series colours, used in order (the matplotlib "tab10" palette, chosen to stay distinguishable).</summary>
    public static readonly IReadOnlyList<(byte R, byte G, byte B)> Palette =
    [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ];

    private static readonly (byte, byte, byte) White = (255, 255, 255);
    private static readonly (byte, byte, byte) Black = (0, 0, 0);
    private static readonly (byte, byte, byte) GridGrey = (225, 225, 225);
    private static readonly (byte, byte, byte) FrameGrey = (90, 90, 90);
    internal static readonly (byte R, byte G, byte B) MarkerGrey = (150, 150, 150);

    private readonly List<(string Name, double[] X, double[] Y)> _series = new();
    private readonly List<(double X, string Label)> _markers = new();

    public string Title { get; set; } = "";
    public string XLabel { get; set; } = "step";
    public string YLabel { get; set; } = "";
    public bool ShowLegend { get; set; } = true;

    /// <summary>A logarithmic y axis; values ≤ 0 are left out.</summary>
    public bool LogY { get; set; }

    /// <summary>
    /// A symmetric log y axis: y drawn at sign(y)·log10(1 + |y| / <see cref="SymLogThreshold"/>), so values of both signs
    /// far apart in size share one plot (nearly linear within ±threshold, logarithmic beyond).
    /// </summary>
    public bool SymLogY { get; set; }

    /// <summary>Where <see cref="SymLogY"/> turns from linear to logarithmic (&gt; 0).</summary>
    public double SymLogThreshold { get; set; } = 1;

    /// <summary>On a linear y axis, end the axis at the 99th percentile of the finite values (higher points run off the top).</summary>
    public bool ClipY { get; set; }

    /// <summary>The vertical markers added, in order.</summary>
    public IReadOnlyList<(double X, string Label)> Markers => _markers;

    /// <summary>A dashed vertical line at <paramref name="x"/> with <paramref name="label"/> at its top (e.g. "level 2").</summary>
    public void AddMarker(double x, string label) => _markers.Add((x, label));

    /// <summary>Adds a series; the i-th added series gets <c>Palette[i % 10]</c>.</summary>
    public void Add(string name, IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"series '{name}' has {x.Count} x values but {y.Count} y values");
        _series.Add((name, x.ToArray(), y.ToArray()));
    }

    /// <summary>
    /// One series per loss name found in <paramref name="records"/>, against the step; a logarithmic y axis when every
    /// finite loss is positive, else a linear one clipped at the 99th percentile. Where a record's "level" value (a
    /// progressive run's level) differs from the record before, a marker "level N" at that record's step.
    /// </summary>
    public static LinePlot FromMetrics(IEnumerable<MetricsRecord> records, string title = "losses")
    {
        var plot = new LinePlot { Title = title };
        var byName = new Dictionary<string, (List<double> X, List<double> Y)>();
        var order = new List<string>();
        double? level = null;
        foreach (var r in records)
        {
            foreach (var (name, v) in r.Losses)
            {
                if (!byName.TryGetValue(name, out var s)) { s = (new(), new()); byName[name] = s; order.Add(name); }
                s.X.Add(r.Step);
                s.Y.Add(v);
            }
            if (r.Values.TryGetValue("level", out var l))
            {
                if (level is { } previous && l != previous) plot.AddMarker(r.Step, $"level {l}");
                level = l;
            }
        }
        foreach (var name in order) plot.Add(name, byName[name].X, byName[name].Y);
        var finite = byName.Values.SelectMany(s => s.Y).Where(double.IsFinite).ToList();
        plot.LogY = finite.Count > 0 && finite.All(v => v > 0);
        // losses of both signs more than two decades apart in size (PIONEER: a KL gap near −0.02, a latent term near 200):
        // a symmetric log axis, linear below the 10th percentile of their sizes
        var sizes = finite.Select(Math.Abs).Where(v => v > 0).Order().ToArray();
        double small = sizes.Length > 0 ? sizes[sizes.Length / 10] : 0;
        plot.SymLogY = finite.Any(v => v < 0) && small > 0 && sizes[^1] > 100 * small;
        if (plot.SymLogY) plot.SymLogThreshold = Math.Pow(10, Math.Floor(Math.Log10(small)));
        plot.ClipY = !plot.LogY && !plot.SymLogY;
        plot.YLabel = plot.LogY ? "log scale" : plot.SymLogY ? $"symmetric log, linear to {FormatPower(plot.SymLogThreshold)}" : "99th percentile at top";
        return plot;
    }

    /// <summary>Renders at <paramref name="width"/> x <paramref name="height"/> pixels and writes the PNG atomically.</summary>
    public void Save(string path, int width = 800, int height = 480)
    {
        var r = Render(width, height);
        ImageIO.SavePng(path, r.Pixels, r.Width, r.Height, 3);
    }

    internal Raster Render(int width, int height)
    {
        if (width < 120 || height < 90) throw new ArgumentException($"plot size {width} x {height} is too small (at least 120 x 90)");
        var canvas = new Raster(width, height, White);
        // Text at 2x the font on normal-sized plots, 1x on thumbnails.
        int s = width >= 480 && height >= 300 ? 2 : 1;
        int lineH = BitmapFont.GlyphHeight * s;
        int pad = 4 * s;

        var (xMin, xMax) = Range(_series.Select(v => v.X), _series.Select(v => v.Y), useX: true, LogY);
        var (yMin, yMax) = Range(_series.Select(v => v.X), _series.Select(v => v.Y), useX: false, LogY);
        if (ClipY && !LogY && !SymLogY) yMax = Math.Max(yMin + (yMax - yMin) * 1e-3, Percentile99());
        if (SymLogY && !(SymLogThreshold > 0)) throw new ArgumentException($"SymLogThreshold must be > 0, got {SymLogThreshold}");

        // Layout: title on top; y tick labels and the rotated y label on the left; x tick labels and x label below.
        int top = pad + (Title.Length > 0 ? lineH + 2 * pad : 0);
        int tickLen = 2 * s;
        int bottom = height - (pad + (XLabel.Length > 0 ? lineH + pad : 0) + lineH + pad + tickLen);
        var yTicks = LogY ? LogTicks(yMin, yMax)
            : SymLogY ? SymLogTicks(yMin, yMax, SymLogThreshold)
            : Ticks(yMin, yMax, Math.Clamp((bottom - top) / (lineH * 4), 2, 10));
        (yMin, yMax) = (yTicks.Lo, yTicks.Hi);
        string[] yLabels = yTicks.Values.Select(v => LogY ? FormatPower(v)
            : SymLogY ? (v == 0 ? "0" : (v < 0 ? "-" : "") + FormatPower(Math.Abs(v)))
            : Format(v, yTicks.Step)).ToArray();
        int yLabelW = yLabels.Max(l => BitmapFont.Width(l, s));
        int left = pad + (YLabel.Length > 0 ? lineH + pad : 0) + yLabelW + pad + tickLen;
        int right = width - pad - 3 * s * BitmapFont.Advance;
        if (right - left < 20 || bottom - top < 20) throw new ArgumentException($"plot size {width} x {height} leaves no room for the axes");

        var xTicks = Ticks(xMin, xMax, Math.Clamp((right - left) / (BitmapFont.Advance * s * 9), 2, 10));
        (xMin, xMax) = (xTicks.Lo, xTicks.Hi);
        // The last x label is centred on the right edge of the frame: leave room for its right half.
        right = Math.Min(right, width - pad - BitmapFont.Width(Format(xMax, xTicks.Step), s) / 2);

        float Px(double x) => (float)(left + (x - xMin) / (xMax - xMin) * (right - left));
        double Axis(double y) => LogY ? Math.Log10(y) : SymLogY ? Math.Sign(y) * Math.Log10(1 + Math.Abs(y) / SymLogThreshold) : y;
        float Py(double y) => (float)(bottom - (Axis(y) - Axis(yMin)) / (Axis(yMax) - Axis(yMin)) * (bottom - top));

        // Grid lines and tick marks with their labels.
        for (int i = 0; i < yTicks.Values.Length; i++)
        {
            int py = (int)MathF.Round(Py(yTicks.Values[i]));
            canvas.FillRect(left, py, right - left, 1, GridGrey);
            canvas.FillRect(left - tickLen, py, tickLen, 1, FrameGrey);
            canvas.DrawText(left - tickLen - pad - BitmapFont.Width(yLabels[i], s), py - lineH / 2, yLabels[i], Black, s);
        }
        foreach (var v in xTicks.Values)
        {
            int px = (int)MathF.Round(Px(v));
            canvas.FillRect(px, top, 1, bottom - top, GridGrey);
            canvas.FillRect(px, bottom, 1, tickLen, FrameGrey);
            string label = Format(v, xTicks.Step);
            canvas.DrawText(px - BitmapFont.Width(label, s) / 2, bottom + tickLen + pad, label, Black, s);
        }
        canvas.FillRect(left, top, right - left + 1, 1, FrameGrey);
        canvas.FillRect(left, bottom, right - left + 1, 1, FrameGrey);
        canvas.FillRect(left, top, 1, bottom - top, FrameGrey);
        canvas.FillRect(right, top, 1, bottom - top, FrameGrey);

        // Markers: dashed vertical lines inside the frame, the label just right of the line's top, moved down a line
        // when it would run into the label of the marker before.
        var labelEnds = new List<int>();
        foreach (var (mx, label) in _markers)
        {
            int px = (int)MathF.Round(Px(mx));
            if (px <= left || px >= right) continue;
            for (int y = top + 1; y < bottom; y += 6 * s) canvas.FillRect(px, y, 1, Math.Min(3 * s, bottom - y), MarkerGrey);
            int x = px + 2 * s, line = labelEnds.FindIndex(end => end < x);
            if (line < 0) { line = labelEnds.Count; labelEnds.Add(0); }
            labelEnds[line] = x + BitmapFont.Width(label, s) + pad;
            canvas.DrawText(x, top + pad + line * (lineH + pad), label, MarkerGrey, s);
        }

        if (Title.Length > 0) canvas.DrawText((width - BitmapFont.Width(Title, s)) / 2, pad, Title, Black, s);
        if (XLabel.Length > 0)
            canvas.DrawText((left + right - BitmapFont.Width(XLabel, s)) / 2, height - pad - lineH, XLabel, Black, s);
        if (YLabel.Length > 0)
            canvas.DrawTextUp(pad, (top + bottom + BitmapFont.Width(YLabel, s)) / 2, YLabel, Black, s);

        // Series, clipped to the inside of the frame.
        var clip = (left + 1, top + 1, right - left - 1, bottom - top - 1);
        for (int k = 0; k < _series.Count; k++)
        {
            var (_, xs, ys) = _series[k];
            var colour = Palette[k % Palette.Count];
            var run = new List<(float, float)>();
            for (int i = 0; i <= xs.Length; i++)
            {
                bool ok = i < xs.Length && double.IsFinite(xs[i]) && double.IsFinite(ys[i]) && (!LogY || ys[i] > 0);
                if (ok) { run.Add((Px(xs[i]), Py(ys[i]))); continue; }
                // A lone point is drawn as a dot a little wider than the line so it stays visible.
                canvas.DrawPolyline(run, run.Count == 1 ? 3f * s : 1.5f * s, colour, clip);
                run.Clear();
            }
        }

        if (ShowLegend && _series.Count > 0) DrawLegend(canvas, left, top, right, s, lineH, pad);
        return canvas;
    }

    private void DrawLegend(Raster canvas, int left, int top, int right, int s, int lineH, int pad)
    {
        int swatch = 8 * s * 2;
        int rowH = lineH + pad;
        int w = pad + swatch + pad + _series.Max(v => BitmapFont.Width(v.Name, s)) + pad;
        int h = pad + _series.Count * rowH;
        int x0 = Math.Max(left + pad, right - pad - w), y0 = top + pad;
        canvas.FillRect(x0, y0, w, h, FrameGrey);
        canvas.FillRect(x0 + 1, y0 + 1, w - 2, h - 2, White);
        for (int k = 0; k < _series.Count; k++)
        {
            int y = y0 + pad + k * rowH;
            canvas.FillRect(x0 + pad, y + lineH / 2 - s, swatch, 2 * s, Palette[k % Palette.Count]);
            canvas.DrawText(x0 + pad + swatch + pad, y, _series[k].Name, Black, s);
        }
    }

    /// <summary>
    /// Finite data range of x or y over points where both are finite (and y > 0 for a log axis); a flat or empty range
    /// is widened.
    /// </summary>
    private static (double Lo, double Hi) Range(IEnumerable<double[]> xs, IEnumerable<double[]> ys, bool useX, bool positiveY)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var (x, y) in xs.Zip(ys))
            for (int i = 0; i < x.Length; i++)
            {
                if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]) || (positiveY && y[i] <= 0)) continue;
                double v = useX ? x[i] : y[i];
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
        if (lo > hi) return positiveY && !useX ? (1, 10) : (0, 1);
        if (lo == hi)
        {
            if (positiveY && !useX) return (lo / 2, hi * 2);
            double d = lo == 0 ? 1 : Math.Abs(lo) * 0.1;
            return (lo - d, hi + d);
        }
        return (lo, hi);
    }

    /// <summary>The 99th percentile of every series' finite y values (nearest rank).</summary>
    private double Percentile99()
    {
        var ys = _series.SelectMany(v => v.Y).Where(double.IsFinite).Order().ToArray();
        return ys.Length == 0 ? 1 : ys[Math.Clamp((int)Math.Ceiling(0.99 * ys.Length) - 1, 0, ys.Length - 1)];
    }

    /// <summary>
    /// Ticks of a log axis over [lo, hi] (both > 0): the powers of ten that enclose the range, with 2 and 5 between them
    /// when it spans at most two decades, every second or third power when it spans more than eight.
    /// </summary>
    internal static (double Lo, double Hi, double Step, double[] Values) LogTicks(double lo, double hi)
    {
        int a = (int)Math.Floor(Math.Log10(lo) + 1e-9), b = (int)Math.Ceiling(Math.Log10(hi) - 1e-9);
        if (b <= a) b = a + 1;
        int every = (b - a + 7) / 8;
        var values = new List<double>();
        for (int k = a; k <= b; k += every)
        {
            values.Add(Math.Pow(10, k));
            if (b - a <= 2 && k < b) { values.Add(2 * Math.Pow(10, k)); values.Add(5 * Math.Pow(10, k)); }
        }
        double top = Math.Pow(10, a + (b - a + every - 1) / every * every);
        if (values[^1] < top) values.Add(top);
        return (Math.Pow(10, a), top, double.NaN, values.ToArray());
    }

    /// <summary>
    /// Ticks of a symmetric log axis over [lo, hi] with linear part ±<paramref name="threshold"/>: 0 and ±10^k from the
    /// threshold's power up to the power of ten that encloses each end (every second or third power past eight a side).
    /// </summary>
    internal static (double Lo, double Hi, double Step, double[] Values) SymLogTicks(double lo, double hi, double threshold)
    {
        int first = (int)Math.Floor(Math.Log10(threshold) + 1e-9);
        int Last(double end) => Math.Max(first, (int)Math.Ceiling(Math.Log10(end) - 1e-9));
        var values = new List<double> { 0 };
        double axisLo = 0, axisHi = 0;
        foreach (int sign in new[] { -1, 1 })
        {
            double end = sign < 0 ? -lo : hi;
            if (end <= 0) continue;
            int last = Last(end), every = (last - first + 8) / 8;
            for (int k = first; k <= last; k += every) values.Add(sign * Math.Pow(10, k));
            double edge = sign * Math.Pow(10, first + (last - first + every - 1) / every * every);
            if (Math.Abs(values[^1]) < Math.Abs(edge)) values.Add(edge);
            if (sign < 0) axisLo = edge; else axisHi = edge;
        }
        return (axisLo, axisHi, double.NaN, values.Order().ToArray());
    }

    /// <summary>A log-axis label: plain decimals from 0.001 to 100 000, e-notation outside (1e-5, 1e+06).</summary>
    internal static string FormatPower(double v)
        => v is >= 1e-3 and < 1e6 ? v.ToString("0.###", CultureInfo.InvariantCulture) : v.ToString("0e+0", CultureInfo.InvariantCulture);

    /// <summary>Ticks at multiples of a 1/2/5 x 10^k step, about <paramref name="target"/> of them, and the axis bounds they span.</summary>
    internal static (double Lo, double Hi, double Step, double[] Values) Ticks(double lo, double hi, int target)
    {
        double raw = (hi - lo) / target;
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double m = raw / mag;
        double step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
        double a = Math.Floor(lo / step), b = Math.Ceiling(hi / step);
        var values = new double[(int)(b - a) + 1];
        // Multiplying integer tick indices by the step keeps labels like 0.3 free of accumulated error.
        for (int i = 0; i < values.Length; i++) values[i] = (a + i) * step;
        return (a * step, b * step, step, values);
    }

    /// <summary>A tick label with just enough decimals for the tick step; very large or small values in e-notation.</summary>
    internal static string Format(double v, double step)
    {
        if (Math.Abs(v) < step * 1e-9) return "0";
        double big = Math.Abs(v);
        if (big >= 1e6 || step < 1e-4) return v.ToString("0.###e0", CultureInfo.InvariantCulture);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        return v.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}

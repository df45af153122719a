using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AlaeEngine.Bench;

/// <summary>
/// A summary column for the memory-bound (GB/s) rows: their rate as a share of <see cref="CudaKernelBenchmarks.DeviceCopy"/>'s
/// at the same shape in the same run, the ceiling a streaming kernel can reach on this GPU.
/// </summary>
public sealed class CopyShareColumn : IColumn
{
    public string Id => nameof(CopyShareColumn);
    public string ColumnName => "OfCopy";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 1;
    public bool IsNumeric => false;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "GB/s of the row over GB/s of DeviceCopy at the same shape, this run";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (benchmarkCase.Parameters["Shape"] is not StyleShape shape) return "-";
        var copy = summary.BenchmarksCases.FirstOrDefault(b =>
            b.Descriptor.WorkloadMethod.Name == nameof(CudaKernelBenchmarks.DeviceCopy) && Equals(b.Parameters["Shape"], shape));
        var row = Rate(summary, benchmarkCase, shape);
        var ceiling = copy == null ? null : Rate(summary, copy, shape);
        if (row is not { Unit: "GB/s" } r || ceiling is not { } c) return "-";
        return $"{100 * r.PerSecond / c.PerSecond:F0} %";
    }

    private static (double PerSecond, string Unit)? Rate(Summary summary, BenchmarkCase benchmarkCase, StyleShape shape)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (stats == null) return null;
        var (perSecond, unit, _) = KernelWork.Rate(benchmarkCase.Descriptor.WorkloadMethod.Name, shape, stats.Mean);
        return (perSecond, unit);
    }
}

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AlaeEngine.Bench;

/// <summary>A summary column with the achieved rate: <see cref="KernelWork"/> of one launch divided by the mean time per launch.</summary>
public sealed class RateColumn : IColumn
{
    public string Id => nameof(RateColumn);
    public string ColumnName => "Rate";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => false;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "GB/s of compulsory traffic or TFLOP/s, per launch (formulas in bench/NOTES.md)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        // ResultStatistics are per operation: OperationsPerInvoke already divides by the launches of one invocation
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (stats == null || benchmarkCase.Parameters["Shape"] is not StyleShape shape) return "-";
        var (perSecond, unit, scale) = KernelWork.Rate(benchmarkCase.Descriptor.WorkloadMethod.Name, shape, stats.Mean);
        return $"{perSecond / scale:F1} {unit}";
    }
}

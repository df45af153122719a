namespace AlaeEngine.Bench;

/// <summary>An activation (N, C, H, W) of StyleALAE at one resolution; BenchmarkDotNet shows it as "NxCxHxW".</summary>
public sealed record StyleShape(int N, int C, int H, int W)
{
    /// <summary>The StyleALAE generator/encoder blocks at 32², 64², 128² and 256² with their batch sizes.</summary>
    public static IEnumerable<StyleShape> All { get; } =
        [new(64, 512, 32, 32), new(32, 256, 64, 64), new(32, 128, 128, 128), new(16, 64, 256, 256)];

    public override string ToString() => $"{N}x{C}x{H}x{W}";
}

namespace AlaeEngine.Bench;

/// <summary>An activation (N, C, H, W) of StyleALAE at one resolution; BenchmarkDotNet shows it as "NxCxHxW".</summary>
public sealed record StyleShape(int N, int C, int H, int W)
{
    /// <summary>
    /// The StyleALAE generator/encoder blocks at 32², 64², 128² and 256² with their batch sizes; ALAE_BENCH_SHAPES
    /// ("NxCxHxW,…") replaces them, e.g. with small shapes for a rehearsal under the host emulation (tools/gpu-checks.sh).
    /// </summary>
    public static IEnumerable<StyleShape> All { get; } = Environment.GetEnvironmentVariable("ALAE_BENCH_SHAPES") is { Length: > 0 } list
        ? list.Split(',').Select(Parse).ToArray()
        : [new(64, 512, 32, 32), new(32, 256, 64, 64), new(32, 128, 128, 128), new(16, 64, 256, 256)];

    private static StyleShape Parse(string text)
    {
        var d = text.Trim().Split('x');
        if (d.Length != 4 || !d.All(v => int.TryParse(v, out int k) && k > 0))
            throw new ArgumentException($"ALAE_BENCH_SHAPES: '{text}' is not NxCxHxW with four positive integers");
        return new(int.Parse(d[0]), int.Parse(d[1]), int.Parse(d[2]), int.Parse(d[3]));
    }

    public override string ToString() => $"{N}x{C}x{H}x{W}";
}

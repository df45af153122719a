using System.Text.Json.Nodes;

namespace AlaeEngine.Training;

/// <summary>
/// The part of a run's metrics that lives in its checkpoints: the step of the last record written
/// (<see cref="LoggedThrough"/>), the iterations accumulated since (their count, each loss's sum and count, and the last
/// one's position, throughput and values) and the wall time of all sessions so far.
/// </summary>
public sealed record MetricsWindow
{
    public long LoggedThrough { get; init; }
    public double WallSeconds { get; init; }
    public int Count { get; init; }
    public Dictionary<string, double> Sums { get; init; } = new();
    public Dictionary<string, int> Counts { get; init; } = new();
    public long Step { get; init; }
    public int Epoch { get; init; }
    public double ImagesPerSecond { get; init; }
    public Dictionary<string, double> Values { get; init; } = new();

    /// <summary>Nothing accumulated and no wall time: a new run (step 0), or a checkpoint written before windows were saved.</summary>
    public static MetricsWindow StartingAt(long step) => new() { LoggedThrough = step, Step = step };

    public JsonObject ToJson() => new()
    {
        ["loggedThrough"] = LoggedThrough, ["wallSeconds"] = WallSeconds, ["count"] = Count, ["sums"] = Map(Sums),
        ["counts"] = new JsonObject(Counts.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        ["step"] = Step, ["epoch"] = Epoch, ["imagesPerSecond"] = ImagesPerSecond, ["values"] = Map(Values),
    };

    /// <summary>The window saved in a checkpoint at <paramref name="step"/>; checkpoints without one start an empty window there.</summary>
    public static MetricsWindow FromCheckpoint(CheckpointState state, long step)
    {
        if (state.Object("metrics") is not { } json) return StartingAt(step);
        var m = new CheckpointState(state.Path + " (metrics)", json);
        return new MetricsWindow
        {
            LoggedThrough = m.Long("loggedThrough"), WallSeconds = m.Double("wallSeconds"), Count = m.Int("count"), Sums = ReadMap(m, "sums"),
            Counts = ReadMap(m, "counts").ToDictionary(kv => kv.Key, kv => (int)kv.Value),
            Step = m.Long("step"), Epoch = m.Int("epoch"), ImagesPerSecond = m.Double("imagesPerSecond"), Values = ReadMap(m, "values"),
        };
    }

    private static JsonObject Map(Dictionary<string, double> map) => new(map.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    private static Dictionary<string, double> ReadMap(CheckpointState m, string name)
    {
        var map = m.Object(name) ?? throw new InvalidDataException($"{m.Path}: checkpoint has no '{name}'");
        var values = new CheckpointState(m.Path + $" ({name})", map);
        return map.Select(kv => kv.Key).ToDictionary(k => k, values.Double);
    }
}

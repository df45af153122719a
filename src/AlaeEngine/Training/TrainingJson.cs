using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace AlaeEngine.Training;

/// <summary>Source-generated JSON for what checkpoints and reports store, so a trimmed `alae` keeps working.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(AeStyleGanTrainingOptions))]
[JsonSerializable(typeof(MlpTrainingOptions))]
[JsonSerializable(typeof(MnistScores))]
[JsonSerializable(typeof(PioneerTrainingOptions))]
[JsonSerializable(typeof(StyleTrainingOptions))]
internal sealed partial class TrainingJson : JsonSerializerContext;

/// <summary>The JSON of a training options record registered in <see cref="TrainingJson"/> (checkpoints, configuration files).</summary>
public static class TrainingOptionsJson
{
    public static JsonTypeInfo<T> Of<T>() where T : TrainingOptions
        => TrainingJson.Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
           ?? throw new InvalidOperationException($"{typeof(T).Name} is not registered in Training/TrainingJson.cs");
}

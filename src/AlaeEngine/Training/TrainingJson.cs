using System.Text.Json.Serialization;

namespace AlaeEngine.Training;

/// <summary>Source-generated JSON for what checkpoints and reports store, so a trimmed `alae` keeps working.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(AeStyleGanTrainingOptions))]
[JsonSerializable(typeof(MlpTrainingOptions))]
[JsonSerializable(typeof(MnistScores))]
[JsonSerializable(typeof(StyleTrainingOptions))]
internal sealed partial class TrainingJson : JsonSerializerContext;

namespace AlaeEngine.Training;

/// <summary>The model a checkpoint holds, from the "format" field of its JSON state.</summary>
public enum CheckpointKind
{
    /// <summary>MLP-ALAE ("alae-mlp-checkpoint/1"), written by <see cref="MlpTrainer"/>.</summary>
    Mlp,

    /// <summary>StyleALAE ("alae-style-checkpoint/1"), written by <see cref="StyleTrainer"/>.</summary>
    Style,

    /// <summary>Balanced PIONEER ("alae-pioneer-checkpoint/1"), written by <see cref="PioneerTrainer"/>.</summary>
    Pioneer,

    /// <summary>AE-StyleGAN ("alae-aegan-checkpoint/1"), written by <see cref="AeStyleGanTrainer"/>.</summary>
    AeStyleGan,
}

/// <summary>Tells checkpoint kinds apart so that one inference command can serve every model.</summary>
public static class CheckpointFormat
{
    /// <summary>The kind of the checkpoint whose JSON state is at <paramref name="checkpointJson"/>; an unknown format is an error naming it.</summary>
    public static CheckpointKind Detect(string checkpointJson)
    {
        var format = Checkpoint.Format(Checkpoint.ReadState(checkpointJson));
        return format switch
        {
            MlpTrainer.StateFormat => CheckpointKind.Mlp,
            StyleTrainer.StateFormat => CheckpointKind.Style,
            PioneerTrainer.StateFormat => CheckpointKind.Pioneer,
            AeStyleGanTrainer.StateFormat => CheckpointKind.AeStyleGan,
            null => throw new InvalidDataException($"{checkpointJson}: not an alae checkpoint (its JSON has no \"format\" field)"),
            _ => throw new InvalidDataException(
                $"{checkpointJson}: unknown checkpoint format '{format}' (known: {MlpTrainer.StateFormat}, {StyleTrainer.StateFormat}, {PioneerTrainer.StateFormat}, {AeStyleGanTrainer.StateFormat})"),
        };
    }
}

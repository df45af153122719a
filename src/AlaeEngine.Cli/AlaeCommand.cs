using System.CommandLine;
using AlaeEngine.Cli.Commands;

namespace AlaeEngine.Cli;

/// <summary>The `alae` command tree; each sub-command lives in Commands/.</summary>
internal static class AlaeCommand
{
    public static RootCommand Create() => new("AlaeEngine: Adversarial Latent Autoencoders in C# with hand-written kernels")
    {
        TrainCommand.Create(),
        InferenceCommands.Reconstruct(),
        InferenceCommands.Generate(),
        InferenceCommands.Interpolate(),
        InferenceCommands.Mix(),
        EvalCommand.Create(),
        BenchCommand.Create(),
        GradCheckCommand.Create(),
        SelfTestCommand.Create(),
        PresetsCommand.Create(),
    };
}

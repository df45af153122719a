using System.CommandLine;
using AlaeEngine.Cli;
using AlaeEngine.Cli.Commands;

// alae: train, inspect and verify ALAE models. Each sub-command lives in Commands/.
var root = new RootCommand("AlaeEngine: Adversarial Latent Autoencoders in C# with hand-written kernels")
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
return await CliRunner.InvokeAsync(root, args);

using AlaeEngine.Cli;

// alae: train, inspect and verify ALAE models (the commands: AlaeCommand; errors and exit codes: CliRunner)
return await CliRunner.InvokeAsync(AlaeCommand.Create(), args);

using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/AlaeEngine.Bench -- --filter '*'   (see bench/NOTES.md for results)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

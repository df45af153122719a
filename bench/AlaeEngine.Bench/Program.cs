using AlaeEngine.Bench;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/AlaeEngine.Bench -- --filter '*'   (see bench/NOTES.md for results)
// dotnet run -c Release --project bench/AlaeEngine.Bench -- peer-kernels --threads 1   (bench/peer/compare.py's kernel rows)
if (args.Length > 0 && args[0] == "peer-kernels") return PeerKernels.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

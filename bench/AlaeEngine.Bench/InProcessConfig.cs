using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AlaeEngine.Bench;

/// <summary>
/// A short job run in this process: the bundle for GPU boxes carries a .NET runtime but no SDK, so BenchmarkDotNet
/// cannot build its usual child process there.
/// </summary>
public class InProcessConfig : ManualConfig
{
    public InProcessConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
}

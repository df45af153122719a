using System.CommandLine;
using AlaeEngine.Cpu;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The options every `alae train` command has — run folder, seed, resume, cut-off, grid and checkpoint intervals,
/// device, threads — declared, read and checked in one place, and the one rule for what a flag does to a resumed run
/// (<see cref="Resolve{T}"/>). A command adds its model's options next to these and describes them as
/// <see cref="RunFlag{T}"/>s.
/// </summary>
internal sealed class RunFlags
{
    public RunFlags(string defaultOut)
    {
        Out = Opt.Of("--out", "run folder: checkpoints, samples, metrics.jsonl, losses.png", defaultOut);
        Seed = Opt.Of("--seed", "seed of every random choice (same seed, same losses)", 1UL);
        Resume = Opt.Of("--resume", "continue from the newest checkpoint in --out, with the options it was started with", false);
        MaxIterations = Opt.Of("--max-iterations", "stop after this many iterations in all (0: the whole schedule)", 0L);
        SampleEvery = Opt.Of("--sample-every", "write a sample grid every N iterations (and at the end of every epoch or level)", 500);
        CheckpointEvery = Opt.Of("--checkpoint-every", "write a checkpoint every N iterations (and at the end of every epoch or level)", 1000);
        Threads = Opt.Of("--threads", "CPU worker threads", Environment.ProcessorCount);
        Device = Opt.Of("--device", "cpu, or cuda (the CUDA backend)", "cpu");
    }

    public Option<string> Out { get; }
    public Option<ulong> Seed { get; }
    public Option<bool> Resume { get; }
    public Option<long> MaxIterations { get; }
    public Option<int> SampleEvery { get; }
    public Option<int> CheckpointEvery { get; }
    public Option<int> Threads { get; }
    public Option<string> Device { get; }

    public IEnumerable<Option> All => [Out, Seed, Resume, MaxIterations, SampleEvery, CheckpointEvery, Threads, Device];

    /// <summary><paramref name="options"/> with the frame's options (<see cref="TrainingOptions"/>) read from the flags.</summary>
    public T ApplyTo<T>(ParseResult r, T options) where T : TrainingOptions => (T)((TrainingOptions)options with
    {
        OutDir = r.GetValue(Out)!, Seed = r.GetValue(Seed), MaxIterations = r.GetValue(MaxIterations),
        SampleEvery = r.GetValue(SampleEvery), CheckpointEvery = r.GetValue(CheckpointEvery),
    });

    /// <summary>
    /// The run's options, and the checkpoint to continue from (null for a new run, which takes <paramref name="fromFlags"/>).
    /// With --resume: the newest checkpoint in --out and the options it was saved with. A flag that may change a run
    /// (<see cref="RunFlag{T}.MayChange"/>; --sample-every, --checkpoint-every) applies when given and is printed; a flag
    /// that defines the run (--seed and the model's) is accepted when given the run's own value and otherwise refused,
    /// every differing one named in one message. --out and --max-iterations belong to the session and always apply.
    /// </summary>
    public (T Options, string? Checkpoint) Resolve<T>(ParseResult r, T fromFlags, Func<string, T> savedIn, IReadOnlyList<RunFlag<T>> modelFlags)
        where T : TrainingOptions
    {
        fromFlags.Validate();
        if (!r.GetValue(Resume)) return (fromFlags, null);
        var checkpoint = Checkpoint.Latest(fromFlags.OutDir)
            ?? throw new FileNotFoundException($"--resume: no complete checkpoint in {Path.Combine(fromFlags.OutDir, Checkpoint.Folder)}");
        var saved = savedIn(checkpoint);
        var options = (T)((TrainingOptions)saved with { OutDir = fromFlags.OutDir, MaxIterations = fromFlags.MaxIterations });
        var flags = modelFlags.Concat(
        [
            new RunFlag<T>(Seed, o => o.Seed),
            new RunFlag<T>(SampleEvery, o => o.SampleEvery, (s, f) => (T)((TrainingOptions)s with { SampleEvery = f.SampleEvery })),
            new RunFlag<T>(CheckpointEvery, o => o.CheckpointEvery, (s, f) => (T)((TrainingOptions)s with { CheckpointEvery = f.CheckpointEvery })),
        ]).Where(f => r.GetResult(f.Option) is { Implicit: false }).ToList();
        var refused = flags.Where(f => !f.MayChange && !Equals(f.ValueIn(fromFlags), f.ValueIn(saved)))
            .Select(f => $"{f.Option.Name} {f.ValueIn(fromFlags)} (the run's: {f.ValueIn(saved)})").ToList();
        if (refused.Count > 0)
            throw new ArgumentException($"--resume continues the run in {fromFlags.OutDir} with the options it was started with; " +
                                        $"these differ: {string.Join(", ", refused)}. Leave them out, or start a new run in another --out folder.");
        foreach (var f in flags.Where(f => f.MayChange))
        {
            var changed = f.TakeOver!(options, fromFlags);
            if (!Equals(f.ValueIn(changed), f.ValueIn(options)))
                Console.WriteLine($"resume: {f.Option.Name} changes the run's {f.ValueIn(options)} to {f.ValueIn(changed)}");
            options = changed;
        }
        options.Validate();
        return (options, checkpoint);
    }

    /// <summary>Sets the CPU threads and opens the device the flags name.</summary>
    public Device OpenDevice(ParseResult r)
    {
        int threads = r.GetValue(Threads);
        if (threads < 1) throw new ArgumentException($"--threads must be ≥ 1, got {threads}");
        CpuKernels.Threads = threads;
        return ComputeDevice.Open(r.GetValue(Device)!);
    }

    /// <summary>"2 CPU threads" or the GPU's description, for a run's first line.</summary>
    public static string Describe(Device device) => device.Kind == DeviceKind.Cpu ? $"{CpuKernels.Threads} CPU threads" : device.ToString();
}

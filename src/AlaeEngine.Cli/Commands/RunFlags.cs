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
    /// <param name="data">the command's --data option (its default and description are the model's); the command lists it.</param>
    public RunFlags(string defaultOut, Option<string> data)
    {
        Data = data;
        Out = Opt.Of("--out", "run folder: checkpoints, samples, metrics.jsonl, losses.png", defaultOut);
        Seed = Opt.Of("--seed", "seed of every random choice (same seed, same losses)", 1UL);
        Resume = Opt.Of("--resume", "continue from the newest checkpoint in --out, with the options it was started with", false);
        Overwrite = Opt.Of("--overwrite", "start a new run in an --out folder that holds one: the old run's checkpoints, samples and metrics move to <out>.old-<time> first", false);
        MaxIterations = Opt.Of("--max-iterations", "stop after this many iterations in all (0: the whole schedule)", 0L);
        SampleEvery = Opt.Of("--sample-every", "write a sample grid every N iterations (and at the end of the run, and of every level of a progressive model)", 500);
        CheckpointEvery = Opt.Of("--checkpoint-every", "write a checkpoint every N iterations (and at the end of the run, and of every level of a progressive model)", 1000);
        Threads = Opt.Of("--threads", "CPU worker threads", Environment.ProcessorCount);
        Device = Opt.Of("--device", "cpu, or cuda (the CUDA backend)", "cpu");
    }

    /// <summary>--data: where the training data lies, stored absolute; a resumed run may point it at the moved data.</summary>
    public Option<string> Data { get; }
    public Option<string> Out { get; }
    public Option<ulong> Seed { get; }
    public Option<bool> Resume { get; }
    public Option<bool> Overwrite { get; }
    public Option<long> MaxIterations { get; }
    public Option<int> SampleEvery { get; }
    public Option<int> CheckpointEvery { get; }
    public Option<int> Threads { get; }
    public Option<string> Device { get; }

    public Option<bool> AllowNonFinite { get; } = NonFiniteNumbers.AllowOption();

    public IEnumerable<Option> All => [Out, Seed, Resume, Overwrite, MaxIterations, SampleEvery, CheckpointEvery, Threads, Device, AllowNonFinite];

    /// <summary><paramref name="options"/> with the frame's options (<see cref="TrainingOptions"/>) read from the flags.</summary>
    public T ApplyTo<T>(ParseResult r, T options) where T : TrainingOptions => (T)((TrainingOptions)options with
    {
        OutDir = r.GetValue(Out)!, DataDir = Path.GetFullPath(r.GetValue(Data)!), Seed = r.GetValue(Seed), MaxIterations = r.GetValue(MaxIterations),
        SampleEvery = r.GetValue(SampleEvery), CheckpointEvery = r.GetValue(CheckpointEvery),
    });

    /// <summary>
    /// Starts the run the flags describe: checks them, claims the run folder (<see cref="RunFolder"/>: one run at a
    /// time, the lock held until <paramref name="train"/> returns or the process ends), resolves the options
    /// (<see cref="Resolve{T}"/>) and calls <paramref name="train"/> with them and the checkpoint to continue from
    /// (null for a new run); returns its exit code. A new run never starts in a folder that holds one: it is refused,
    /// or with --overwrite the old run is moved aside first. Temporary files of writes a killed run left are removed.
    /// </summary>
    public int Start<T>(ParseResult r, T fromFlags, Func<string, T> savedIn, IReadOnlyList<RunFlag<T>> modelFlags, Func<T, string?, int> train)
        where T : TrainingOptions
    {
        fromFlags.Validate();
        ThreadCount(r); // before anything is written
        bool resume = r.GetValue(Resume), overwrite = r.GetValue(Overwrite);
        if (resume && overwrite) throw new ArgumentException("--resume continues the run in --out and --overwrite starts a new one there: give one of them");
        using var folder = RunFolder.Claim(fromFlags.OutDir);
        var (stale, bytes) = folder.RemoveStaleTemporaryFiles();
        if (stale.Count > 0)
            Console.WriteLine($"removed {stale.Count} temporary file(s) of interrupted writes ({bytes / 1e6:F1} MB): {string.Join(", ", stale.Take(3))}{(stale.Count > 3 ? ", …" : "")}");
        if (!resume && folder.RunFiles is { Count: > 0 } earlier)
        {
            if (!overwrite)
                throw new ArgumentException($"{folder.FullPath} already holds a run ({string.Join(", ", earlier)}): continue it with --resume, " +
                                            $"start a new one there with --overwrite (the old run moves to {folder.FullPath}.old-<time>), or choose another --out");
            Console.WriteLine($"--overwrite: moved the earlier run ({string.Join(", ", earlier)}) to {folder.MoveRunAside()}");
        }
        var (options, checkpoint) = Resolve(r, fromFlags, savedIn, modelFlags);
        return train(options, checkpoint);
    }

    /// <summary>
    /// The run's options, and the checkpoint to continue from (null for a new run, which takes <paramref name="fromFlags"/>).
    /// With --resume: the newest checkpoint in --out and the options it was saved with. A flag that may change a run
    /// (<see cref="RunFlag{T}.MayChange"/>; --sample-every, --checkpoint-every) applies when given and is printed; a flag
    /// that defines the run (--seed and the model's) is accepted when given the run's own value and otherwise refused,
    /// every differing one named in one message. --out and --max-iterations belong to the session and always apply.
    /// </summary>
    private (T Options, string? Checkpoint) Resolve<T>(ParseResult r, T fromFlags, Func<string, T> savedIn, IReadOnlyList<RunFlag<T>> modelFlags)
        where T : TrainingOptions
    {
        if (!r.GetValue(Resume)) return (fromFlags, null);
        var checkpoint = Checkpoint.Latest(fromFlags.OutDir)
            ?? throw new FileNotFoundException($"--resume: no complete checkpoint in {Path.Combine(fromFlags.OutDir, Checkpoint.Folder)}");
        var saved = savedIn(checkpoint);
        var options = (T)((TrainingOptions)saved with { OutDir = fromFlags.OutDir, MaxIterations = fromFlags.MaxIterations });
        // a checkpoint from before the data folder was saved with the run: the flag's folder (its default when not given)
        if (saved.DataDir == "") options = (T)((TrainingOptions)options with { DataDir = fromFlags.DataDir });
        var flags = modelFlags.Concat(
        [
            // the data may have moved; the trainer checks on resume that it is the run's (count and content hash)
            new RunFlag<T>(Data, o => o.DataDir, (s, f) => (T)((TrainingOptions)s with { DataDir = f.DataDir })),
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
        CpuKernels.Threads = ThreadCount(r);
        return ComputeDevice.Open(r.GetValue(Device)!);
    }

    private int ThreadCount(ParseResult r)
    {
        int threads = r.GetValue(Threads);
        if (threads < 1) throw new ArgumentException($"--threads must be ≥ 1, got {threads}");
        return threads;
    }

    /// <summary>"2 CPU threads" or the GPU's description, for a run's first line.</summary>
    public static string Describe(Device device) => device.Kind == DeviceKind.Cpu ? $"{CpuKernels.Threads} CPU threads" : device.ToString();
}

using System.CommandLine;
using AlaeEngine.Cpu;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// The options every `alae train` command has — run folder, seed, resume, cut-off, grid and checkpoint intervals,
/// device, threads — declared, read and checked in one place, and the one rule for what a flag does to a resumed run
/// (<see cref="Resolve{T}"/>). A command adds its model's options next to these and describes them as
/// <see cref="RunFlag{T}"/>s. A new run may start from a configuration file (--config, <see cref="ConfigFile"/>): the
/// command builds its options on <see cref="Basis{T}"/> and reads each flag with <see cref="Value{V}"/>, so a flag given
/// on the command line overrides the file, which overrides the defaults; --dump-config writes the options a run would
/// have and starts nothing.
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
        MaxIterations = Opt.AtLeast("--max-iterations", "stop after this many iterations in all (0: the whole schedule)", 0L, 0L);
        SampleEvery = Opt.AtLeast("--sample-every", "write a sample grid every N iterations (and at the end of the run, and of every level of a progressive model)", 500, 1);
        CheckpointEvery = Opt.AtLeast("--checkpoint-every", "write a checkpoint every N iterations (and at the end of the run, and of every level of a progressive model)", 1000, 1);
        Threads = Opt.Threads();
        Device = ComputeDevice.Option("cpu");
        Config = Opt.Of<string?>("--config", "start the run from this configuration file (.json, .yaml or .yml, as --dump-config writes); flags given with it override it", null);
        DumpConfig = Opt.Of<string?>("--dump-config", "write the run's whole configuration to this file (.json, .yaml or .yml) and stop, without training", null);
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
    public Option<string?> Config { get; }
    public Option<string?> DumpConfig { get; }

    public Option<bool> AllowNonFinite { get; } = NonFiniteNumbers.AllowOption();

    public IEnumerable<Option> All => [Out, Seed, Resume, Overwrite, Config, DumpConfig, MaxIterations, SampleEvery, CheckpointEvery, Threads, Device, AllowNonFinite];

    /// <summary>The options a new run builds on: the --config file's (complete, see <see cref="ConfigFile"/>), or the defaults.</summary>
    public T Basis<T>(ParseResult r) where T : TrainingOptions, new()
        => r.GetValue(Config) is { } file ? ConfigFile.Read(file, TrainingOptionsJson.Of<T>()) : new T();

    /// <summary>Whether the run starts from a --config file.</summary>
    public bool HasConfig(ParseResult r) => r.GetValue(Config) != null;

    /// <summary>Whether <paramref name="option"/> was given on the command line.</summary>
    public static bool Given(ParseResult r, Option option) => r.GetResult(option) is { Implicit: false };

    /// <summary>
    /// A flag's value for a new run: the command line's when given, else the --config file's (<paramref name="fromBasis"/>,
    /// read from <see cref="Basis{T}"/>), else the flag's default.
    /// </summary>
    public V Value<V>(ParseResult r, Option<V> option, V fromBasis) => Given(r, option) || !HasConfig(r) ? r.GetValue(option)! : fromBasis;

    /// <summary><paramref name="options"/> (built on <see cref="Basis{T}"/>) with the frame's options (<see cref="TrainingOptions"/>) read from the flags.</summary>
    public T ApplyTo<T>(ParseResult r, T options) where T : TrainingOptions => (T)((TrainingOptions)options with
    {
        OutDir = Value(r, Out, options.OutDir), DataDir = Path.GetFullPath(Value(r, Data, options.DataDir is "" ? r.GetValue(Data)! : options.DataDir)), Seed = Value(r, Seed, options.Seed),
        MaxIterations = Value(r, MaxIterations, options.MaxIterations),
        SampleEvery = Value(r, SampleEvery, options.SampleEvery), CheckpointEvery = Value(r, CheckpointEvery, options.CheckpointEvery),
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
        bool resume = r.GetValue(Resume), overwrite = r.GetValue(Overwrite);
        if (resume && overwrite) throw new ArgumentException("--resume continues the run in --out and --overwrite starts a new one there: give one of them");
        if (resume && HasConfig(r))
            throw new ArgumentException("--config starts a new run; --resume continues a run with the configuration in its checkpoint (give only the flags that may change)");
        if (r.GetValue(DumpConfig) is { } dump)
        {
            var (run, _) = Resolve(r, fromFlags, savedIn, modelFlags);
            var command = CommandName(r);
            ConfigFile.Write(dump, run, TrainingOptionsJson.Of<T>(), command);
            Console.WriteLine($"wrote the run's configuration to {dump}; train with it: alae {command} --config {dump}");
            return 0;
        }
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
        // a checkpoint from before the data folder was saved with the run (no field: null): the flag's folder (its default when not given)
        if (string.IsNullOrEmpty(saved.DataDir)) options = (T)((TrainingOptions)options with { DataDir = fromFlags.DataDir });
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

    /// <summary>"train style": the command's words after `alae`.</summary>
    private static string CommandName(ParseResult r)
    {
        var words = new List<string>();
        for (var c = r.CommandResult; c is { Parent: not null }; c = c.Parent as System.CommandLine.Parsing.CommandResult) words.Insert(0, c.Command.Name);
        return string.Join(" ", words);
    }

    /// <summary>Sets the CPU threads and opens the device the flags name (both checked when the command line was parsed).</summary>
    public Device OpenDevice(ParseResult r)
    {
        CpuKernels.Threads = r.GetValue(Threads);
        return ComputeDevice.Open(r.GetValue(Device)!);
    }

    /// <summary>"2 CPU threads" or the GPU's description, for a run's first line.</summary>
    public static string Describe(Device device) => device.Kind == DeviceKind.Cpu ? $"{CpuKernels.Threads} CPU threads" : device.ToString();
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using AlaeEngine.Autograd;
using AlaeEngine.IO;
using AlaeEngine.Nn;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// The frame every model's trainer runs in. The frame holds the run loop, the position (<see cref="Step"/>,
/// <see cref="ImagesSeen"/>), the run's noise stream, checkpoints and resume, sample grids, metrics.jsonl and
/// losses.png, the stop request and the check that every loss is finite; a trainer derived from it holds only its
/// models, optimizers and data, and implements one iteration (<see cref="TrainIteration"/>) and its own part of the
/// checkpoint. docs/trainer-frame.md says how to add one.
/// <para>
/// Per iteration: <see cref="TrainIteration"/> (which ends with <see cref="Advance"/>), the loss check, the metrics,
/// then a sample grid and a checkpoint when their interval divides the step, at the end of a stage
/// (<see cref="AtStageEnd"/>: a level) and at the end of the run. A stop request is honoured between
/// iterations and ends the run with a checkpoint. Every random choice of the run must come from <see cref="Noise"/>
/// or from functions of (seed, position), so a resumed run reproduces an uninterrupted one bit for bit.
/// </para>
/// </summary>
public abstract class Trainer<TOptions, TLog> : IDisposable
    where TOptions : TrainingOptions
    where TLog : IterationLog
{
    private readonly string _stateFormat;
    private readonly JsonTypeInfo<TOptions> _optionsJson;
    private readonly List<IDisposable> _owned = [];
    private MetricsWindow _metricsWindow = MetricsWindow.StartingAt(0);
    private RunMetrics? _metrics;
    private Stopwatch _clock = new();
    private long _imagesSinceClock;
    private long _checkpointStep = -1; // the step of LastCheckpoint

    /// <param name="stateFormat">the checkpoint's "format" ("alae-mlp-checkpoint/1"); a resume accepts only this one.</param>
    /// <param name="optionsJson">source-generated JSON of the options record (<see cref="TrainingJson"/>), saved in every checkpoint.</param>
    /// <param name="device">where the model trains (CPU when null); checkpoints are device-independent.</param>
    protected Trainer(TOptions options, string stateFormat, JsonTypeInfo<TOptions> optionsJson, Device? device)
    {
        options.Validate();
        Options = options;
        Device = device ?? Device.Cpu;
        _stateFormat = stateFormat;
        _optionsJson = optionsJson;
        Noise = new RandomStream(options.Seed * 2654435761UL + 17);
    }

    public TOptions Options { get; }
    public Device Device { get; }
    /// <summary>Iterations done.</summary>
    public long Step { get; private set; }
    /// <summary>Images trained on (the sum of the iterations' batches).</summary>
    public long ImagesSeen { get; private set; }
    /// <summary>The newest checkpoint this trainer wrote (null before the first).</summary>
    public string? LastCheckpoint { get; private set; }

    /// <summary>The run's stream for per-iteration randomness (latents, noise, mixing); its position is checkpointed.</summary>
    protected RandomStream Noise { get; }

    // ---- the model's part ----

    /// <summary>The model's name in messages and the loss plot's title ("MLP-ALAE").</summary>
    public abstract string ModelName { get; }

    /// <summary>Whether the schedule is complete at the current position (epochs, total images, iterations).</summary>
    protected abstract bool ScheduleDone { get; }

    /// <summary>(done, total) of the schedule in its own unit (iterations for MLP-ALAE, images for StyleALAE), for the progress line.</summary>
    protected abstract (long Done, long Total) ScheduleProgress { get; }

    /// <summary>
    /// Trains one iteration at the current position: sets up the schedule's state (level, learning rate), takes the
    /// batch, updates the weights, reads the losses once, then calls <see cref="Advance"/> with the batch size and
    /// returns the iteration's log built from what Advance returns.
    /// </summary>
    protected abstract TLog TrainIteration();

    /// <summary>Whether the iteration just done ended a stage of the schedule that changes the training (a level, not an epoch): a grid and a checkpoint are written there.</summary>
    protected virtual bool AtStageEnd => false;

    /// <summary>Every weight the checkpoint holds, by unique name (EMA copies under their own prefix).</summary>
    protected abstract IReadOnlyList<(string path, Parameter p)> CheckpointParameters { get; }

    /// <summary>The optimizers by group name; their state is checkpointed under "adam/&lt;group&gt;/".</summary>
    protected abstract IReadOnlyDictionary<string, Adam> Optimizers { get; }

    /// <summary>Adds the trainer's own state to a checkpoint's JSON (the frame writes format, options, position, noise and metrics).</summary>
    protected virtual void SaveState(JsonObject state) { }

    /// <summary>Reads back what <see cref="SaveState"/> wrote, after weights, optimizers and the frame's state are restored.</summary>
    protected virtual void RestoreState(CheckpointState state) { }

    /// <summary>The training data's count and content hash, saved in checkpoints and checked on resume (null: a trainer without data).</summary>
    protected virtual DataIdentity? TrainingData => null;

    /// <summary>The images position of a checkpoint that predates the frame and did not save it (only MLP-ALAE's).</summary>
    protected virtual long ImagesSeenNotSaved(CheckpointState state)
        => throw new InvalidDataException($"{state.Path}: checkpoint has no 'imagesSeen'");

    /// <summary>The sample grid at the current weights (fixed inputs and latents, so grids of one run are comparable).</summary>
    protected abstract SampleGrid Samples();

    /// <summary>The model's part of the progress line for one iteration: schedule position, throughput, losses.</summary>
    public abstract string Describe(TLog iteration);

    /// <summary>Where the run is, for messages ("epoch 3, batch 128", "level 2 (16×16), batch 4").</summary>
    public abstract string DescribePosition();

    // ---- the frame ----

    /// <summary>Whether the run is complete: its schedule, or <see cref="TrainingOptions.MaxIterations"/>.</summary>
    public bool Finished => ScheduleDone || (Options.MaxIterations > 0 && Step >= Options.MaxIterations);

    /// <summary>(done, total) for a progress line: iterations when the run is cut short by MaxIterations, else the schedule's unit.</summary>
    public (long Done, long Total) Progress => Options.MaxIterations > 0 ? (Step, Options.MaxIterations) : ScheduleProgress;

    /// <summary>Registers something the trainer disposes with itself (models, optimizers, fixed sample tensors).</summary>
    protected T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>
    /// Counts the iteration <see cref="TrainIteration"/> just trained on <paramref name="images"/> images; returns the
    /// position after it and the images per second since the run started.
    /// </summary>
    protected (long Step, long ImagesSeen, double ImagesPerSecond) Advance(int images)
    {
        Step++;
        ImagesSeen += images;
        _imagesSinceClock += images;
        return (Step, ImagesSeen, _imagesSinceClock / Math.Max(1e-9, _clock.Elapsed.TotalSeconds));
    }

    /// <summary>
    /// Runs until the run is <see cref="Finished"/> or <paramref name="stop"/> returns true (checked between iterations;
    /// a stop ends with a checkpoint). Throws <see cref="NonFiniteLossException"/> at the first NaN or infinite loss,
    /// before anything of that iteration is saved.
    /// </summary>
    public IEnumerable<TLog> Run(Func<bool> stop)
    {
        Directory.CreateDirectory(Options.OutDir);
        _clock = Stopwatch.StartNew();
        _imagesSinceClock = 0;
        _metrics = new RunMetrics(Options.OutDir, _metricsWindow, $"{ModelName} losses");
        try
        {
            while (!Finished)
            {
                if (stop())
                {
                    if (_checkpointStep != Step) SaveCheckpoint();
                    yield break;
                }
                long before = Step;
                var log = TrainIteration();
                if (Step != before + 1) throw new InvalidOperationException($"{GetType().Name}.TrainIteration must call Advance once");
                foreach (var (name, value) in log.NamedLosses())
                    if (!double.IsFinite(value)) throw new NonFiniteLossException(Step, name, value);
                _metrics.Add(log);
                yield return log;
                bool due = Finished || AtStageEnd;
                if (due || Step % Options.SampleEvery == 0)
                {
                    WriteSamples();
                    _metrics.WritePlot();
                }
                if (due || Step % Options.CheckpointEvery == 0) SaveCheckpoint();
            }
        }
        finally
        {
            // the window as it stands (not yet written) is what a later checkpoint of this trainer carries
            _metricsWindow = _metrics.Window;
            _metrics.Flush();
            _metrics.WritePlot();
            _metrics.Dispose();
            _metrics = null;
        }
    }

    /// <summary>Writes a checkpoint of the current state (atomically; the three newest are kept) and returns its JSON path.</summary>
    public string SaveCheckpoint()
    {
        var state = new JsonObject
        {
            ["format"] = _stateFormat,
            ["options"] = JsonSerializer.SerializeToNode(Options, _optionsJson),
            ["imagesSeen"] = ImagesSeen,
        };
        if (TrainingData is { } data) state["data"] = new JsonObject { ["count"] = data.Count, ["sha256"] = data.Sha256 };
        SaveState(state);
        state["noiseSeed"] = Noise.Seed;
        state["noisePosition"] = Noise.Position;
        state["metrics"] = (_metrics?.Window ?? _metricsWindow).ToJson();
        LastCheckpoint = Checkpoint.Save(Options.OutDir, Step, CheckpointParameters, Optimizers, state);
        _checkpointStep = Step;
        return LastCheckpoint;
    }

    /// <summary>
    /// Continues from a checkpoint written by this trainer (same options). The data may have moved (the options' DataDir
    /// says where it is now), but must be the run's: its count and content hash are checked against the checkpoint's.
    /// </summary>
    public void Resume(string checkpointJson)
    {
        var state = new CheckpointState(checkpointJson, Checkpoint.ReadState(checkpointJson, _stateFormat));
        if (state.Object("data") is { } saved && TrainingData is { } data)
        {
            var sha256 = saved["sha256"] switch
            {
                null => null,
                JsonValue v when v.TryGetValue(out string? s) => s,
                var other => throw new InvalidDataException($"{checkpointJson}: checkpoint field 'data.sha256' is {other.ToJsonString()}, expected a string"),
            };
            var run = new DataIdentity(new CheckpointState(checkpointJson, saved).Long("count"), sha256);
            if (!run.Matches(data))
                throw new InvalidDataException($"{Options.DataDir} is not the data of the run in {Options.OutDir}: it holds {data}, the run trained on {run}");
        }
        Checkpoint.Restore(checkpointJson, CheckpointParameters, Optimizers);
        Step = state.Long("step");
        ImagesSeen = state.Has("imagesSeen") ? state.Long("imagesSeen") : ImagesSeenNotSaved(state);
        Noise.Restore(state.ULong("noisePosition"));
        _metricsWindow = MetricsWindow.FromCheckpoint(state, Step);
        RestoreState(state);
    }

    /// <summary>Writes <see cref="Samples"/> as samples/step-NNNNNNN.png and returns the path.</summary>
    public string WriteSamples()
    {
        var path = Path.Combine(Options.OutDir, SampleGrid.Folder, $"step-{Step:D7}.png");
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var grid = Samples();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageGrid.Save(path, grid.Groups.Select(t => t.Device.Kind == DeviceKind.Cpu ? t : t.MoveTo(Device.Cpu)).ToList(), grid.Columns, labels: grid.Labels);
        return path;
    }

    /// <summary>The options saved in a checkpoint of format <paramref name="stateFormat"/> (to resume or to rebuild the model for inference).</summary>
    protected static TOptions ReadOptions(string checkpointJson, string stateFormat, JsonTypeInfo<TOptions> optionsJson)
        => Checkpoint.ReadState(checkpointJson, stateFormat)["options"].Deserialize(optionsJson)
            ?? throw new InvalidDataException($"{checkpointJson}: no options in checkpoint");

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
        GC.SuppressFinalize(this);
    }
}

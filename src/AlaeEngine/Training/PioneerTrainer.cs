using System.Text.Json.Nodes;
using AlaeEngine.Autograd;
using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// One logged iteration of a Balanced PIONEER run: the schedule position it trained at (level, fade-in, batch, the
/// rule's learning rate and KL margin, λ_X), the losses, and how full the image pool was after it.
/// </summary>
public sealed record PioneerIterationLog(long Step, long ImagesSeen, int Epoch, int Level, double Blend, int Batch, double LearningRate,
    double Margin, double ReconstructionWeight, int PoolCount, PioneerLossValues Losses, double ImagesPerSecond)
    : IterationLog(Step, ImagesSeen, Epoch, ImagesPerSecond)
{
    public override IEnumerable<KeyValuePair<string, double>> NamedLosses() => Losses.Named();

    public override IEnumerable<KeyValuePair<string, double>> NamedValues() =>
    [
        new("images_seen", ImagesSeen), new("level", Level), new("blend", Blend), new("batch", Batch), new("lr", LearningRate),
        new("margin", Margin), new("lambda_x", ReconstructionWeight), new("pool", PoolCount),
    ];
}

/// <summary>
/// Trains Balanced PIONEER in the <see cref="Trainer{TOptions, TLog}"/> frame as the official train.py does: per
/// iteration the rule schedule (<see cref="PioneerSchedule"/>) sets level, fade-in, learning rate, margin and λ_X; real
/// images are blended with their 2×2 averages while a level fades in; one encoder step and n_generator decoder steps
/// (<see cref="PioneerAlgorithm"/>) with Adam β = (0, 0.9) per network, never reset; then the EMA of the decoder (0.999
/// per iteration). The encoder's fakes pass through an <see cref="ImagePool"/> once the fade-in is over, emptied at
/// every rule change. A grid and a checkpoint at the end of every rule.
/// <para>
/// The EMA decoder's spectral-norm vectors follow the training decoder's (copied after every EMA update): the
/// reference leaves them where its occasional test passes put them and warms them up before sampling; here they are
/// always the latest estimate. Checkpoints hold every spectral-norm vector, the pool's images and the rule it belongs
/// to, so a resumed run reproduces an uninterrupted one bit for bit. Grids run inside a <see cref="BufferSnapshot"/>,
/// so writing them changes nothing of the run.
/// </para>
/// </summary>
public sealed class PioneerTrainer : Trainer<PioneerTrainingOptions, PioneerIterationLog>
{
    internal const string StateFormat = "alae-pioneer-checkpoint/1";
    private const string EmaPrefix = "ema.decoder.";
    private const string VectorPrefix = "u/";
    private const string PoolTensor = "pool";
    private readonly IImageSource _data;
    private readonly ShuffledImages _images;
    private readonly PioneerSchedule _schedule;
    private readonly PioneerAlgorithm _algorithm;
    private readonly Adam _encoderOpt, _decoderOpt;
    private readonly Ema _ema;
    private readonly (Tensor source, Tensor copy)[] _emaVectors;
    private readonly Tensor _sampleZ;
    private readonly int[] _sampleIndices;
    private ImagePool? _pool;
    private int _poolRule = -1;   // the schedule rule the pool's images belong to; −1 before the first iteration
    private int _trainedRule = -1; // the rule of the last iteration

    public PioneerTrainer(PioneerTrainingOptions options, IImageSource data, Device? device = null)
        : base(options, StateFormat, TrainingJson.Default.PioneerTrainingOptions, device)
    {
        var preset = options.Preset;
        if (data.Channels != preset.Model.ImageChannels)
            throw new ArgumentException($"the images have {data.Channels} channels, preset '{preset.Name}' expects {preset.Model.ImageChannels}");
        _data = data;
        _images = new ShuffledImages(data, options.Seed, preset.Flip);
        _schedule = preset.Schedule();
        Model = Own(new BalancedPioneer(preset.Model, new Init(options.Seed, DType.Float32, Device)));
        // the sampling copy starts from another seed and is then overwritten with the training weights by the EMA
        EmaDecoder = Own(new PioneerDecoder(preset.Model, new Init(options.Seed + 1, DType.Float32, Device)));
        _ema = Own(new Ema(Model.DecoderParameters, EmaDecoder.Parameters().Select(p => p.Value).ToList()));
        _emaVectors = Model.Decoder.NamedBuffers().Zip(EmaDecoder.NamedBuffers(), (s, c) => (s.buffer, c.buffer)).ToArray();
        CopyEmaVectors();
        var start = _schedule.At(0);
        _encoderOpt = Own(new Adam(Model.EncoderParameters, start.LearningRate, preset.AdamBeta2));
        _decoderOpt = Own(new Adam(Model.DecoderParameters, start.LearningRate, preset.AdamBeta2));
        _algorithm = new PioneerAlgorithm(Model, _encoderOpt, _decoderOpt, preset.GeneratorSteps, preset.Losses);
        int n = options.SampleCount;
        _sampleIndices = Enumerable.Range(0, n).Select(i => (int)((long)i * data.Count / n)).ToArray();
        _sampleZ = Own(TensorScope.Unscoped(() => Model.SampleLatents(n, new RandomStream(options.Seed + 3456), DType.Float32, Device)));
        Model.SetLevel(start.Level, start.Blend);
    }

    public override string ModelName => "Balanced PIONEER";
    public BalancedPioneer Model { get; }
    /// <summary>The EMA of the decoder (the reference's g_running, its sampling model), at <see cref="Model"/>'s level.</summary>
    public PioneerDecoder EmaDecoder { get; }
    /// <summary>Images in the pool (0 before the first iteration and after every rule change).</summary>
    public int PoolCount => _pool?.Count ?? 0;
    public int Level => Model.Level;
    public double Blend => Model.Blend;
    public long TotalImages => Options.Preset.TotalImages;

    protected override bool ScheduleDone => ImagesSeen >= TotalImages;
    protected override (long Done, long Total) ScheduleProgress => (ImagesSeen, TotalImages);
    // the iteration trained under rule _trainedRule; the next one starts another (a new level or a new margin)
    protected override bool AtStageEnd => _schedule.At(ImagesSeen).RuleIndex != _trainedRule;
    protected override IReadOnlyDictionary<string, Adam> Optimizers => new Dictionary<string, Adam> { ["encoder"] = _encoderOpt, ["decoder"] = _decoderOpt };
    protected override DataIdentity TrainingData => new(_data.Count, _data.ContentHash);

    protected override IReadOnlyList<(string path, Parameter p)> CheckpointParameters
        => Model.NamedParameters().Concat(EmaDecoder.NamedParameters().Select(t => (EmaPrefix + t.path, t.p))).ToList();

    protected override PioneerIterationLog TrainIteration()
    {
        var preset = Options.Preset;
        var at = _schedule.At(ImagesSeen);
        if (at.RuleIndex != _poolRule)
        {
            // a new pool at every rule change, as the reference, so it never mixes resolutions
            _pool?.Dispose();
            _pool = new ImagePool(preset.PoolSize(at.Level));
            _poolRule = at.RuleIndex;
        }
        _encoderOpt.LearningRate = _decoderOpt.LearningRate = at.LearningRate;
        Model.SetLevel(at.Level, at.Blend);
        int batch = preset.Batch(at.Level);
        PioneerLossValues losses;
        using (TensorScope.Begin())
        {
            var x = _images.Batch(ImagesSeen, batch, Model.CurrentResolution, Device);
            if (at.BlendsRealImages)
                using (GradMode.NoGrad()) x = PioneerSchedule.BlendRealImages(x, Op.AvgPool2x2(x), at.Blend);
            losses = _algorithm.Step(x, at.ReconstructionWeight, at.Margin, at.UsesImagePool ? _pool : null, Noise);
        }
        _ema.Update(preset.EmaDecay);
        CopyEmaVectors();
        _trainedRule = at.RuleIndex;
        var done = Advance(batch);
        return new PioneerIterationLog(done.Step, done.ImagesSeen, (int)(done.ImagesSeen / _images.Data.Count), at.Level, at.Blend, batch,
            at.LearningRate, at.Margin, at.ReconstructionWeight, PoolCount, losses, done.ImagesPerSecond);
    }

    private void CopyEmaVectors()
    {
        foreach (var (source, copy) in _emaVectors) source.Kernels.Copy(source, copy);
    }

    protected override IEnumerable<(string name, Tensor tensor)> StateTensors()
    {
        foreach (var (path, u) in Model.NamedBuffers()) yield return (VectorPrefix + path, u);
        foreach (var (path, u) in EmaDecoder.NamedBuffers()) yield return (VectorPrefix + EmaPrefix + path, u);
        if (_pool?.Snapshot() is { } images) yield return (PoolTensor, images);
    }

    protected override void SaveState(JsonObject state)
    {
        state["level"] = Model.Level;
        state["blend"] = Model.Blend;
        state["poolRule"] = _poolRule;
        state["trainedRule"] = _trainedRule;
    }

    protected override void RestoreState(CheckpointState state)
    {
        _poolRule = state.Int("poolRule");
        _trainedRule = state.Int("trainedRule");
        if (_poolRule >= _schedule.Rules.Count || _trainedRule >= _schedule.Rules.Count)
            throw new InvalidDataException($"{state.Path}: checkpoint rule {Math.Max(_poolRule, _trainedRule)} is outside the preset's {_schedule.Rules.Count} rules");
        _pool?.Dispose();
        _pool = null;
        if (_poolRule >= 0)
        {
            _pool = new ImagePool(Options.Preset.PoolSize(_schedule.Rules[_poolRule].Level));
            try { _pool.Restore(state.StateTensor(PoolTensor), Device); }
            catch (ArgumentException e) { throw new InvalidDataException($"{state.Path}: {e.Message}", e); }
        }
        RestoreVectorsAndLevel(state, Model, EmaDecoder, "");
    }

    // the spectral-norm vectors of the model (its decoder's from decoderPrefix + path: "" for the training decoder) and of
    // an EMA decoder when given, and the checkpoint's level and blend
    private static void RestoreVectorsAndLevel(CheckpointState state, BalancedPioneer model, PioneerDecoder? ema, string decoderPrefix)
    {
        foreach (var (path, u) in model.Encoder.NamedBuffers()) state.CopyStateTensor(VectorPrefix + "encoder." + path, u);
        foreach (var (path, u) in model.Decoder.NamedBuffers())
            state.CopyStateTensor(VectorPrefix + (decoderPrefix == "" ? "decoder." : decoderPrefix) + path, u);
        if (ema != null)
            foreach (var (path, u) in ema.NamedBuffers()) state.CopyStateTensor(VectorPrefix + EmaPrefix + path, u);
        model.SetLevel(state.Int("level"), state.Double("blend"));
    }

    /// <summary>Inputs | reconstructions | EMA reconstructions (the training encoder, the EMA decoder) | EMA generations.</summary>
    protected override SampleGrid Samples()
    {
        using var unchanged = BufferSnapshot.Of(Model, EmaDecoder);
        var x = _images.Data.Batch(Model.CurrentResolution, _sampleIndices, flip: false);
        if (x.Device != Device) x = x.MoveTo(Device);
        var z = Model.Encode(x);
        var rec = Model.Decode(z);
        var emaRec = EmaDecoder.Forward(z, Model.Level, Model.Blend);
        var gen = EmaDecoder.Forward(_sampleZ, Model.Level, Model.Blend);
        return new SampleGrid([x, rec, emaRec, gen], Columns: Math.Min(8, Options.SampleCount), Labels: ["x", "G(E(x))", "EMA G(E(x))", "EMA G(z)"]);
    }

    public override string Describe(PioneerIterationLog it)
        => $"level {it.Level} {PioneerConfig.ResolutionAt(it.Level)}² blend {it.Blend:F2} batch {it.Batch} m {it.Margin:G3} {it.ImagesPerSecond:F1} img/s {it.Losses.Describe()}";

    public override string DescribePosition() => DescribeLevel(Level, Model.CurrentResolution, Options.Preset.Batch(Level));

    /// <summary>Reads the options saved in a checkpoint (to resume or to rebuild the model for inference).</summary>
    public static PioneerTrainingOptions OptionsFrom(string checkpointJson) => ReadOptions(checkpointJson, StateFormat, TrainingJson.Default.PioneerTrainingOptions);

    /// <summary>
    /// The model of a checkpoint for inference at the checkpoint's level and blend: the training encoder with the EMA
    /// decoder (the reference's sampling pair: encoder and g_running) by default, or both training networks.
    /// </summary>
    public static BalancedPioneer LoadModel(string checkpointJson, bool emaDecoder = true, Device? device = null)
    {
        var state = new CheckpointState(checkpointJson, Checkpoint.ReadState(checkpointJson, StateFormat));
        var options = OptionsFrom(checkpointJson);
        var model = new BalancedPioneer(options.Preset.Model, new Init(options.Seed, DType.Float32, device ?? Device.Cpu));
        try
        {
            var decoderPrefix = emaDecoder ? EmaPrefix : "decoder.";
            Checkpoint.LoadWeights(checkpointJson, model.Encoder.NamedParameters().Select(t => ("encoder." + t.path, t.p))
                .Concat(model.Decoder.NamedParameters().Select(t => (decoderPrefix + t.path, t.p))).ToList());
            using var scope = TensorScope.Begin();
            RestoreVectorsAndLevel(state, model, null, emaDecoder ? EmaPrefix : "");
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }
}

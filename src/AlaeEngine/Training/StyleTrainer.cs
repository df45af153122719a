using System.Text.Json.Nodes;
using AlaeEngine.Autograd;
using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>One logged iteration of a StyleALAE run; Epoch counts passes over the data, Level and Blend are those the iteration trained at.</summary>
public sealed record StyleIterationLog(long Step, long ImagesSeen, int Epoch, int Level, double Blend, int Batch, AlaeLosses Losses, double ImagesPerSecond)
    : IterationLog(Step, ImagesSeen, Epoch, ImagesPerSecond)
{
    public override IEnumerable<KeyValuePair<string, double>> NamedLosses() => Losses.Named();

    public override IEnumerable<KeyValuePair<string, double>> NamedValues() =>
    [
        new("images_seen", ImagesSeen), new("level", Level), new("blend", Blend), new("batch", Batch),
    ];
}

/// <summary>
/// Trains StyleALAE in the <see cref="Trainer{TOptions, TLog}"/> frame with the reference's progressive schedule
/// (<see cref="StyleSchedule"/>): per-level batch and learning rate, both Adam states reset at every level switch, real
/// images blended with their upsampled 2×2 averages during a fade-in, Algorithm 1 per batch (style mixing and the w
/// average via <see cref="IStyleAlaeModel"/>), an EMA copy of all four networks with β = 0.5^(batch/half-life); a grid
/// and a checkpoint at the end of every level. The data order is a function of (seed, images seen), so a resumed run
/// reproduces an uninterrupted one bit for bit.
/// </summary>
public sealed class StyleTrainer : Trainer<StyleTrainingOptions, StyleIterationLog>
{
    internal const string StateFormat = "alae-style-checkpoint/1";
    private const string EmaPrefix = "ema.";
    private readonly IImageSource _data;
    private readonly AlaeAlgorithm _algorithm;
    private readonly Adam _encoderOpt, _decoderOpt;
    private readonly Ema _ema;
    private readonly Tensor _sampleZ;
    private readonly int[] _sampleIndices;
    private readonly ShuffledImages _images;
    private int _optimizerLevel = -1; // level the Adam states belong to; −1 before the first step

    public StyleTrainer(StyleTrainingOptions options, IImageSource data, Device? device = null)
        : base(options, StateFormat, TrainingJson.Default.StyleTrainingOptions, device)
    {
        var config = options.Preset.Model;
        if (data.Channels != config.ImageChannels)
            throw new ArgumentException($"the images have {data.Channels} channels, preset '{options.Preset.Name}' expects {config.ImageChannels}");
        if (data.Count < 1) throw new ArgumentException("the training set is empty");
        _data = data;
        Model = Own(new StyleAlae(config, new Init(options.Seed, DType.Float32, Device)));
        // the sampling copy is built from another seed and then overwritten with the training weights by the EMA
        EmaModel = Own(new StyleAlae(config, new Init(options.Seed + 1, DType.Float32, Device)));
        _ema = Own(new Ema(Model.Parameters(), EmaModel.Parameters().Select(p => p.Value).ToList()));
        _encoderOpt = Own(new Adam(Model.EncoderParameters.Concat(Model.DiscriminatorParameters).ToList(), options.Preset.LearningRate(0)));
        _decoderOpt = Own(new Adam(Model.MappingParameters.Concat(Model.GeneratorParameters).ToList(), options.Preset.LearningRate(0)));
        _algorithm = new AlaeAlgorithm(Model, _encoderOpt, _decoderOpt, options.R1Gamma);
        _images = new ShuffledImages(data, options.Seed, options.Preset.Flip);
        int n = options.SampleCount;
        _sampleIndices = Enumerable.Range(0, n).Select(i => (int)((long)i * data.Count / n)).ToArray();
        _sampleZ = Own(TensorScope.Unscoped(() => new RandomStream(options.Seed + 3456).Normal(new Shape(n, config.LatentSize), DType.Float32, Device)));
        (int level, double blend) = StyleSchedule.At(options.Preset, 0);
        Model.SetLevel(level, blend);
    }

    public override string ModelName => "StyleALAE";
    public StyleAlae Model { get; }
    /// <summary>The EMA of all four networks (the reference's model_s); sample with <see cref="StyleAlae.Sample"/> and <see cref="Model"/>'s w average.</summary>
    public StyleAlae EmaModel { get; }
    public long TotalImages => Options.Preset.TotalImages;
    public int Level => Model.Level;
    public double Blend => Model.Blend;

    protected override bool ScheduleDone => ImagesSeen >= TotalImages;
    protected override (long Done, long Total) ScheduleProgress => (ImagesSeen, TotalImages);
    // the iteration trained at Model.Level; the next one starts a new level
    protected override bool AtStageEnd => StyleSchedule.At(Options.Preset, ImagesSeen).Level != Model.Level;
    protected override IReadOnlyDictionary<string, Adam> Optimizers => new Dictionary<string, Adam> { ["encoder"] = _encoderOpt, ["decoder"] = _decoderOpt };

    protected override DataIdentity TrainingData => new(_data.Count, _data.ContentHash);
    protected override IReadOnlyList<(string path, Parameter p)> CheckpointParameters
        => Model.NamedParameters().Concat(EmaModel.NamedParameters().Select(t => (EmaPrefix + t.path, t.p))).ToList();

    protected override StyleIterationLog TrainIteration()
    {
        var preset = Options.Preset;
        var (level, blend) = StyleSchedule.At(preset, ImagesSeen);
        if (level != _optimizerLevel)
        {
            _encoderOpt.Reset(); _decoderOpt.Reset();
            _optimizerLevel = level;
        }
        _encoderOpt.LearningRate = _decoderOpt.LearningRate = preset.LearningRate(level);
        Model.SetLevel(level, blend);
        int batch = preset.Batch(level);
        AlaeLosses losses;
        using (TensorScope.Begin())
        {
            var x = RealBatch(ImagesSeen, batch, level, blend);
            losses = _algorithm.Step(x, Noise);
        }
        _ema.Update(Ema.BetaForBatch(batch, Options.EmaHalfLifeImages));
        var at = Advance(batch);
        return new StyleIterationLog(at.Step, at.ImagesSeen, (int)(at.ImagesSeen / _data.Count), level, blend, batch, losses, at.ImagesPerSecond);
    }

    /// <summary>
    /// Real images for the batch starting at image counter <paramref name="start"/>: (B, C, R, R) at the level's
    /// resolution, flipped per image (when the preset flips), and during a fade-in blend·x + (1−blend)·up(avgpool(x)).
    /// </summary>
    private Tensor RealBatch(long start, int batch, int level, double blend)
    {
        var x = _images.Batch(start, batch, StyleAlaeConfig.ResolutionAt(level), Device);
        if (level == 0 || blend >= 1) return x;
        using var noGrad = GradMode.NoGrad();
        return Op.Lerp(Op.Upsample2x(Op.AvgPool2x2(x)), x, blend);
    }

    protected override void SaveState(JsonObject state)
    {
        state["level"] = Model.Level;
        state["blend"] = Model.Blend;
        state["optimizerLevel"] = _optimizerLevel;
        state["wAverage"] = new JsonArray(Model.WAverage.ToDoubleArray().Select(v => (JsonNode)v).ToArray());
    }

    protected override void RestoreState(CheckpointState state)
    {
        _optimizerLevel = state.Int("optimizerLevel");
        RestoreLevelAndWAverage(state, Model);
    }

    /// <summary>Inputs | reconstructions | EMA reconstructions | EMA generations (truncated).</summary>
    protected override SampleGrid Samples()
    {
        EmaModel.SetLevel(Model.Level, Model.Blend);
        var x = _data.Batch(Model.CurrentResolution, _sampleIndices, flip: false);
        if (x.Device != Device) x = x.MoveTo(Device);
        // fixed noise per grid, so grids of one run differ only by training
        Model.Noise = new RandomStream(Options.Seed + 999);
        var rec = Model.Reconstruct(x);
        EmaModel.Noise = new RandomStream(Options.Seed + 999);
        var emaRec = EmaModel.Reconstruct(x);
        var gen = EmaModel.Sample(_sampleZ, Model.WAverage, Options.TruncationPsi, Options.TruncationCutoff);
        Model.Noise = EmaModel.Noise = null;
        return new SampleGrid([x, rec, emaRec, gen], Columns: Math.Min(8, Options.SampleCount),
            Labels: ["x", "G(E(x))", "EMA G(E(x))", $"EMA G(F(z)), psi {Options.TruncationPsi}"]);
    }

    public override string Describe(StyleIterationLog it)
        => $"level {it.Level} {StyleAlaeConfig.ResolutionAt(it.Level)}² blend {it.Blend:F2} batch {it.Batch} {it.ImagesPerSecond:F1} img/s {it.Losses.Describe()}";

    public override string DescribePosition()
    {
        int res = Model.CurrentResolution;
        return $"level {Level} ({res}×{res}), batch {Options.Preset.Batch(Level)}";
    }

    /// <summary>Reads the options saved in a checkpoint (to resume or to rebuild the model for inference).</summary>
    public static StyleTrainingOptions OptionsFrom(string checkpointJson) => ReadOptions(checkpointJson, StateFormat, TrainingJson.Default.StyleTrainingOptions);

    /// <summary>
    /// The model of a checkpoint for inference — the EMA weights by default (the reference's sampling model) — at the
    /// checkpoint's level and blend, with the training run's w average (for <see cref="StyleAlae.Sample"/>).
    /// </summary>
    public static StyleAlae LoadModel(string checkpointJson, bool ema = true, Device? device = null)
    {
        var state = new CheckpointState(checkpointJson, Checkpoint.ReadState(checkpointJson, StateFormat));
        var options = OptionsFrom(checkpointJson);
        var model = new StyleAlae(options.Preset.Model, new Init(options.Seed, DType.Float32, device ?? Device.Cpu));
        var prefix = ema ? EmaPrefix : "";
        Checkpoint.LoadWeights(checkpointJson, model.NamedParameters().Select(t => (prefix + t.path, t.p)).ToList());
        RestoreLevelAndWAverage(state, model);
        return model;
    }

    private static void RestoreLevelAndWAverage(CheckpointState state, StyleAlae model)
    {
        var values = state.Doubles("wAverage");
        if (values.Length != model.LatentSize) throw new InvalidDataException($"{state.Path}: checkpoint w average has {values.Length} entries, the model {model.LatentSize}");
        using (TensorScope.Begin())
        {
            var t = Tensor.FromArray(values, new Shape(values.Length));
            Backends.Transfer(t.DType == model.WAverage.DType ? t : t.Cast(model.WAverage.DType), model.WAverage);
        }
        model.SetLevel(state.Int("level"), state.Double("blend"));
    }
}

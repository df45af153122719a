using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AlaeEngine.Autograd;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>One logged iteration of a StyleALAE run; Epoch counts passes over the data, Level and Blend are those the iteration trained at.</summary>
public sealed record StyleIterationLog(long Step, long ImagesSeen, int Epoch, int Level, double Blend, int Batch, AlaeLosses Losses, double ImagesPerSecond);

/// <summary>
/// Trains StyleALAE with the reference's progressive schedule (<see cref="StyleSchedule"/>): per-level batch and learning
/// rate, both Adam states reset at every level switch, real images blended with their upsampled 2×2 averages during
/// a fade-in, Algorithm 1 per batch (style mixing and the w average via <see cref="IStyleAlaeModel"/>), an EMA copy of
/// all four networks with β = 0.5^(batch/half-life). The data order is a function of (seed, images seen) and every other
/// random choice comes from one stream whose position is checkpointed, so a resumed run reproduces an uninterrupted one
/// bit for bit.
/// </summary>
public sealed class StyleTrainer : IDisposable
{
    internal const string StateFormat = "alae-style-checkpoint/1";
    private const string EmaPrefix = "ema.";
    private readonly IImageSource _data;
    private readonly AlaeAlgorithm _algorithm;
    private readonly Adam _encoderOpt, _decoderOpt;
    private readonly Ema _ema;
    private readonly RandomStream _noise;
    private readonly Tensor _sampleZ;
    private readonly int[] _sampleIndices;
    private readonly Device _device;
    private readonly ulong _flipSeed;
    private readonly EpochShuffle _shuffle;
    private int _optimizerLevel = -1; // level the Adam states belong to; −1 before the first step

    public StyleTrainer(StyleTrainingOptions options, IImageSource data, Device? device = null)
    {
        options.Validate();
        var config = options.Preset.Model;
        if (data.Channels != config.ImageChannels)
            throw new ArgumentException($"the images have {data.Channels} channels, preset '{options.Preset.Name}' expects {config.ImageChannels}");
        if (data.Count < 1) throw new ArgumentException("the training set is empty");
        Options = options; _data = data; _device = device ?? Device.Cpu;
        Model = new StyleAlae(config, new Init(options.Seed, DType.Float32, _device));
        // the sampling copy is built from another seed and then overwritten with the training weights by the EMA
        EmaModel = new StyleAlae(config, new Init(options.Seed + 1, DType.Float32, _device));
        _ema = new Ema(Model.Parameters(), EmaModel.Parameters().Select(p => p.Value).ToList());
        _encoderOpt = new Adam(Model.EncoderParameters.Concat(Model.DiscriminatorParameters).ToList(), options.Preset.LearningRate(0));
        _decoderOpt = new Adam(Model.MappingParameters.Concat(Model.GeneratorParameters).ToList(), options.Preset.LearningRate(0));
        _algorithm = new AlaeAlgorithm(Model, _encoderOpt, _decoderOpt, options.R1Gamma);
        _noise = new RandomStream(options.Seed * 2654435761UL + 17);
        _shuffle = new EpochShuffle(options.Seed, data.Count);
        _flipSeed = options.Seed * 0xD1B54A32D192ED03UL + 5;
        int n = options.SampleCount;
        _sampleIndices = Enumerable.Range(0, n).Select(i => (int)((long)i * data.Count / n)).ToArray();
        _sampleZ = TensorScope.Unscoped(() => new RandomStream(options.Seed + 3456).Normal(new Shape(n, config.LatentSize), DType.Float32, _device));
        (int level, double blend) = StyleSchedule.At(options.Preset, 0);
        Model.SetLevel(level, blend);
    }

    public StyleTrainingOptions Options { get; }
    public StyleAlae Model { get; }
    /// <summary>The EMA of all four networks (the reference's model_s); sample with <see cref="StyleAlae.Sample"/> and <see cref="Model"/>'s w average.</summary>
    public StyleAlae EmaModel { get; }
    public long Step { get; private set; }
    public long ImagesSeen { get; private set; }
    public long TotalImages => Options.Preset.TotalImages;
    public int Level => Model.Level;
    public double Blend => Model.Blend;

    private IReadOnlyDictionary<string, Adam> Optimizers => new Dictionary<string, Adam> { ["encoder"] = _encoderOpt, ["decoder"] = _decoderOpt };

    private IReadOnlyList<(string path, Parameter p)> CheckpointParameters
        => Model.NamedParameters().Concat(EmaModel.NamedParameters().Select(t => (EmaPrefix + t.path, t.p))).ToList();

    /// <summary>Runs until the schedule's total images, <see cref="StyleTrainingOptions.MaxIterations"/>, or <paramref name="stop"/>.</summary>
    public IEnumerable<StyleIterationLog> Run(Func<bool> stop)
    {
        Directory.CreateDirectory(Options.OutDir);
        var clock = Stopwatch.StartNew();
        long imagesSinceClock = 0;
        var preset = Options.Preset;
        while (ImagesSeen < TotalImages && (Options.MaxIterations == 0 || Step < Options.MaxIterations) && !stop())
        {
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
                losses = _algorithm.Step(x, _noise);
            }
            _ema.Update(Ema.BetaForBatch(batch, Options.EmaHalfLifeImages));
            ImagesSeen += batch;
            Step++;
            imagesSinceClock += batch;
            double ips = imagesSinceClock / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            yield return new StyleIterationLog(Step, ImagesSeen, (int)(ImagesSeen / _data.Count), level, blend, batch, losses, ips);
            bool end = ImagesSeen >= TotalImages || Step == Options.MaxIterations;
            bool levelDone = StyleSchedule.At(preset, ImagesSeen).Level != level;
            if (Step % Options.SampleEvery == 0 || end || levelDone) WriteSamples();
            if (Step % Options.CheckpointEvery == 0 || end || levelDone) SaveCheckpoint();
        }
    }

    /// <summary>
    /// Real images for the batch starting at image counter <paramref name="start"/>: (B, C, R, R) at the level's
    /// resolution, flipped per image (when the preset flips), and during a fade-in blend·x + (1−blend)·up(avgpool(x)).
    /// </summary>
    private Tensor RealBatch(long start, int batch, int level, double blend)
    {
        int res = StyleAlaeConfig.ResolutionAt(level);
        var plain = new List<int>(batch); var flipped = new List<int>(batch);
        for (long k = start; k < start + batch; k++)
        {
            int index = _shuffle.Order(k / _data.Count)[(int)(k % _data.Count)];
            (Options.Preset.Flip && Philox.Uniform(_flipSeed, (ulong)k) < 0.5 ? flipped : plain).Add(index);
        }
        var parts = new List<Tensor>();
        if (plain.Count > 0) parts.Add(_data.Batch(res, plain.ToArray(), flip: false));
        if (flipped.Count > 0) parts.Add(_data.Batch(res, flipped.ToArray(), flip: true));
        var x = parts.Count == 1 ? parts[0] : Op.Concat(0, parts.ToArray());
        if (x.Device != _device) x = x.MoveTo(_device);
        if (level == 0 || blend >= 1) return x;
        using var noGrad = GradMode.NoGrad();
        return Op.Lerp(Op.Upsample2x(Op.AvgPool2x2(x)), x, blend);
    }

    public string SaveCheckpoint()
    {
        var state = new JsonObject
        {
            ["format"] = StateFormat,
            ["options"] = JsonSerializer.SerializeToNode(Options, TrainingJson.Default.StyleTrainingOptions),
            ["imagesSeen"] = ImagesSeen,
            ["level"] = Model.Level,
            ["blend"] = Model.Blend,
            ["optimizerLevel"] = _optimizerLevel,
            ["noiseSeed"] = _noise.Seed,
            ["noisePosition"] = _noise.Position,
            ["wAverage"] = new JsonArray(Model.WAverage.ToDoubleArray().Select(v => (JsonNode)v).ToArray()),
        };
        return Checkpoint.Save(Options.OutDir, Step, CheckpointParameters, Optimizers, state);
    }

    /// <summary>Continues from a checkpoint written by this trainer (same data and options).</summary>
    public void Resume(string checkpointJson)
    {
        var state = Checkpoint.ReadState(checkpointJson, StateFormat);
        Checkpoint.Restore(checkpointJson, CheckpointParameters, Optimizers);
        Step = state["step"]!.GetValue<long>();
        ImagesSeen = state["imagesSeen"]!.GetValue<long>();
        _optimizerLevel = state["optimizerLevel"]!.GetValue<int>();
        _noise.Restore(state["noisePosition"]!.GetValue<ulong>());
        RestoreWAverage(state, Model);
        Model.SetLevel(state["level"]!.GetValue<int>(), state["blend"]!.GetValue<double>());
    }

    /// <summary>Inputs | reconstructions | EMA reconstructions | EMA generations (truncated), as samples/step-NNNNNNN.png.</summary>
    public string WriteSamples()
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        EmaModel.SetLevel(Model.Level, Model.Blend);
        var x = _data.Batch(Model.CurrentResolution, _sampleIndices, flip: false);
        if (x.Device != _device) x = x.MoveTo(_device);
        // fixed noise per grid, so grids of one run differ only by training
        Model.Noise = new RandomStream(Options.Seed + 999);
        var rec = Model.Reconstruct(x);
        EmaModel.Noise = new RandomStream(Options.Seed + 999);
        var emaRec = EmaModel.Reconstruct(x);
        var gen = EmaModel.Sample(_sampleZ, Model.WAverage, Options.TruncationPsi, Options.TruncationCutoff);
        Model.Noise = EmaModel.Noise = null;
        var path = Path.Combine(Options.OutDir, "samples", $"step-{Step:D7}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageGrid.Save(path, new[] { x, rec, emaRec, gen }.Select(t => t.Device.Kind == DeviceKind.Cpu ? t : t.MoveTo(Device.Cpu)).ToList(),
            cols: Math.Min(8, Options.SampleCount), labels: ["x", "G(E(x))", "EMA G(E(x))", $"EMA G(F(z)), psi {Options.TruncationPsi}"]);
        return path;
    }

    /// <summary>Reads the options saved in a checkpoint (to resume or to rebuild the model for inference).</summary>
    public static StyleTrainingOptions OptionsFrom(string checkpointJson)
        => Checkpoint.ReadState(checkpointJson, StateFormat)["options"].Deserialize(TrainingJson.Default.StyleTrainingOptions)
            ?? throw new InvalidDataException($"{checkpointJson}: no options in checkpoint");

    /// <summary>
    /// The model of a checkpoint for inference — the EMA weights by default (the reference's sampling model) — at the
    /// checkpoint's level and blend, with the training run's w average (for <see cref="StyleAlae.Sample"/>).
    /// </summary>
    public static StyleAlae LoadModel(string checkpointJson, bool ema = true, Device? device = null)
    {
        var state = Checkpoint.ReadState(checkpointJson, StateFormat);
        var options = OptionsFrom(checkpointJson);
        var model = new StyleAlae(options.Preset.Model, new Init(options.Seed, DType.Float32, device ?? Device.Cpu));
        var prefix = ema ? EmaPrefix : "";
        Checkpoint.LoadWeights(checkpointJson, model.NamedParameters().Select(t => (prefix + t.path, t.p)).ToList());
        RestoreWAverage(state, model);
        model.SetLevel(state["level"]!.GetValue<int>(), state["blend"]!.GetValue<double>());
        return model;
    }

    private static void RestoreWAverage(JsonObject state, StyleAlae model)
    {
        var values = state["wAverage"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        if (values.Length != model.LatentSize) throw new InvalidDataException($"checkpoint w average has {values.Length} entries, the model {model.LatentSize}");
        using var scope = TensorScope.Begin();
        var t = Tensor.FromArray(values, new Shape(values.Length));
        Backends.Transfer(t.DType == model.WAverage.DType ? t : t.Cast(model.WAverage.DType), model.WAverage);
    }

    public void Dispose()
    {
        Model.Dispose(); EmaModel.Dispose(); _ema.Dispose(); _encoderOpt.Dispose(); _decoderOpt.Dispose(); _sampleZ.Dispose();
    }
}

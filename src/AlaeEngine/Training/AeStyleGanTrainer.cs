using System.Text.Json.Nodes;
using AlaeEngine.Data;
using AlaeEngine.Losses;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>One logged iteration of an AE-StyleGAN run; Epoch counts passes over the data.</summary>
public sealed record AeStyleGanIterationLog(long Step, long ImagesSeen, int Epoch, int Batch, AeStyleGanLosses Losses, double ImagesPerSecond)
    : IterationLog(Step, ImagesSeen, Epoch, ImagesPerSecond)
{
    public override IEnumerable<KeyValuePair<string, double>> NamedLosses() => Losses.Named();

    public override IEnumerable<KeyValuePair<string, double>> NamedValues() =>
    [
        new("images_seen", ImagesSeen), new("batch", Batch), new("adaptive_weight", Losses.AdaptiveWeight), new("pl_mean", Losses.PathLengthMean),
    ];
}

/// <summary>
/// Trains AE-StyleGAN (Han et al. 2021, phymhan's train_aegan.py) in the <see cref="Trainer{TOptions, TLog}"/> frame:
/// the preset's iterations of <see cref="AeStyleGanAlgorithm"/> (joint or decoupled, lazy R1, adaptive weight,
/// optional path length) on shuffled real images at the preset's resolution, then the EMA of G, F and E with
/// β = 0.5^(batch / half-life). The data order and flips are functions of (seed, images seen) and every other random
/// draw comes from the run's stream, so a resumed run reproduces an uninterrupted one bit for bit; the checkpoint
/// holds every network (D₂ too), their EMA copies, the five Adam groups, the path-length mean and the last β.
/// </summary>
public sealed class AeStyleGanTrainer : Trainer<AeStyleGanTrainingOptions, AeStyleGanIterationLog>
{
    internal const string StateFormat = "alae-aegan-checkpoint/1";
    private const string EmaPrefix = "ema.";
    private readonly IImageSource _data;
    private readonly ShuffledImages _images;
    private readonly AeStyleGanAlgorithm _algorithm;
    private readonly Ema _ema;
    private readonly Tensor _sampleZ;
    private readonly int[] _sampleIndices;

    public AeStyleGanTrainer(AeStyleGanTrainingOptions options, IImageSource data, Device? device = null)
        : base(options, StateFormat, TrainingJson.Default.AeStyleGanTrainingOptions, device)
    {
        var preset = options.Preset;
        var config = preset.Model;
        if (data.Channels != config.ImageChannels)
            throw new ArgumentException($"the images have {data.Channels} channels, preset '{preset.Name}' expects {config.ImageChannels}");
        _data = data;
        _images = new ShuffledImages(data, options.Seed, preset.Flip);
        Model = Own(new AeStyleGan(config, new Init(options.Seed, DType.Float32, Device), preset.Mode == AeStyleGanMode.Decoupled));
        // the sampling copy (F, G, E) is built from another seed and then overwritten with the training weights by the EMA
        EmaModel = Own(new AeStyleGan(config, new Init(options.Seed + 1, DType.Float32, Device)));
        _ema = Own(new Ema(Averaged(Model), Averaged(EmaModel).Select(p => p.Value).ToList()));
        var vgg = preset.Perceptual == PerceptualKind.Vgg16 ? Own(Vgg16.Load(options.VggWeights!, DType.Float32, Device)) : null;
        _algorithm = Own(new AeStyleGanAlgorithm(Model, preset, AeStyleGanAlgorithm.PerceptualLoss(preset.Perceptual, Model, vgg)));
        int n = options.SampleCount;
        _sampleIndices = Enumerable.Range(0, n).Select(i => (int)((long)i * data.Count / n)).ToArray();
        _sampleZ = Own(TensorScope.Unscoped(() => new RandomStream(options.Seed + 3456).Normal(new Shape(n, config.LatentSize), DType.Float32, Device)));
    }

    public override string ModelName => "AE-StyleGAN";
    public AeStyleGan Model { get; }
    /// <summary>The EMA of F, G and E (the official g_ema and e_ema); its discriminator is unused.</summary>
    public AeStyleGan EmaModel { get; }
    /// <summary>The path-length running mean and the last adaptive weight, as the algorithm holds them.</summary>
    public double PathLengthMean => _algorithm.PathLengthMean;
    public double AdaptiveWeight => _algorithm.AdaptiveWeightValue;
    /// <summary>Images one iteration takes: a batch per E step (phymhan's n_step_max).</summary>
    public int ImagesPerIteration => Options.Preset.Batch * _algorithm.RealBatches;

    protected override bool ScheduleDone => Step >= Options.Preset.Iterations;
    protected override (long Done, long Total) ScheduleProgress => (Step, Options.Preset.Iterations);
    protected override IReadOnlyDictionary<string, Adam> Optimizers => _algorithm.Optimizers;
    protected override DataIdentity TrainingData => new(_data.Count, _data.ContentHash);

    protected override IReadOnlyList<(string path, Parameter p)> CheckpointParameters
        => Model.NamedParameters().Concat(NamedAveraged(EmaModel).Select(t => (EmaPrefix + t.path, t.p))).ToList();

    // what the EMA averages: F, G and E (not the discriminators), in the model's order
    private static IReadOnlyList<(string path, Parameter p)> NamedAveraged(AeStyleGan model)
    {
        var discriminator = model.DiscriminatorParameters.Concat(model.Discriminator2Parameters).ToHashSet(ReferenceEqualityComparer.Instance);
        return model.NamedParameters().Where(t => !discriminator.Contains(t.p)).ToList();
    }

    private static List<Parameter> Averaged(AeStyleGan model) => NamedAveraged(model).Select(t => t.p).ToList();

    protected override AeStyleGanIterationLog TrainIteration()
    {
        var preset = Options.Preset;
        int batch = preset.Batch;
        int epoch = (int)(ImagesSeen / _images.Data.Count);
        AeStyleGanLosses losses;
        using (TensorScope.Begin())
        {
            var real = Enumerable.Range(0, _algorithm.RealBatches)
                .Select(k => _images.Batch(ImagesSeen + (long)k * batch, batch, preset.Model.Resolution, Device)).ToList();
            losses = _algorithm.Step(real, Step, Noise);
        }
        // as the official code: β from the batch of one step, not of the E steps' images
        _ema.Update(Ema.BetaForBatch(batch, preset.EmaHalfLifeImages));
        var at = Advance(ImagesPerIteration);
        return new AeStyleGanIterationLog(at.Step, at.ImagesSeen, epoch, batch, losses, at.ImagesPerSecond);
    }

    protected override void SaveState(JsonObject state)
    {
        state["pathLengthMean"] = _algorithm.PathLengthMean;
        state["adaptiveWeight"] = _algorithm.AdaptiveWeightValue;
    }

    protected override void RestoreState(CheckpointState state)
    {
        _algorithm.PathLengthMean = state.Double("pathLengthMean");
        _algorithm.AdaptiveWeightValue = state.Double("adaptiveWeight");
    }

    /// <summary>Inputs | reconstructions | EMA reconstructions | EMA generations G(F(z)) (fixed z, no truncation).</summary>
    protected override SampleGrid Samples()
    {
        var x = _images.Data.Batch(Options.Preset.Model.Resolution, _sampleIndices, flip: false);
        if (x.Device != Device) x = x.MoveTo(Device);
        // fixed per-pixel noise per grid, so grids of one run differ only by training
        var rec = Model.Reconstruct(x, new RandomStream(Options.Seed + 999));
        var emaRec = EmaModel.Reconstruct(x, new RandomStream(Options.Seed + 999));
        var gen = EmaModel.Generate(EmaModel.Broadcast(EmaModel.Map(_sampleZ)), new RandomStream(Options.Seed + 999));
        return new SampleGrid([x, rec, emaRec, gen], Columns: Math.Min(8, Options.SampleCount), Labels: ["x", "G(E(x))", "EMA G(E(x))", "EMA G(F(z))"]);
    }

    public override string Describe(AeStyleGanIterationLog it)
        => $"{Options.Preset.Model.Resolution}² batch {it.Batch} {it.ImagesPerSecond:F1} img/s {it.Losses.Describe()}";

    public override string DescribePosition() => $"iteration {Step} of {Options.Preset.Iterations} ({Options.Preset.Model.Resolution}×{Options.Preset.Model.Resolution}), batch {Options.Preset.Batch}";

    /// <summary>Reads the options saved in a checkpoint (to resume or to rebuild the model for inference).</summary>
    public static AeStyleGanTrainingOptions OptionsFrom(string checkpointJson) => ReadOptions(checkpointJson, StateFormat, TrainingJson.Default.AeStyleGanTrainingOptions);

    /// <summary>
    /// F, G and E of a checkpoint for inference — their EMA by default (the official g_ema and e_ema) — in a model
    /// without the second discriminator; D keeps its initial weights (inference does not use it).
    /// </summary>
    public static AeStyleGan LoadModel(string checkpointJson, bool ema = true, Device? device = null)
    {
        var options = OptionsFrom(checkpointJson);
        var model = new AeStyleGan(options.Preset.Model, new Init(options.Seed, DType.Float32, device ?? Device.Cpu));
        try
        {
            var prefix = ema ? EmaPrefix : "";
            Checkpoint.LoadWeights(checkpointJson, NamedAveraged(model).Select(t => (prefix + t.path, t.p)).ToList());
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}

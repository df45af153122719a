using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AlaeEngine.Autograd;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>One logged iteration of a run.</summary>
public sealed record MlpIterationLog(long Step, int Epoch, AlaeLosses Losses, double ImagesPerSecond);

/// <summary>
/// Trains MLP-ALAE on MNIST: epochs of shuffled batches (the last partial batch dropped), Algorithm 1 per batch,
/// metrics as JSON lines, sample grids, a loss plot and atomic checkpoints. Every random choice comes from streams whose
/// state is in the checkpoint, so a resumed run produces the same losses as an uninterrupted one, bit for bit.
/// </summary>
public sealed class MlpTrainer : IDisposable
{
    internal const string StateFormat = "alae-mlp-checkpoint/1";
    private readonly MnistDataset _train;
    private readonly EpochShuffle _shuffle;
    private readonly AlaeAlgorithm _algorithm;
    private readonly Adam _encoderOpt, _decoderOpt;
    private readonly RandomStream _noise;
    private readonly Tensor _sampleImages, _sampleZ;

    /// <param name="device">where the model trains (CPU when null); data, noise and state follow it, checkpoints are device-independent.</param>
    public MlpTrainer(MlpTrainingOptions options, MnistDataset train, Device? device = null)
    {
        options.Validate();
        if (train.Count < options.BatchSize)
            throw new ArgumentException($"the training set has {train.Count} images, fewer than one batch of {options.BatchSize}");
        Options = options; _train = train; Device = device ?? Device.Cpu;
        _shuffle = new EpochShuffle(options.Seed, train.Count);
        Model = new MlpAlae(options.Model, new Init(options.Seed, DType.Float32, Device));
        _encoderOpt = new Adam(Model.EncoderParameters.Concat(Model.DiscriminatorParameters).ToList(), options.LearningRate);
        _decoderOpt = new Adam(Model.MappingParameters.Concat(Model.GeneratorParameters).ToList(), options.LearningRate);
        _algorithm = new AlaeAlgorithm(Model, _encoderOpt, _decoderOpt, options.R1Gamma);
        _noise = new RandomStream(options.Seed * 2654435761UL + 17);
        // fixed inputs and latents for the sample grids, so grids of one run are comparable over time
        _sampleImages = TensorScope.Unscoped(() => train.Batch(Enumerable.Range(0, 16).Select(i => i * (train.Count / 16)).ToArray(), Device));
        _sampleZ = TensorScope.Unscoped(() => new RandomStream(options.Seed + 3456).Normal(new Shape(16, options.Model.LatentSize), DType.Float32, Device));
    }

    public MlpTrainingOptions Options { get; }
    public Device Device { get; }
    public MlpAlae Model { get; }
    public long Step { get; private set; }
    public int Epoch { get; private set; }
    public int IterationsPerEpoch => _train.Count / Options.BatchSize;
    public long TotalIterations => Options.MaxIterations > 0 ? Math.Min(Options.MaxIterations, (long)Options.Epochs * IterationsPerEpoch) : (long)Options.Epochs * IterationsPerEpoch;

    private IReadOnlyDictionary<string, Adam> Optimizers => new Dictionary<string, Adam> { ["encoder"] = _encoderOpt, ["decoder"] = _decoderOpt };

    /// <summary>Continues from a checkpoint written by this trainer (same data and options).</summary>
    public void Resume(string checkpointJson)
    {
        var state = Checkpoint.ReadState(checkpointJson, StateFormat);
        Checkpoint.Restore(checkpointJson, Model.NamedParameters(), Optimizers);
        Step = state["step"]!.GetValue<long>();
        Epoch = (int)(Step / IterationsPerEpoch);
        var noise = state["noisePosition"]!.GetValue<ulong>();
        _noise.Restore(noise);
    }

    /// <summary>Runs until all epochs are done, <see cref="MlpTrainingOptions.MaxIterations"/> is reached, or <paramref name="stop"/> is set.</summary>
    public IEnumerable<MlpIterationLog> Run(Func<bool> stop)
    {
        Directory.CreateDirectory(Options.OutDir);
        var clock = Stopwatch.StartNew();
        long imagesSinceClock = 0;
        while (Step < TotalIterations && !stop())
        {
            Epoch = (int)(Step / IterationsPerEpoch);
            int inEpoch = (int)(Step % IterationsPerEpoch);
            var order = _shuffle.Order(Epoch);
            AlaeLosses losses;
            using (TensorScope.Begin())
            {
                var x = _train.Batch(order.AsSpan(inEpoch * Options.BatchSize, Options.BatchSize), Device);
                losses = _algorithm.Step(x, _noise);
            }
            Step++;
            imagesSinceClock += Options.BatchSize;
            double ips = imagesSinceClock / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            bool endOfEpoch = Step % IterationsPerEpoch == 0;
            yield return new MlpIterationLog(Step, Epoch, losses, ips);
            if (Step % Options.SampleEvery == 0 || endOfEpoch || Step == TotalIterations) WriteSamples();
            if (Step % Options.CheckpointEvery == 0 || endOfEpoch || Step == TotalIterations) SaveCheckpoint();
        }
    }

    public string SaveCheckpoint()
    {
        var state = new JsonObject
        {
            ["format"] = StateFormat,
            ["options"] = JsonSerializer.SerializeToNode(Options, TrainingJson.Default.MlpTrainingOptions),
            ["epoch"] = Epoch,
            ["noiseSeed"] = _noise.Seed,
            ["noisePosition"] = _noise.Position,
        };
        return Checkpoint.Save(Options.OutDir, Step, Model.NamedParameters(), Optimizers, state);
    }

    /// <summary>Inputs | reconstructions G(E(x)) | generations G(F(z)) with fixed x and z, as samples/step-NNNNNNN.png.</summary>
    public string WriteSamples()
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var rec = Model.Generate(Model.Encode(_sampleImages));
        var gen = Model.Generate(Model.Map(_sampleZ));
        var path = Path.Combine(Options.OutDir, "samples", $"step-{Step:D7}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageGrid.Save(path, new[] { AsImages(_sampleImages), AsImages(rec), AsImages(gen) }, cols: 16, labels: ["x", "G(E(x))", "G(F(z))"]);
        return path;
    }

    private static Tensor AsImages(Tensor flat) => Ops.Op.Reshape(flat, flat.Shape[0], 1, MnistDataset.Side, MnistDataset.Side);

    /// <summary>Reads the options saved in a checkpoint (to resume or to rebuild the model for inference).</summary>
    public static MlpTrainingOptions OptionsFrom(string checkpointJson)
    {
        var state = Checkpoint.ReadState(checkpointJson, StateFormat);
        return state["options"].Deserialize(TrainingJson.Default.MlpTrainingOptions)
            ?? throw new InvalidDataException($"{checkpointJson}: no options in checkpoint");
    }

    public void Dispose()
    {
        Model.Dispose(); _encoderOpt.Dispose(); _decoderOpt.Dispose(); _sampleImages.Dispose(); _sampleZ.Dispose();
    }
}

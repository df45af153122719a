using System.Text.Json.Nodes;
using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>One iteration of an MLP-ALAE run: the position after it, the epoch it trained in, the four losses.</summary>
public sealed record MlpIterationLog(long Step, long ImagesSeen, int Epoch, AlaeLosses Losses, double ImagesPerSecond)
    : IterationLog(Step, ImagesSeen, Epoch, ImagesPerSecond)
{
    public override IEnumerable<KeyValuePair<string, double>> NamedLosses() => Losses.Named();
}

/// <summary>
/// Trains MLP-ALAE on MNIST in the <see cref="Trainer{TOptions, TLog}"/> frame: epochs of shuffled batches (the last
/// partial batch dropped), Algorithm 1 per batch. Grids and checkpoints follow their intervals, with one of each at the
/// end of the run (an epoch is not a stage that writes its own: nothing changes there). The data order is
/// a function of (seed, epoch), so a resumed run produces the same losses as an uninterrupted one, bit for bit.
/// </summary>
public sealed class MlpTrainer : Trainer<MlpTrainingOptions, MlpIterationLog>
{
    internal const string StateFormat = "alae-mlp-checkpoint/1";
    private readonly MnistDataset _train;
    private readonly EpochShuffle _shuffle;
    private readonly AlaeAlgorithm _algorithm;
    private readonly Adam _encoderOpt, _decoderOpt;
    private readonly Tensor _sampleImages, _sampleZ;

    /// <param name="device">where the model trains (CPU when null); data, noise and state follow it, checkpoints are device-independent.</param>
    public MlpTrainer(MlpTrainingOptions options, MnistDataset train, Device? device = null)
        : base(options, StateFormat, TrainingJson.Default.MlpTrainingOptions, device)
    {
        if (train.Count < options.BatchSize)
            throw new ArgumentException($"the training set has {train.Count} images, fewer than one batch of {options.BatchSize}");
        _train = train;
        _shuffle = new EpochShuffle(options.Seed, train.Count);
        Model = Own(new MlpAlae(options.Model, new Init(options.Seed, DType.Float32, Device)));
        _encoderOpt = Own(new Adam(Model.EncoderParameters.Concat(Model.DiscriminatorParameters).ToList(), options.LearningRate));
        _decoderOpt = Own(new Adam(Model.MappingParameters.Concat(Model.GeneratorParameters).ToList(), options.LearningRate));
        _algorithm = new AlaeAlgorithm(Model, _encoderOpt, _decoderOpt, options.R1Gamma);
        // fixed inputs and latents for the sample grids, so grids of one run are comparable over time
        _sampleImages = Own(TensorScope.Unscoped(() => train.Batch(Enumerable.Range(0, 16).Select(i => i * (train.Count / 16)).ToArray(), Device)));
        _sampleZ = Own(TensorScope.Unscoped(() => new RandomStream(options.Seed + 3456).Normal(new Shape(16, options.Model.LatentSize), DType.Float32, Device)));
    }

    public override string ModelName => "MLP-ALAE";
    public MlpAlae Model { get; }
    /// <summary>The epoch of the current (or last) iteration, counted from 0.</summary>
    public int Epoch => (int)(Math.Max(0, Step - 1) / IterationsPerEpoch);
    public int IterationsPerEpoch => _train.Count / Options.BatchSize;

    protected override bool ScheduleDone => Step >= (long)Options.Epochs * IterationsPerEpoch;
    protected override (long Done, long Total) ScheduleProgress => (Step, (long)Options.Epochs * IterationsPerEpoch);
    protected override DataIdentity TrainingData => new(_train.Count, _train.ContentHash);
    protected override IReadOnlyList<(string path, Parameter p)> CheckpointParameters => Model.NamedParameters();
    protected override IReadOnlyDictionary<string, Adam> Optimizers => new Dictionary<string, Adam> { ["encoder"] = _encoderOpt, ["decoder"] = _decoderOpt };

    protected override MlpIterationLog TrainIteration()
    {
        int epoch = (int)(Step / IterationsPerEpoch), inEpoch = (int)(Step % IterationsPerEpoch);
        var order = _shuffle.Order(epoch);
        AlaeLosses losses;
        using (TensorScope.Begin())
        {
            var x = _train.Batch(order.AsSpan(inEpoch * Options.BatchSize, Options.BatchSize), Device);
            losses = _algorithm.Step(x, Noise);
        }
        var at = Advance(Options.BatchSize);
        return new MlpIterationLog(at.Step, at.ImagesSeen, epoch, losses, at.ImagesPerSecond);
    }

    // the checkpoint's "epoch" is kept for readers of the format; the position is the step
    protected override void SaveState(JsonObject state) => state["epoch"] = Epoch;

    // checkpoints written before the shared trainer frame count iterations only; the batch is fixed
    protected override long ImagesSeenNotSaved(CheckpointState state) => Step * Options.BatchSize;

    /// <summary>Inputs | reconstructions G(E(x)) | generations G(F(z)) with fixed x and z.</summary>
    protected override SampleGrid Samples()
    {
        var rec = Model.Generate(Model.Encode(_sampleImages));
        var gen = Model.Generate(Model.Map(_sampleZ));
        return new SampleGrid([AsImages(_sampleImages), AsImages(rec), AsImages(gen)], Columns: 16, Labels: ["x", "G(E(x))", "G(F(z))"]);
    }

    private static Tensor AsImages(Tensor flat) => Op.Reshape(flat, flat.Shape[0], 1, MnistDataset.Side, MnistDataset.Side);

    public override string Describe(MlpIterationLog it) => $"epoch {it.Epoch + 1}/{Options.Epochs} {it.ImagesPerSecond:F0} img/s {it.Losses.Describe()}";

    public override string DescribePosition() => $"epoch {Epoch + 1}, batch {Options.BatchSize}";

    /// <summary>Reads the options saved in a checkpoint (to resume or to rebuild the model for inference).</summary>
    public static MlpTrainingOptions OptionsFrom(string checkpointJson) => ReadOptions(checkpointJson, StateFormat, TrainingJson.Default.MlpTrainingOptions);
}

using System.Text.Json.Serialization;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Training;

/// <summary>What defines a line-fitting run (the frame's options plus the model's own).</summary>
public sealed record LineFitOptions : TrainingOptions
{
    public int Iterations { get; init; } = 20;
    public int Batch { get; init; } = 8;
    public double LearningRate { get; init; } = 0.05;

    public override void Validate()
    {
        base.Validate();
        if (Iterations < 1 || Batch < 1) throw new ArgumentException("iterations and batch must be ≥ 1");
    }
}

[JsonSerializable(typeof(LineFitOptions))]
internal sealed partial class LineFitJson : JsonSerializerContext;

/// <summary>One iteration of the line fit: its mean squared error.</summary>
public sealed record LineFitLog(long Step, long ImagesSeen, double Mse, double ImagesPerSecond) : IterationLog(Step, ImagesSeen, 0, ImagesPerSecond)
{
    public override IEnumerable<KeyValuePair<string, double>> NamedLosses() => [new("mse", Mse)];
}

/// <summary>y = a·x + b, the model.</summary>
public sealed class Line : Module
{
    public Line()
    {
        A = AddParameter("a", new Shape(1), s => Tensor.Zeros(s));
        B = AddParameter("b", new Shape(1), s => Tensor.Zeros(s));
    }

    public Parameter A { get; }
    public Parameter B { get; }

    public Tensor Forward(Tensor x) => Op.Add(Op.Mul(x, A.Value), B.Value); // x: (N) → (N)
}

/// <summary>
/// The smallest complete trainer in the <see cref="Trainer{TOptions, TLog}"/> frame (docs/trainer-frame.md): fits
/// y = a·x + b to y = 3x − 1 at points x ~ N(0, 1) drawn from the run's noise stream, with Adam. Everything else — the
/// loop, checkpoints and exact resume, metrics, grids, stopping, the loss check — is the frame's.
/// </summary>
public sealed class LineFitTrainer : Trainer<LineFitOptions, LineFitLog>
{
    public const double Slope = 3, Intercept = -1;
    private readonly Adam _adam;

    public LineFitTrainer(LineFitOptions options) : base(options, "test-line-fit/1", LineFitJson.Default.LineFitOptions, device: null)
    {
        Model = Own(new Line());
        _adam = Own(new Adam(Model.Parameters(), options.LearningRate));
    }

    public Line Model { get; }
    public override string ModelName => "line fit";
    protected override bool ScheduleDone => Step >= Options.Iterations;
    protected override (long Done, long Total) ScheduleProgress => (Step, Options.Iterations);
    protected override IReadOnlyList<(string path, Parameter p)> CheckpointParameters => Model.NamedParameters();
    protected override IReadOnlyDictionary<string, Adam> Optimizers => new Dictionary<string, Adam> { ["line"] = _adam };

    protected override LineFitLog TrainIteration()
    {
        double mse;
        using (TensorScope.Begin())
        {
            var x = Noise.Normal(new Shape(Options.Batch), DType.Float32, Device);
            var y = Op.AddScalar(Op.Scale(x, Slope), Intercept);
            var loss = Op.Mean(Op.Square(Op.Sub(Model.Forward(x), y)));
            AG.Backward(loss, [Model.A.Value, Model.B.Value]);
            _adam.Step();
            mse = loss.Item();
        }
        var at = Advance(Options.Batch);
        return new LineFitLog(at.Step, at.ImagesSeen, mse, at.ImagesPerSecond);
    }

    /// <summary>One 1×2 image: a / 3 and b / −1 (white once the line is found).</summary>
    protected override SampleGrid Samples()
        => new([Op.Reshape(Op.Concat(0, Op.Scale(Model.A.Value, 1 / Slope), Op.Scale(Model.B.Value, 1 / Intercept)), 1, 1, 1, 2)], Columns: 1);

    public override string Describe(LineFitLog it) => $"mse {it.Mse:F4}";
    public override string DescribePosition() => $"iteration {Step}";
}

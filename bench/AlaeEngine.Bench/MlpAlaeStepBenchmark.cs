using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using BenchmarkDotNet.Attributes;

namespace AlaeEngine.Bench;

/// <summary>One full MLP-ALAE iteration (D step with R1, G step, reciprocity step, both Adam updates) at batch 128 on the CPU.</summary>
[Config(typeof(InProcessConfig))]
public class MlpAlaeStepBenchmark
{
    private MlpAlae _model = null!;
    private AlaeAlgorithm _alg = null!;
    private Tensor _x = null!;
    private RandomStream _noise = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = new MlpAlae(new MlpAlaeConfig(), new Init(1));
        var enc = new Adam(_model.EncoderParameters.Concat(_model.DiscriminatorParameters).ToList(), 0.002);
        var dec = new Adam(_model.MappingParameters.Concat(_model.GeneratorParameters).ToList(), 0.002);
        _alg = new AlaeAlgorithm(_model, enc, dec);
        _noise = new RandomStream(2);
        _x = TensorScope.Unscoped(() => new RandomStream(3).Uniform(new Shape(128, 784)));
    }

    [Benchmark] public AlaeLosses Iteration_Batch128() => _alg.Step(_x, _noise);
}

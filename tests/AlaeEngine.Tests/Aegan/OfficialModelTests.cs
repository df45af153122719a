using AlaeEngine.Autograd;
using AlaeEngine.IO;
using AlaeEngine.Losses;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Tests.Data;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Aegan;

/// <summary>
/// The engine's AE-StyleGAN networks and losses against the official code: phymhan/stylegan2-pytorch's model.py and
/// train_aegan.py run by tools/aegan_reference.py (torch 1.13, float64, full width: 512 feature maps) with every
/// parameter and input set by <see cref="FormulaValues"/> (Fixtures/aegan-official.safetensors). F; G at 16² and 8²;
/// D, E (W+ and W) at 8²; the R1 penalty and its gradient in D's weights, the path-length penalty with its running mean
/// and its gradient in G's weights (both second order), and the adaptive weight.
/// </summary>
[NonParallelizable]
public class OfficialModelTests
{
    private const double Tolerance = 1e-9;
    private static readonly AeStyleGanConfig At8 = AeStyleGanPreset.Ffhq128.Model with { Resolution = 8 };
    private Dictionary<string, Tensor> _expected = null!;
    private AeStyleGanGenerator _g8 = null!;
    private AeStyleGanDiscriminator _d8 = null!, _e8 = null!;
    private Tensor _fir = null!, _upFir = null!;

    [OneTimeSetUp]
    public void Load()
    {
        _expected = TensorScope.Unscoped(() => SafeTensors.Load(Path.Combine(DataIoPaths.RepoRoot, "tests", "AlaeEngine.Tests", "Aegan", "Fixtures", "aegan-official.safetensors")));
        _fir = TensorScope.Unscoped(() => Fir.Kernel(Fir.StyleGan2Taps, 1, DType.Float64));
        _upFir = TensorScope.Unscoped(() => Fir.Kernel(Fir.StyleGan2Taps, 4, DType.Float64));
        var init = new Init(1, DType.Float64);
        _g8 = Filled(new AeStyleGanGenerator(At8, _upFir, init), "generator");
        _d8 = Filled(new AeStyleGanDiscriminator(At8, _fir, init, 1, At8.StddevGroup), "discriminator");
        _e8 = Filled(new AeStyleGanDiscriminator(At8, _fir, init, At8.EncoderOutputs, 0), "encoder");
    }

    [OneTimeTearDown]
    public void Free()
    {
        foreach (var t in _expected.Values) t.Dispose();
        foreach (var m in new Module[] { _g8, _d8, _e8 }) m.Dispose();
        _fir.Dispose(); _upFir.Dispose();
    }

    // the values tools/aegan_reference.py gives the official parameter of the same role
    private static T Filled<T>(T module, string prefix) where T : Module
    {
        foreach (var (path, p) in module.NamedParameters())
        {
            string name = $"{prefix}.{path}";
            var u = FormulaValues.Make(name, p.Value.Length, 1.0);
            var v = name.EndsWith("affine.bias") ? u.Select(x => 1 + 0.2 * x)
                : name.EndsWith(".bias") || name.EndsWith("noise.weight") ? u.Select(x => 0.2 * x)
                : u.Select(x => Math.Sqrt(3) * x);
            using var t = Tensor.FromArray(v.ToArray(), p.Shape);
            p.Value.Kernels.Copy(t, p.Value);
        }
        return module;
    }

    private static Tensor Input(string name, params int[] dims) => Tensor.FromArray(FormulaValues.Make(name, new Shape(dims).Length, 1.0), new Shape(dims));

    private void AssertMatches(Tensor actual, string key, int rows = -1)
    {
        var expected = _expected[key].ToDoubleArray();
        var a = actual.ToDoubleArray();
        if (rows > 0) a = a.Take(rows * (actual.Length / actual.Shape[0])).ToArray();
        Assert.That(a, Has.Length.EqualTo(expected.Length), key);
        double scale = expected.Max(Math.Abs), worst = a.Zip(expected, (x, y) => Math.Abs(x - y)).Max();
        Assert.That(scale, Is.GreaterThan(0), $"{key}: the reference is not all zeros");
        Assert.That(worst, Is.LessThanOrEqualTo(Tolerance * scale), $"{key}: max error {worst:G3} against largest value {scale:G3}");
    }

    [Test]
    public void MappingMatches()
    {
        using var scope = TensorScope.Begin();
        using var f = Filled(AeStyleGan.CreateMapping(At8, new Init(1, DType.Float64)), "mapping");
        using var noGrad = GradMode.NoGrad();
        AssertMatches(f.Forward(Input("input.z", 2, 512)), "F.w");
    }

    [Test]
    public void GeneratorMatchesAt16And8()
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var at16 = At8 with { Resolution = 16 };
        using (var g16 = Filled(new AeStyleGanGenerator(at16, _upFir, new Init(1, DType.Float64)), "generator"))
            AssertMatches(g16.Forward(Input("input.styles16", 2, at16.StyleCount, 512), null), "G16.image");
        AssertMatches(_g8.Forward(Input("input.styles8", 2, At8.StyleCount, 512), null), "G8.image");
    }

    [Test]
    public void DiscriminatorAndEncodersMatch()
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var x = Input("input.x8", 4, 3, 8, 8);
        AssertMatches(_d8.Forward(x), "D.logits");
        AssertMatches(_e8.Forward(x), "E.wplus");
        var atW = At8 with { Latent = AeStyleGanLatent.W };
        using var eW = Filled(new AeStyleGanDiscriminator(atW, _fir, new Init(1, DType.Float64), atW.EncoderOutputs, 0), "encoder");
        AssertMatches(eW.Forward(x), "E.w");
    }

    [Test]
    public void R1PenaltyAndItsParameterGradientMatch()
    {
        using var scope = TensorScope.Begin();
        var (penalty, _) = R1Penalty.Compute(_d8.Forward, Input("input.x8", 4, 3, 8, 8));
        AssertMatches(penalty, "R1.penalty");
        var named = _d8.NamedParameters().ToDictionary(t => t.path, t => t.p.Value);
        string[] wrt = ["block_8.conv2.weight", "final_conv.weight"];
        var grads = AG.Grad([penalty], wrt.Select(n => named[n]).ToArray());
        for (int i = 0; i < wrt.Length; i++) AssertMatches(grads[i], $"R1.grad.discriminator.{wrt[i]}[:2]", rows: 2);
    }

    [Test]
    public void PathLengthPenaltyItsMeanAndItsParameterGradientMatch()
    {
        using var scope = TensorScope.Begin();
        var styles = Input("input.styles8", 2, At8.StyleCount, 512);
        styles.RequiresGrad = true;
        var image = _g8.Forward(styles, null);
        var (penalty, mean, lengths) = PathLengthPenalty.Compute(image, styles, Tensor.Scalar(0.5, DType.Float64), _expected["PL.noise"]);
        AssertMatches(penalty, "PL.penalty");
        AssertMatches(mean, "PL.mean");
        AssertMatches(lengths, "PL.lengths");
        var named = _g8.NamedParameters().ToDictionary(t => t.path, t => t.p.Value);
        string[] wrt = ["up_8.weight", "to_rgb_8.weight"];
        var grads = AG.Grad([penalty], wrt.Select(n => named[n]).ToArray());
        for (int i = 0; i < wrt.Length; i++) AssertMatches(grads[i], $"PL.grad.generator.{wrt[i]}[:2]", rows: 2);
    }

    [Test]
    public void AdaptiveWeightMatches()
    {
        using var scope = TensorScope.Begin();
        var x = Input("input.x8", 4, 3, 8, 8);
        var code = Op.Reshape(_e8.Forward(x), 4, At8.StyleCount, 512);
        var reconstruction = _g8.Forward(code, null);
        var pixel = PixelLoss.Compute(reconstruction, x, PixelLossKind.L2);
        var adversarial = Op.Scale(GanLoss.Generator(_d8.Forward(reconstruction)), 0.1);
        AssertMatches(pixel, "beta.pixel");
        AssertMatches(adversarial, "beta.adversarial");
        AssertMatches(AdaptiveWeight.Compute(pixel, adversarial, _g8.LastLayerWeights.Select(p => p.Value).ToList()), "beta");
    }
}

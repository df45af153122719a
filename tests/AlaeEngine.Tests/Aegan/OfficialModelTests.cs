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
/// train_aegan.py run by tools/aegan_reference.py (torch 1.13, float64; channel tables narrowed from 512 to 16 feature
/// maps, latent 16) with every parameter and input set by <see cref="FormulaValues"/> (Fixtures/aegan-official.safetensors):
/// F; G at 32² and 16²; D (two minibatch-stddev groups) and E (W+ and W) at 16²; the R1 penalty and its gradient in
/// every parameter of D, the path-length penalty with its running mean and its gradient in every parameter of G (both
/// second order), and the adaptive weight.
/// </summary>
public class OfficialModelTests
{
    private const double Tolerance = 1e-9;
    private static readonly AeStyleGanConfig At16 = new() { Resolution = 16, LatentSize = 16, ChannelMax = 16 };
    private static Dictionary<string, Tensor>? _expected;

    private static Dictionary<string, Tensor> Expected => _expected ??= TensorScope.Unscoped(() =>
        SafeTensors.Load(Path.Combine(DataIoPaths.RepoRoot, "tests", "AlaeEngine.Tests", "Aegan", "Fixtures", "aegan-official.safetensors")));

    /// <summary>A float64 model whose every parameter has the value tools/aegan_reference.py gives its official counterpart.</summary>
    private static AeStyleGan Model(AeStyleGanConfig config)
    {
        var model = new AeStyleGan(config, new Init(1, DType.Float64));
        foreach (var (name, p) in model.NamedParameters())
        {
            var u = FormulaValues.Make(name, p.Value.Length, 1.0);
            var v = name.EndsWith("affine.bias") ? u.Select(x => 1 + 0.2 * x)
                : name.EndsWith(".bias") || name.EndsWith("noise.weight") ? u.Select(x => 0.2 * x)
                : u.Select(x => Math.Sqrt(3) * x);
            using var t = Tensor.FromArray(v.ToArray(), p.Shape);
            p.Value.Kernels.Copy(t, p.Value);
        }
        return model;
    }

    private static Tensor Input(string name, params int[] dims) => Tensor.FromArray(FormulaValues.Make(name, new Shape(dims).Length, 1.0), new Shape(dims));

    /// <param name="zeroScale">for a reference that is all zeros (a gradient that vanishes): the largest value allowed</param>
    private static void AssertMatches(Tensor actual, string key, double? zeroScale = null)
    {
        var expected = Expected[key].ToDoubleArray();
        var a = actual.ToDoubleArray();
        Assert.That(a, Has.Length.EqualTo(expected.Length), key);
        double scale = expected.Max(Math.Abs), worst = a.Zip(expected, (x, y) => Math.Abs(x - y)).Max();
        if (scale == 0 && zeroScale is double z) { Assert.That(worst, Is.LessThanOrEqualTo(z), $"{key}: zero in the reference"); return; }
        Assert.That(scale, Is.GreaterThan(0), $"{key}: the reference is not all zeros");
        Assert.That(worst, Is.LessThanOrEqualTo(Tolerance * scale), $"{key}: max error {worst:G3} against largest value {scale:G3}");
    }

    /// <summary>
    /// The loss's gradient in every parameter of one network, against "&lt;key&gt;.grad.&lt;prefix&gt;.&lt;path&gt;". Some vanish in
    /// both codes: the noise weights' (no noise), and in R1 the biases behind D's last nonlinearities (∂D/∂x depends on
    /// them only through the activations' piecewise-constant slopes); those must be zero up to Tolerance × the largest
    /// gradient of the network.
    /// </summary>
    private static void AssertGradientsMatch(Tensor loss, Module network, string key, string prefix)
    {
        var named = network.NamedParameters();
        var grads = AG.Grad([loss], named.Select(t => t.p.Value).ToArray(), allowUnused: true);
        double largest = named.Max(t => Expected[$"{key}.grad.{prefix}.{t.path}"].ToDoubleArray().Max(Math.Abs));
        Assert.That(largest, Is.GreaterThan(0), $"{key}: some gradient is non-zero");
        for (int i = 0; i < named.Count; i++) AssertMatches(grads[i], $"{key}.grad.{prefix}.{named[i].path}", Tolerance * largest);
    }

    [Test]
    public void MappingAndGeneratorMatchAt32And16()
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var at32 = At16 with { Resolution = 32 };
        using (var model = Model(at32))
        {
            AssertMatches(model.Map(Input("input.z", 2, 16)), "F.w");
            AssertMatches(model.Generate(Input("input.styles32", 2, at32.StyleCount, 16), null), "G32.image");
        }
        using var m16 = Model(At16);
        AssertMatches(m16.Generate(Input("input.styles16", 2, At16.StyleCount, 16), null), "G16.image");
    }

    [Test]
    public void DiscriminatorAndEncodersMatch()
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var x = Input("input.x16", 8, 3, 16, 16);
        using (var model = Model(At16))
        {
            AssertMatches(model.Discriminate(x), "D.logits");
            AssertMatches(model.Encode(x), "E.wplus");
        }
        using var w = Model(At16 with { Latent = AeStyleGanLatent.W });
        AssertMatches(w.Encode(x), "E.w");
    }

    [Test]
    public void R1PenaltyAndItsGradientInEveryParameterOfDMatch()
    {
        using var model = Model(At16);
        using var scope = TensorScope.Begin();
        var (penalty, _) = R1Penalty.Compute(model.Discriminate, Input("input.x16", 8, 3, 16, 16));
        AssertMatches(penalty, "R1.penalty");
        AssertGradientsMatch(penalty, model.D, "R1", "discriminator");
    }

    [Test]
    public void PathLengthPenaltyItsMeanAndItsGradientInEveryParameterOfGMatch()
    {
        using var model = Model(At16);
        using var scope = TensorScope.Begin();
        var styles = Input("input.styles16", 2, At16.StyleCount, 16);
        styles.RequiresGrad = true;
        var (penalty, mean, lengths) = PathLengthPenalty.Compute(model.Generate(styles, null), styles, Tensor.Scalar(0.5, DType.Float64), Expected["PL.noise"]);
        AssertMatches(penalty, "PL.penalty");
        AssertMatches(mean, "PL.mean");
        AssertMatches(lengths, "PL.lengths");
        AssertGradientsMatch(penalty, model.G, "PL", "generator");
    }

    [Test]
    public void AdaptiveWeightMatches()
    {
        using var model = Model(At16);
        using var scope = TensorScope.Begin();
        var x = Input("input.x16", 8, 3, 16, 16);
        var reconstruction = model.Reconstruct(x, null);
        var pixel = PixelLoss.Compute(reconstruction, x, PixelLossKind.L2);
        var adversarial = Op.Scale(GanLoss.Generator(model.Discriminate(reconstruction)), 0.1);
        AssertMatches(pixel, "beta.pixel");
        AssertMatches(adversarial, "beta.adversarial");
        AssertMatches(AdaptiveWeight.Compute(pixel, adversarial, model.G.LastLayerWeights.Select(p => p.Value).ToList()), "beta");
    }
}

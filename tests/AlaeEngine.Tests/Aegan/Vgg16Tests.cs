using AlaeEngine.Autograd;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Losses;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Tests.Data;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Aegan;

/// <summary>
/// The VGG16 trunk against torchvision's vgg16().features[:23] (fixtures from tools/vgg16_fixture.py, torch 1.13 /
/// torchvision 0.14, float64): at full width with formula weights, and a narrow network converted by
/// tools/vgg16_to_safetensors.py and read by <see cref="Vgg16.Load"/>, under both input preprocessings.
/// </summary>
public class Vgg16Tests
{
    private static string Fixture(string name) => Path.Combine(DataIoPaths.RepoRoot, "tests", "AlaeEngine.Tests", "Aegan", "Fixtures", name);

    private static Dictionary<string, Tensor> Outputs() => SafeTensors.Load(Fixture("vgg16-outputs.safetensors"));

    private static void AssertClose(Tensor actual, Tensor expected, double relative, string what)
    {
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape), what);
        var a = actual.ToDoubleArray(); var e = expected.ToDoubleArray();
        double scale = e.Max(Math.Abs), worst = a.Zip(e, (x, y) => Math.Abs(x - y)).Max();
        Assert.That(scale, Is.GreaterThan(0), $"{what}: the reference is not all zeros");
        Assert.That(worst, Is.LessThanOrEqualTo(relative * scale), $"{what}: max error {worst:G3} against largest value {scale:G3}");
    }

    private static Dictionary<string, Tensor> FormulaWeights()
    {
        var tensors = new Dictionary<string, Tensor>();
        for (int i = 0; i < Vgg16.LayerNames.Length; i++)
        {
            int cin = i == 0 ? 3 : Vgg16.StandardWidths[i - 1], cout = Vgg16.StandardWidths[i];
            string name = Vgg16.LayerNames[i];
            tensors[$"{name}.weight"] = Tensor.FromArray(FormulaValues.Make($"{name}.weight", cout * cin * 9, Math.Sqrt(6.0 / (cin * 9))), new Shape(cout, cin, 3, 3));
            tensors[$"{name}.bias"] = Tensor.FromArray(FormulaValues.Make($"{name}.bias", cout, 0.1), new Shape(cout));
        }
        return tensors;
    }

    [Test]
    public void FullWidthTrunkMatchesTorchvision()
    {
        using var scope = TensorScope.Begin();
        using var vgg = Vgg16.FromTensors(FormulaWeights(), Vgg16Input.CaffeBgr, DType.Float64);
        Assert.That(vgg.Widths, Is.EqualTo(Vgg16.StandardWidths));
        var x = Tensor.FromArray(FormulaValues.Make("input", 3 * 16 * 16, 1.0), new Shape(1, 3, 16, 16));
        using var noGrad = GradMode.NoGrad();
        AssertClose(vgg.Forward(x), Outputs()["formula.caffe-bgr"], 1e-10, "conv4_3 + ReLU");
    }

    [TestCase(DType.Float64, 1e-12)]
    [TestCase(DType.Float32, 1e-5)]
    public void ConvertedTorchvisionNetworkLoadsAndMatches(DType dtype, double tolerance)
    {
        using var scope = TensorScope.Begin();
        using var vgg = Vgg16.Load(Fixture("vgg16-small.safetensors"), dtype);
        Assert.That(vgg.Input, Is.EqualTo(Vgg16Input.CaffeBgr), "the converter's --input caffe-bgr");
        Assert.That(vgg.Widths, Is.EqualTo(new[] { 4, 4, 8, 8, 16, 16, 16, 32, 32, 32 }));
        var outputs = Outputs();
        var x = outputs["small.input"];
        using var noGrad = GradMode.NoGrad();
        AssertClose(vgg.Forward(dtype == DType.Float64 ? x : x.Cast(dtype)), outputs["small.caffe-bgr"], tolerance, $"narrow trunk in {dtype.Name()}");
    }

    [Test]
    public void TorchvisionPreprocessingMatches()
    {
        using var scope = TensorScope.Begin();
        var weights = SafeTensors.Load(Fixture("vgg16-small.safetensors"));
        using var vgg = Vgg16.FromTensors(weights, Vgg16Input.TorchvisionRgb, DType.Float64);
        var outputs = Outputs();
        using var noGrad = GradMode.NoGrad();
        AssertClose(vgg.Forward(outputs["small.input"]), outputs["small.torchvision-rgb"], 1e-12, "narrow trunk, torchvision's preprocessing");
    }

    [Test]
    public void GreyImagesAreRepeatedToThreeChannels()
    {
        using var scope = TensorScope.Begin();
        using var vgg = Vgg16.Load(Fixture("vgg16-small.safetensors"), DType.Float64);
        var grey = Op.AddScalar(Op.Scale(new RandomStream(3).Uniform(new Shape(2, 1, 16, 16), DType.Float64), 2), -1);
        using var noGrad = GradMode.NoGrad();
        Assert.That(vgg.Forward(grey).ToDoubleArray(), Is.EqualTo(vgg.Forward(Op.Concat(1, grey, grey, grey)).ToDoubleArray()));
    }

    [Test]
    public void PerceptualLossReachesOnlyTheReconstructionAndLeavesTheNetworkFrozen()
    {
        using var scope = TensorScope.Begin();
        using var vgg = Vgg16.Load(Fixture("vgg16-small.safetensors"), DType.Float64);
        var loss = new Vgg16PerceptualLoss(vgg);
        var real = Op.AddScalar(Op.Scale(new RandomStream(4).Uniform(new Shape(2, 3, 16, 16), DType.Float64), 2), -1);
        var rec = Op.AddScalar(Op.Scale(new RandomStream(5).Uniform(new Shape(2, 3, 16, 16), DType.Float64), 2), -1);
        Assert.That(loss.Loss(real, real).Item(), Is.Zero);
        rec.RequiresGrad = true;
        var l = loss.Loss(real, rec);
        Assert.That(l.Item(), Is.GreaterThan(0));
        Assert.That(AG.Grad([l], [rec])[0].ToDoubleArray().Any(v => v != 0), Is.True);
        Assert.That(vgg.Parameters().All(p => !p.Value.RequiresGrad), Is.True, "VGG's weights are frozen");
    }

    [Test]
    public void LoaderErrorsNameTheFileAndTheProblem()
    {
        var dir = DataIoPaths.NewTempDir();
        try
        {
            using var scope = TensorScope.Begin();
            var good = SafeTensors.Load(Fixture("vgg16-small.safetensors"), out var meta);
            string Write(string name, IReadOnlyDictionary<string, Tensor> t, IReadOnlyDictionary<string, string>? m)
            {
                var p = Path.Combine(dir, name);
                SafeTensors.Save(p, t, m);
                return p;
            }
            var noMeta = Write("no-meta.safetensors", good, null);
            Assert.That(() => Vgg16.Load(noMeta), Throws.TypeOf<DataFormatException>().With.Message.Contains("no-meta.safetensors").And.Message.Contains("\"input\""));
            var badInput = Write("bad-input.safetensors", good, new Dictionary<string, string> { ["input"] = "rgb" });
            Assert.That(() => Vgg16.Load(badInput), Throws.TypeOf<DataFormatException>().With.Message.Contains("'rgb'"));
            var missing = good.Where(kv => kv.Key != "conv2_1.weight").ToDictionary();
            Assert.That(() => Vgg16.Load(Write("missing.safetensors", missing, meta)), Throws.TypeOf<DataFormatException>().With.Message.Contains("conv2_1.weight"));
            var broken = new Dictionary<string, Tensor>(good) { ["conv3_1.weight"] = Tensor.Zeros(new Shape(16, 9, 3, 3)) };
            Assert.That(() => Vgg16.Load(Write("broken.safetensors", broken, meta)), Throws.TypeOf<DataFormatException>().With.Message.Contains("(out, 8, 3, 3)"));
            var extra = new Dictionary<string, Tensor>(good) { ["classifier.0.weight"] = Tensor.Zeros(new Shape(2, 2)) };
            Assert.That(() => Vgg16.Load(Write("extra.safetensors", extra, meta)), Throws.TypeOf<DataFormatException>().With.Message.Contains("classifier.0.weight"));
            Assert.That(() => Vgg16.Load(Path.Combine(dir, "absent.safetensors")), Throws.TypeOf<DataFormatException>().With.Message.Contains("not found"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

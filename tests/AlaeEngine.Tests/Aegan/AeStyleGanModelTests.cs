using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Aegan;

/// <summary>AE-StyleGAN's networks: parameter counts against the official model, shapes at every resolution, style mixing.</summary>
public class AeStyleGanModelTests
{
    private static long Count(Module m) => m.Parameters().Sum(p => (long)p.Value.Length);

    /// <summary>
    /// The paper's configuration (128², channel multiplier 2). Expected counts from instantiating phymhan's model.py
    /// (Generator(128, 512, 8), Discriminator(128), Encoder(128, which_latent=w_plus | w_tied, stddev_group=1)) with
    /// torch 1.13 and counting parameters; its Generator holds the mapping network. (About 15 s: 89 M random weights.)
    /// </summary>
    [Test]
    public void ParameterCountsMatchTheOfficialModelAt128()
    {
        using var model = new AeStyleGan(AeStyleGanPreset.Ffhq128.Model, new Init(1));
        Assert.That(Count(model.F) + Count(model.G), Is.EqualTo(29_328_669), "G with F");
        Assert.That(Count(model.F), Is.EqualTo(2_101_248), "F");
        Assert.That(Count(model.D), Is.EqualTo(28_389_121), "D");
        Assert.That(Count(model.E), Is.EqualTo(31_535_872), "E (W+)");
        // the official W encoder has 28 646 656: W+'s head has (n − 1)·L·(C₄ + 1) = 11·512·513 more outputs' weights and biases
        Assert.That(31_535_872 - 28_646_656, Is.EqualTo(11 * 512 * 513));
    }

    [Test]
    public void TheWEncoderDiffersFromTheWPlusOneOnlyInItsHead()
    {
        var config = AeStyleGanPreset.Tiny.Model;
        using var wPlus = new AeStyleGan(config, new Init(1));
        using var w = new AeStyleGan(config with { Latent = AeStyleGanLatent.W }, new Init(1));
        int n = config.StyleCount, l = config.LatentSize, c4 = config.Channels(4);
        Assert.That(Count(wPlus.E) - Count(w.E), Is.EqualTo((n - 1) * l * (c4 + 1)));
    }

    [Test]
    public void ChannelsFollowConfigF()
    {
        var c = AeStyleGanPreset.Ffhq128.Model;
        Assert.That(new[] { 4, 8, 16, 32, 64, 128, 256 }.Select(c.Channels), Is.EqualTo(new[] { 512, 512, 512, 512, 512, 256, 128 }));
        Assert.That(c.StyleCount, Is.EqualTo(12));
        Assert.That(c.EncoderOutputs, Is.EqualTo(12 * 512));
        Assert.That((c with { Latent = AeStyleGanLatent.W }).EncoderOutputs, Is.EqualTo(512));
        Assert.That((c with { ChannelMultiplier = 1 }).Channels(64), Is.EqualTo(256));
        Assert.That((c with { ChannelMax = 256 }).Channels(16), Is.EqualTo(256));
    }

    [TestCase(4), TestCase(8), TestCase(16), TestCase(32), TestCase(64), TestCase(128)]
    public void ShapesAtEveryResolution(int resolution)
    {
        var config = new AeStyleGanConfig { Resolution = resolution, LatentSize = 6, MappingLayers = 2, ChannelBase = 1024, ChannelMultiplier = 1, ChannelMax = 4 };
        using var model = new AeStyleGan(config, new Init(3), secondDiscriminator: true);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        int n = config.StyleCount;
        // batch 8 makes two stddev groups of 4; at the larger sizes batch 2 keeps the test fast
        foreach (int batch in resolution <= 32 ? new[] { 2, 8 } : new[] { 2 })
        {
            var styles = model.SampleStyles(batch, new RandomStream(5), DType.Float32, Device.Cpu);
            Assert.That(styles.Shape, Is.EqualTo(new Shape(batch, n, 6)));
            var x = model.Generate(styles, new RandomStream(6));
            Assert.That(x.Shape, Is.EqualTo(new Shape(batch, 3, resolution, resolution)), "G");
            Assert.That(model.Encode(x).Shape, Is.EqualTo(new Shape(batch, n, 6)), "E (W+)");
            Assert.That(model.Discriminate(x).Shape, Is.EqualTo(new Shape(batch, 1)), "D");
            var features = model.D.Features(x);
            Assert.That(features.Select(f => f.Shape[2]), Is.EqualTo(Enumerable.Range(0, config.Log2Resolution - 1).Select(k => resolution >> k)), "D's feature resolutions");
            Assert.That(x.ToFloatArray().All(float.IsFinite), Is.True);
        }
        if (resolution > 64) return; // the rest builds the same layers again
        var images = model.Generate(model.SampleStyles(2, new RandomStream(5), DType.Float32, Device.Cpu), null);
        Assert.That(model.Reconstruct(images, null).Shape, Is.EqualTo(images.Shape), "G(E(x))");
        Assert.That(model.D2!.Forward(images).Shape, Is.EqualTo(new Shape(2, 1)), "D2");
        using var w = new AeStyleGan(config with { Latent = AeStyleGanLatent.W }, new Init(3));
        var xs = w.Generate(w.Broadcast(w.Map(new RandomStream(7).Normal(new Shape(2, 6)))), null);
        Assert.That(w.Encode(xs).Shape, Is.EqualTo(new Shape(2, 6)), "E (W)");
        Assert.That(w.Reconstruct(xs, null).Shape, Is.EqualTo(xs.Shape));
    }

    [Test]
    public void MixingPutsTheFirstCodeBeforeTheInjectIndexAndTheSecondFromIt()
    {
        using var model = new AeStyleGan(AeStyleGanPreset.Tiny.Model, new Init(1));
        using var scope = TensorScope.Begin();
        var w1 = Tensor.Full(new Shape(2, 8), 1.0);
        var w2 = Tensor.Full(new Shape(2, 8), 2.0);
        int n = model.Config.StyleCount;
        var mixed = model.Mix(w1, w2, 3).ToFloatArray();
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < n; i++)
                Assert.That(mixed.Skip((b * n + i) * 8).Take(8), Is.All.EqualTo(i < 3 ? 1f : 2f), $"sample {b}, layer {i}");
        Assert.That(() => model.Mix(w1, w2, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => model.Mix(w1, w2, n), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void SampledStylesMixAtTheConfiguredRateWithInjectIndicesInRange()
    {
        using var model = new AeStyleGan(AeStyleGanPreset.Tiny.Model, new Init(1));
        using var noGrad = GradMode.NoGrad();
        var random = new RandomStream(9);
        int n = model.Config.StyleCount, mixed = 0, draws = 400;
        var seen = new HashSet<int>();
        for (int d = 0; d < draws; d++)
        {
            using var scope = TensorScope.Begin();
            var s = model.SampleStyles(1, random, DType.Float32, Device.Cpu).ToDoubleArray();
            // the first layer whose code differs from layer 0's is the inject index (n when none does)
            int inject = Enumerable.Range(1, n - 1).FirstOrDefault(i => Math.Abs(s[i * 8] - s[0]) > 0, n);
            if (inject < n) { mixed++; seen.Add(inject); }
        }
        Assert.That(mixed / (double)draws, Is.EqualTo(0.9).Within(0.05), "mixing probability");
        Assert.That(seen, Is.EquivalentTo(Enumerable.Range(1, n - 1)), "every inject index in [1, n − 1] occurs");
        var a = model.SampleStyles(2, new RandomStream(4), DType.Float32, Device.Cpu).ToDoubleArray();
        var b = model.SampleStyles(2, new RandomStream(4), DType.Float32, Device.Cpu).ToDoubleArray();
        Assert.That(a, Is.EqualTo(b), "the same stream position gives the same styles");
    }

    [Test]
    public void NoiseEntersThroughTheScalarNoiseWeights()
    {
        using var model = new AeStyleGan(AeStyleGanPreset.Tiny.Model, new Init(1));
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var styles = model.SampleStyles(2, new RandomStream(1), DType.Float32, Device.Cpu);
        var quiet = model.Generate(styles, null).ToFloatArray();
        Assert.That(model.Generate(styles, new RandomStream(2)).ToFloatArray(), Is.EqualTo(quiet), "noise weights start at 0");
        var noiseWeights = model.G.NamedParameters().Where(t => t.path.EndsWith("noise.weight")).ToList();
        Assert.That(noiseWeights, Has.Count.EqualTo(2 * model.Config.Log2Resolution - 3), "one per styled conv");
        Assert.That(noiseWeights.Select(t => t.p.Shape), Is.All.EqualTo(new Shape(1)), "scalar weights");
        foreach (var (_, p) in noiseWeights) p.Value.Kernels.Fill(p.Value, 0.5);
        Assert.That(model.Generate(styles, new RandomStream(2)).ToFloatArray(), Is.Not.EqualTo(quiet));
    }

    [Test]
    public void LastLayerWeightsAreTheLastToRgbAndStyledConv()
    {
        using var model = new AeStyleGan(AeStyleGanPreset.Tiny.Model, new Init(1));
        var names = model.G.NamedParameters().ToDictionary(t => t.p, t => t.path);
        Assert.That(model.G.LastLayerWeights.Select(p => names[p]), Is.EqualTo(new[] { "to_rgb_16.weight", "conv_16.weight" }));
    }

    [Test]
    public void BadInputsAreNamed()
    {
        using var model = new AeStyleGan(AeStyleGanPreset.Tiny.Model, new Init(1));
        using var scope = TensorScope.Begin();
        Assert.That(() => model.Generate(Tensor.Zeros(new Shape(2, 5, 8)), null), Throws.ArgumentException.With.Message.Contains("(N, 6, 8)"));
        Assert.That(() => model.Discriminate(Tensor.Zeros(new Shape(2, 3, 8, 8))), Throws.ArgumentException.With.Message.Contains("16"));
        Assert.That(() => model.Discriminate(Tensor.Zeros(new Shape(6, 3, 16, 16))), Throws.ArgumentException.With.Message.Contains("groups of 4"));
        Assert.That(() => new AeStyleGan(new AeStyleGanConfig { Resolution = 48 }, new Init(1)), Throws.ArgumentException.With.Message.Contains("power of two"));
        Assert.That(() => new AeStyleGan(new AeStyleGanConfig { Resolution = 64, ChannelBase = 16, ChannelMultiplier = 1 }, new Init(1)),
            Throws.ArgumentException.With.Message.Contains("no feature maps"));
    }
}

using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Pioneer;

/// <summary>Shapes, the channel table, fade-in continuity and the options of the Balanced PIONEER networks.</summary>
public class PioneerModelTests
{
    private static readonly PioneerConfig Tiny = PioneerPreset.Tiny.Model;
    private const int Batch = 3;

    private static Tensor Normal(ulong seed, DType dtype, params int[] shape) => new RandomStream(seed).Normal(new Shape(shape), dtype);

    /// <summary>Copies of every spectral-norm vector, to put the model back where it was (each forward pass advances them).</summary>
    internal static Action SaveBuffers(Module m) => BufferSnapshot.Of(m).Restore;

    [Test]
    public void ChannelTableIsTheReferences()
    {
        // model.py for nz = 512: decoder blocks output 512, 512, 512, 512, 256, 128, 64 at 4² … 256²
        var paper = PioneerPreset.CelebAHq256.Model;
        Assert.That(Enumerable.Range(0, paper.LayerCount).Select(paper.Channels), Is.EqualTo(new[] { 512, 512, 512, 512, 256, 128, 64 }));
        Assert.That(paper.LatentSize, Is.EqualTo(512));
    }

    [Test]
    public void ParameterShapesFollowTheReferenceLayout()
    {
        // the paper's 256² layout at 1/32 of the width (nz 16: channels 16, 16, 16, 16, 8, 4, 2), so it builds in milliseconds
        var config = new PioneerConfig { Resolution = 256, ImageChannels = 3, LatentSize = 16, StartChannels = 2, MaxChannels = 16 };
        using var model = new BalancedPioneer(config, new Init(1));
        var shapes = model.NamedParameters().ToDictionary(t => t.path, t => t.p.Shape);
        Assert.That(shapes["decoder.block_0.conv_1.weight"], Is.EqualTo(new Shape(16, 16, 4, 4)), "4×4 conv, pad 3, on the 1×1 code");
        Assert.That(shapes["decoder.block_0.conv_2.weight"], Is.EqualTo(new Shape(16, 16, 3, 3)));
        Assert.That(shapes["decoder.block_4.conv_1.weight"], Is.EqualTo(new Shape(8, 16, 3, 3)));
        Assert.That(shapes["decoder.block_6.conv_2.weight"], Is.EqualTo(new Shape(2, 2, 3, 3)));
        Assert.That(shapes["decoder.to_rgb_6.weight"], Is.EqualTo(new Shape(3, 2, 1, 1)));
        Assert.That(shapes["encoder.from_rgb_6.weight"], Is.EqualTo(new Shape(2, 3, 1, 1)));
        Assert.That(shapes["encoder.block_6.conv_1.weight"], Is.EqualTo(new Shape(4, 2, 3, 3)), "256²: 64 → 128 in the paper");
        Assert.That(shapes["encoder.block_4.conv_2.weight"], Is.EqualTo(new Shape(16, 16, 3, 3)), "64²: 256 → 512");
        Assert.That(shapes["encoder.block_0.conv_2.weight"], Is.EqualTo(new Shape(16, 16, 4, 4)), "4×4 valid conv to the code");
        Assert.That(model.NamedParameters().Where(t => t.path.EndsWith(".bias")).Select(t => t.p.Shape[0]),
            Is.EqualTo(model.NamedParameters().Where(t => t.path.EndsWith(".weight")).Select(t => t.p.Shape[0])), "one bias per output channel");
        // a spectral-norm vector for every block convolution of both networks, none for ToRGB / FromRGB
        var buffers = model.NamedBuffers().Select(b => b.path).ToList();
        Assert.That(buffers, Has.Count.EqualTo(2 * 2 * config.LayerCount));
        Assert.That(buffers, Has.Member("decoder.block_3.conv_2.weight_u").And.Member("encoder.block_0.conv_2.weight_u"));
        Assert.That(buffers.Any(b => b.Contains("rgb")), Is.False);
    }

    [Test]
    public void ShapesAtEveryLevelAndBlendAndCodesOnTheSphere()
    {
        using var model = new BalancedPioneer(Tiny, new Init(3));
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var z = model.SampleLatents(Batch, new RandomStream(4), DType.Float32, Device.Cpu);
        foreach (var norm in z.ToFloatArray().Chunk(Tiny.LatentSize).Select(r => Math.Sqrt(r.Sum(v => (double)v * v))))
            Assert.That(norm, Is.EqualTo(1).Within(1e-6), "sampled latents lie on the unit sphere");
        for (int level = 0; level < Tiny.LayerCount; level++)
            foreach (var blend in new[] { 0.0, 0.5, 1.0 })
            {
                model.SetLevel(level, blend);
                int r = 4 << level;
                var x = model.Decode(z);
                Assert.That(x.Shape, Is.EqualTo(new Shape(Batch, Tiny.ImageChannels, r, r)), $"decoder at level {level}, blend {blend}");
                var code = model.Encode(x);
                Assert.That(code.Shape, Is.EqualTo(new Shape(Batch, Tiny.LatentSize)), $"encoder at level {level}, blend {blend}");
                foreach (var row in code.ToFloatArray().Chunk(Tiny.LatentSize))
                    Assert.That(Math.Sqrt(row.Sum(v => (double)v * v)), Is.EqualTo(1).Within(1e-5), "codes lie on the unit sphere");
                Assert.That(x.ToFloatArray().All(float.IsFinite), Is.True);
            }
        Assert.That(() => model.Encode(Normal(1, DType.Float32, 2, 3, 8, 8)), Throws.ArgumentException.With.Message.Contains("(N, 3, 16, 16)"));
    }

    [Test]
    public void DecoderAtBlendZeroIsThePreviousLevelUpsampled([Values(1, 2)] int level)
    {
        using var model = new BalancedPioneer(Tiny, new Init(5, DType.Float64));
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var restore = SaveBuffers(model);
        var z = model.SampleLatents(Batch, new RandomStream(6), DType.Float64, Device.Cpu);
        model.SetLevel(level - 1, 1);
        var previous = Op.Upsample2x(model.Decode(z)).ToDoubleArray();
        restore();
        model.SetLevel(level, 0);
        Assert.That(model.Decode(z).ToDoubleArray(), Is.EqualTo(previous), "blend 0 = the previous level, exactly");
        restore();
        model.SetLevel(level, 0.5);
        Assert.That(model.Decode(z).ToDoubleArray(), Is.Not.EqualTo(previous), "the new block shows at blend 0.5");
    }

    [Test]
    public void EncoderAtBlendZeroIsThePreviousLevelOnTheDownsampledImage([Values(1, 2)] int level)
    {
        using var model = new BalancedPioneer(Tiny, new Init(7, DType.Float64));
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var restore = SaveBuffers(model);
        int r = 4 << level;
        var x = Normal(8, DType.Float64, Batch, Tiny.ImageChannels, r, r);
        model.SetLevel(level - 1, 1);
        var previous = model.Encode(Op.AvgPool2x2(x)).ToDoubleArray();
        restore();
        model.SetLevel(level, 0);
        Assert.That(model.Encode(x).ToDoubleArray(), Is.EqualTo(previous), "blend 0 = the previous level, exactly");
        restore();
        model.SetLevel(level, 0.5);
        Assert.That(model.Encode(x).ToDoubleArray(), Is.Not.EqualTo(previous), "the new block shows at blend 0.5");
    }

    [Test]
    public void BlendIsIgnoredAtLevelZeroAndValidated()
    {
        using var model = new BalancedPioneer(Tiny, new Init(9));
        model.SetLevel(0, 0.25);
        Assert.That(model.Blend, Is.EqualTo(1));
        Assert.That(() => model.SetLevel(3, 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => model.SetLevel(1, 1.5), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void EveryForwardPassAdvancesTheSpectralNormVectorsGradOrNot()
    {
        using var model = new BalancedPioneer(Tiny, new Init(10));
        using var scope = TensorScope.Begin();
        model.SetLevel(1, 1);
        var before = model.NamedBuffers().ToDictionary(b => b.path, b => b.buffer.ToFloatArray());
        using (GradMode.NoGrad()) model.Decode(model.SampleLatents(2, new RandomStream(1), DType.Float32, Device.Cpu));
        foreach (var (path, buffer) in model.NamedBuffers())
        {
            bool used = path.StartsWith("decoder.block_0") || path.StartsWith("decoder.block_1");
            Assert.That(buffer.ToFloatArray(), used ? Is.Not.EqualTo(before[path]) : Is.EqualTo(before[path]), path);
            if (used) Assert.That(Math.Sqrt(buffer.ToFloatArray().Sum(v => (double)v * v)), Is.EqualTo(1).Within(1e-5), $"{path} is a unit vector");
        }
    }

    [Test]
    public void OptionsBuildTheAblationAndTheLastEncoderActivation()
    {
        using var scope = TensorScope.Begin();
        var ablation = Tiny with { DecoderWeighting = ConvWeighting.Equalized, DecoderPixelNorm = true };
        using (var model = new BalancedPioneer(ablation, new Init(12)))
        {
            Assert.That(model.NamedBuffers().All(b => b.path.StartsWith("encoder.")), Is.True, "the encoder keeps spectral norm, the decoder has none");
            // equalized weights are stored at N(0, 1)
            var w = model.NamedParameters().First(t => t.path == "decoder.block_1.conv_1.weight").p.Value.ToFloatArray();
            Assert.That(Math.Sqrt(w.Average(v => (double)v * v)), Is.EqualTo(1).Within(0.15));
            model.SetLevel(1, 0.5);
            using var noGrad = GradMode.NoGrad();
            var x = model.Decode(model.SampleLatents(2, new RandomStream(2), DType.Float32, Device.Cpu));
            Assert.That(x.ToFloatArray().All(float.IsFinite), Is.True);
        }
        Assert.That(() => new BalancedPioneer(Tiny with { DecoderPixelNorm = true }, new Init(1)), Throws.ArgumentException.With.Message.Contains("pixel norm"));

        // same weights with and without the leaky ReLU after the encoder's last convolution
        using var plain = new BalancedPioneer(Tiny, new Init(13));
        using var relu = new BalancedPioneer(Tiny with { EncoderLastActivation = true }, new Init(13));
        plain.SetLevel(0); relu.SetLevel(0);
        var image = Normal(3, DType.Float32, 4, 3, 4, 4);
        using var ng = GradMode.NoGrad();
        var a = plain.Encode(image).ToFloatArray();
        var b = relu.Encode(image).ToFloatArray();
        Assert.That(b, Is.Not.EqualTo(a));
        Assert.That(plain.NamedParameters().Select(t => t.p.Value.ToFloatArray()), Is.EqualTo(relu.NamedParameters().Select(t => t.p.Value.ToFloatArray())));
    }
}

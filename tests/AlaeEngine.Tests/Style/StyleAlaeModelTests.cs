using AlaeEngine.Autograd;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Style;

/// <summary>Shapes, fade-in continuity and the fused resampling convolutions of the StyleALAE networks (tiny preset).</summary>
public class StyleAlaeModelTests
{
    private static readonly StyleAlaeConfig Tiny = StyleAlaePreset.Tiny.Model;
    private const int Batch = 3;

    private static Tensor Normal(ulong seed, DType dtype, params int[] shape) => new RandomStream(seed).Normal(new Shape(shape), dtype);

    /// <summary>A model whose noise weights are non-zero, so the noise draws must line up for outputs to agree.</summary>
    private static StyleAlae Model(DType dtype = DType.Float32)
    {
        var m = new StyleAlae(Tiny, new Init(11, dtype));
        foreach (var (path, p) in m.NamedParameters().Where(t => t.path.Contains("noise_")))
            p.Value.Kernels.Fill(p.Value, 0.3);
        return m;
    }

    [Test]
    public void GeneratorAndEncoderShapesAtEveryLevelAndBlend()
    {
        using var model = Model();
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        Assert.That(Tiny.LayerCount, Is.EqualTo(3));
        var z = Normal(1, DType.Float32, Batch, Tiny.LatentSize);
        for (int level = 0; level < Tiny.LayerCount; level++)
            foreach (var blend in new[] { 0.0, 0.5, 1.0 })
            {
                model.SetLevel(level, blend);
                model.Noise = new RandomStream(3);
                int r = 4 << level;
                var x = model.Generate(model.Map(z));
                Assert.That(x.Shape, Is.EqualTo(new Shape(Batch, Tiny.ImageChannels, r, r)), $"G at level {level}, blend {blend}");
                var w = model.Encode(x);
                Assert.That(w.Shape, Is.EqualTo(new Shape(Batch, Tiny.LatentSize)), $"E at level {level}, blend {blend}");
                Assert.That(model.Discriminate(w).Shape, Is.EqualTo(new Shape(Batch, 1)));
                Assert.That(model.Sample(z, model.WAverage).Shape, Is.EqualTo(x.Shape), "truncated sample");
                Assert.That(x.ToFloatArray().Concat(w.ToFloatArray()).All(float.IsFinite), Is.True);
            }
    }

    [Test]
    public void GeneratorAtBlendZeroIsThePreviousLevelUpsampled()
    {
        using var model = Model();
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var w = model.Map(Normal(2, DType.Float32, Batch, Tiny.LatentSize));
        for (int level = 1; level < Tiny.LayerCount; level++)
        {
            model.SetLevel(level - 1, 1);
            var previous = model.GenerateStyles(Enumerable.Repeat(w, 2 * level).ToArray(), new RandomStream(9));
            model.SetLevel(level, 0);
            var faded = model.GenerateStyles(Enumerable.Repeat(w, 2 * (level + 1)).ToArray(), new RandomStream(9));
            Assert.That(faded.ToFloatArray(), Is.EqualTo(Op.Upsample2x(previous).ToFloatArray()), $"level {level}");
            model.SetLevel(level, 0.5);
            var half = model.GenerateStyles(Enumerable.Repeat(w, 2 * (level + 1)).ToArray(), new RandomStream(9));
            Assert.That(half.ToFloatArray(), Is.Not.EqualTo(faded.ToFloatArray()), "the new block must show at blend 0.5");
        }
    }

    [Test]
    public void EncoderAtBlendZeroIsThePreviousLevelOnTheDownsampledImage()
    {
        using var model = Model();
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        for (int level = 1; level < Tiny.LayerCount; level++)
        {
            int r = 4 << level;
            var x = Normal((ulong)level, DType.Float32, Batch, Tiny.ImageChannels, r, r);
            model.SetLevel(level - 1, 1);
            var previous = model.Encode(Op.AvgPool2x2(x));
            model.SetLevel(level, 0);
            Assert.That(model.Encode(x).ToFloatArray(), Is.EqualTo(previous.ToFloatArray()), $"level {level}");
            model.SetLevel(level, 0.5);
            Assert.That(model.Encode(x).ToFloatArray(), Is.Not.EqualTo(previous.ToFloatArray()));
        }
    }

    [Test]
    public void FusedDownIsConvolutionThenAveragePooling()
    {
        using var scope = TensorScope.Begin();
        using var fused = new EqualizedConv2d(3, 5, 3, new Init(4, DType.Float64), resample: ConvResample.FusedDown);
        using var plain = new EqualizedConv2d(3, 5, 3, new Init(4, DType.Float64));
        Assert.That(plain.Weight.Value.ToDoubleArray(), Is.EqualTo(fused.Weight.Value.ToDoubleArray()), "same seed, same weights");
        plain.Bias!.Value.Kernels.Fill(plain.Bias.Value, 0.25); fused.Bias!.Value.Kernels.Fill(fused.Bias.Value, 0.25);
        var x = Normal(5, DType.Float64, 2, 3, 8, 8);
        var y = fused.Forward(x);
        Assert.That(y.Shape, Is.EqualTo(new Shape(2, 5, 4, 4)));
        AssertClose(y, Op.AvgPool2x2(plain.Forward(x)));
    }

    [Test]
    public void FusedUpIsNearestUpsamplingThenConvolution()
    {
        // the transposed convolution correlates with the flipped kernel: plain[o, i, ky, kx] = fused[i, o, 2 − ky, 2 − kx]
        using var scope = TensorScope.Begin();
        using var fused = new EqualizedConv2d(3, 5, 3, new Init(6, DType.Float64), bias: false, resample: ConvResample.FusedUp);
        using var plain = new EqualizedConv2d(3, 5, 3, new Init(7, DType.Float64), bias: false);
        var wf = fused.Weight.Value.Span<double>(); var wp = plain.Weight.Value.Span<double>();
        for (int o = 0; o < 5; o++)
            for (int i = 0; i < 3; i++)
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        wp[((o * 3 + i) * 3 + ky) * 3 + kx] = wf[((i * 5 + o) * 3 + (2 - ky)) * 3 + (2 - kx)];
        var x = Normal(8, DType.Float64, 2, 3, 4, 4);
        var y = fused.Forward(x);
        Assert.That(y.Shape, Is.EqualTo(new Shape(2, 5, 8, 8)));
        AssertClose(y, plain.Forward(Op.Upsample2x(x)));
    }

    [Test]
    public void TrainingGenerateMixesStylesAndTracksTheWAverage()
    {
        // noise weights at their initial 0, so the images differ only where the styles do
        using var model = new StyleAlae(Tiny, new Init(11));
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var w = model.Map(Normal(12, DType.Float32, Batch, Tiny.LatentSize));
        var mean = Op.Mean(w, 0).ToFloatArray();
        model.GenerateForTraining(w, new RandomStream(1), mix: false);
        var expected = mean.Select(v => (float)(0.005 * v)).ToArray(); // from zero: (1 − β)·mean
        Assert.That(model.WAverage.ToFloatArray(), Is.EqualTo(expected).Within(1e-7));

        // with mixing, some draws (probability 0.9, cutoff < 6 at level 2) must differ from the unmixed image
        int differing = 0;
        for (ulong s = 0; s < 10; s++)
        {
            var plain = model.GenerateForTraining(w, new RandomStream(100 + s), mix: false).ToFloatArray();
            var mixed = model.GenerateForTraining(w, new RandomStream(100 + s), mix: true);
            differing += mixed.ToFloatArray().SequenceEqual(plain) ? 0 : 1;
        }
        Assert.That(differing, Is.GreaterThan(0));
    }

    private static void AssertClose(Tensor actual, Tensor expected, double tol = 1e-12)
    {
        var a = actual.ToDoubleArray(); var e = expected.ToDoubleArray();
        Assert.That(a.Length, Is.EqualTo(e.Length));
        double scale = e.Max(Math.Abs);
        for (int i = 0; i < a.Length; i++) Assert.That(a[i], Is.EqualTo(e[i]).Within(tol * Math.Max(1, scale)), $"element {i}");
    }
}

using System.Text.Json.Nodes;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;
using AG = AlaeEngine.Autograd.Autograd;

namespace AlaeEngine.Tests.Pioneer;

/// <summary>
/// Balanced PIONEER against its official code: pioneer-reference.json holds what tools/pioneer_reference.py computed
/// with the official model.py and train.py (encoder_train, decoder_train, makeTS and the TrainingScheduler) in float64
/// under torch 1.13, for a 64² network (latent 32) whose weights, spectral-norm vectors, images and latents all come
/// from a splitmix64 hash evaluated alike here. Compared: the networks (through the losses), every loss term, a
/// projection of every stepped parameter's gradient, the spectral-norm vectors after both steps, and the schedule.
/// </summary>
public class PioneerReferenceTests
{
    private static readonly JsonObject Reference = Load();

    private static JsonObject Load()
    {
        using var stream = typeof(PioneerReferenceTests).Assembly.GetManifestResourceStream("pioneer-reference.json")
            ?? throw new FileNotFoundException("embedded resource pioneer-reference.json");
        return (JsonObject)JsonNode.Parse(stream)!;
    }

    private static IEnumerable<TestCaseData> Cases() => Reference["cases"]!.AsArray().Select((c, i) =>
        new TestCaseData(i).SetName($"PioneerMatchesTheOfficialCode level {c!["level"]} alpha {c["alpha"]} margin {c["margin"]}{((bool)c["ablation"]! ? " PN+EQLR" : "")}{((bool)c["eLastRelu"]! ? " e-last-relu" : "")}"));

    [TestCaseSource(nameof(Cases))]
    public void PioneerMatchesTheOfficialCode(int index)
    {
        var c = Reference["cases"]![index]!;
        int latent = (int)Reference["latent"]!, batch = (int)Reference["batch"]!, level = (int)c["level"]!;
        double alpha = (double)c["alpha"]!, margin = (double)c["margin"]!, matchX = (double)c["matchX"]!;
        bool ablation = (bool)c["ablation"]!;
        var config = new PioneerConfig
        {
            Resolution = 4 << ((int)Reference["levels"]! - 1), ImageChannels = 3, LatentSize = latent, StartChannels = latent / 2, MaxChannels = latent,
            EncoderLastActivation = (bool)c["eLastRelu"]!,
            DecoderWeighting = ablation ? ConvWeighting.Equalized : ConvWeighting.Spectral, DecoderPixelNorm = ablation,
        };
        using var model = new BalancedPioneer(config, new Init(1, DType.Float64));
        using var scope = TensorScope.Begin();
        var named = model.NamedParameters();
        Assert.That(named.Select(n => n.path), Is.EqualTo(c["parameters"]!.AsArray().Select(n => (string)n!)), "parameter order");
        Assert.That(model.NamedBuffers().Select(b => b.path), Is.EqualTo(c["buffers"]!.AsArray().Select(n => (string)n!)), "spectral-norm vectors");
        for (int k = 0; k < named.Count; k++)
        {
            var (path, p) = named[k];
            int fanIn = p.Shape.Length / p.Shape[0];
            double rms = path.EndsWith(".bias") ? 0.001
                : ablation && path.StartsWith("decoder.block") ? 1.0
                : path.Contains(".block_") ? Math.Sqrt(2.0 / fanIn)
                : 1 / Math.Sqrt(3.0 * fanIn);
            Fill(p.Value, (ulong)k, rms);
        }
        var buffers = model.NamedBuffers();
        for (int i = 0; i < buffers.Count; i++) Fill(buffers[i].buffer, 500 + (ulong)i, 0.1);

        model.SetLevel(level, alpha);
        int res = model.CurrentResolution;
        var real = Hashed(new Shape(batch, 3, res, res), 2000, 0.9 / Math.Sqrt(3));
        var fakeLatents = Op.SphereProject(Hashed(new Shape(batch, latent), 1000, 1));
        var generatorLatents = Op.SphereProject(Hashed(new Shape(batch, latent), 1001, 1));

        // the training loop's order: the encoder step, then one decoder step
        using var pool = new ImagePool(200);   // still filling: the fakes pass through, as the official pool at its first query
        var e = PioneerLosses.Encoder(model, real, fakeLatents, matchX, margin, alpha >= 1 ? pool : null, new RandomStream(1));
        var eGrads = AG.Grad([e.Total], model.EncoderParameters.Select(p => p.Value).ToArray(), allowUnused: true);
        var g = PioneerLosses.Generator(model, generatorLatents);
        var gGrads = AG.Grad([g.Total], model.DecoderParameters.Select(p => p.Value).ToArray(), allowUnused: true);

        var failures = new List<string>();
        (double ratio, string what) worst = (0, "");
        void Close(string what, double ours, double reference, double tolerance)
        {
            double ratio = Math.Abs(ours - reference) / tolerance;
            if (!(ratio <= 1)) failures.Add($"{what}: ours {ours:R}, official {reference:R} (tolerance {tolerance:G2})");
            else if (ratio > worst.ratio) worst = (ratio, what);
        }
        var el = c["encoder"]!["losses"]!;
        Close("KL_real", e.KlReal.Item(), (double)el["KL_real"]!, 1e-9);
        Close("KL_fake", e.KlFake.Item(), (double)el["KL_fake"]!, 1e-9);
        Close("KL_loss", e.KlTerm.Item(), (double)el["KL_loss"]!, 1e-9);
        Close("x_reconstruction_error (λ_X·L1)", matchX * e.Reconstruction.Item(), (double)el["x_reconstruction_error"]!, 1e-12);
        Close("E_loss (float32 in the reference)", e.Total.Item(), (double)el["E_loss"]!, 1e-6);
        var gl = c["generator"]!["losses"]!;
        Close("KL(Phi(G))", g.Kl.Item(), (double)gl["KL(Phi(G))"]!, 1e-9);
        Close("z_reconstruction_error", g.LatentMismatch.Item(), (double)gl["z_reconstruction_error"]!, 1e-9);
        Close("G_loss (float32 in the reference)", g.Total.Item(), (double)gl["G_loss"]!, 1e-4);
        CompareGradients("encoder step", model.Encoder.NamedParameters(), "encoder.", eGrads, c["encoder"]!["grads"]!, Close);
        CompareGradients("decoder step", model.Decoder.NamedParameters(), "decoder.", gGrads, c["generator"]!["grads"]!, Close);
        foreach (var (path, u) in model.NamedBuffers())
        {
            var expected = c["uAfter"]![path]!.AsArray().Select(v => (double)v!).ToArray();
            var actual = u.ToDoubleArray();
            for (int j = 0; j < actual.Length; j++) Close($"{path}[{j}] after both steps", actual[j], expected[j], 1e-9);
        }
        TestContext.Out.WriteLine($"closest to its tolerance: {worst.what} at {worst.ratio:P1} of it");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(20)));
    }

    private static void CompareGradients(string step, IReadOnlyList<(string path, Parameter p)> named, string prefix, Tensor[] grads,
        JsonNode reference, Action<string, double, double, double> close)
    {
        for (int i = 0; i < named.Count; i++)
        {
            var expected = reference[prefix + named[i].path]!.AsArray();
            double projection = (double)expected[0]!, absSum = (double)expected[1]!;
            var grad = grads[i].ToDoubleArray();
            var r = HashValues(grad.Length, 3000, 1);
            double ours = grad.Select((v, j) => v * r[j]).Sum(), oursAbs = grad.Sum(Math.Abs);
            // the projection of a sum of n terms: relative to the sum of magnitudes
            close($"{step} ⟨r, ∂/∂{prefix}{named[i].path}⟩", ours, projection, 1e-8 * absSum + 1e-15);
            close($"{step} Σ|∂/∂{prefix}{named[i].path}|", oursAbs, absSum, 1e-8 * absSum + 1e-15);
        }
    }

    [TestCase("pioneer-celebahq256")]
    [TestCase("pioneer-lsun256")]
    public void ScheduleMatchesTheOfficialScheduler(string preset)
    {
        var schedule = PioneerPreset.Named(preset).Schedule();
        var rows = Reference["schedules"]![preset]!.AsArray();
        Assert.That(rows, Has.Count.GreaterThan(250));
        int? previousRule = null;
        foreach (var row in rows)
        {
            long n = (long)row![0]!;
            var p = schedule.At(n);
            string at = $"{preset} at {n} images";
            Assert.That(p.Level, Is.EqualTo((int)row[1]!), $"{at}: level");
            Assert.That(p.LearningRate, Is.EqualTo((double)row[2]!), $"{at}: learning rate");
            Assert.That(p.Margin, Is.EqualTo((double)row[3]!), $"{at}: margin");
            Assert.That(p.Blend, Is.EqualTo((double)row[4]!), $"{at}: alpha");
            Assert.That(p.ReconstructionWeight, Is.EqualTo((double)row[5]!), $"{at}: match_x");
            Assert.That(previousRule != null && p.RuleIndex != previousRule, Is.EqualTo((bool)row[6]!), $"{at}: rule change (pool reset)");
            previousRule = p.RuleIndex;
        }
    }

    // the script's formula(n, stream, rms): rms·√3·(2u − 1), u = splitmix64(stream·2³² + j) with 53 bits
    private static double[] HashValues(int n, ulong stream, double rms)
    {
        var v = new double[n];
        for (int j = 0; j < n; j++) v[j] = rms * Math.Sqrt(3) * (2 * ((SplitMix64((stream << 32) + (ulong)j) >> 11) / 9007199254740992.0) - 1);
        return v;
    }

    private static Tensor Hashed(Shape shape, ulong stream, double rms) => Tensor.FromArray(HashValues(shape.Length, stream, rms), shape);

    private static void Fill(Tensor t, ulong stream, double rms) => HashValues(t.Length, stream, rms).CopyTo(t.Span<double>());

    private static ulong SplitMix64(ulong x)
    {
        unchecked
        {
            x += 0x9E3779B97F4A7C15;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
            return x ^ (x >> 31);
        }
    }
}

using System.Text.Json.Nodes;
using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Tests.Cli;
using AlaeEngine.Tests.Style;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Training;

/// <summary>
/// Every field of a checkpoint's JSON state is checked when it is read: an edited or damaged value is one error naming
/// the file, the field, the value and what was expected (the CLI's exit code 2), never an exception from inside a trainer.
/// One real checkpoint of each trainer is written once and edited field by field.
/// </summary>
public class CheckpointValidationTests
{
    private string _dir = "";
    private string _mlp = "", _style = "", _pioneer = "", _aegan = "", _aeganDecoupled = "";

    [OneTimeSetUp]
    public void WriteOneCheckpointOfEachTrainer()
    {
        _dir = Directory.CreateTempSubdirectory("alae-ckpt-check-").FullName;
        var digits = MnistDataset.LoadFolder(Path.Combine(Data.DataIoPaths.RepoRoot, "data", "mnist"), train: true).Subset(64);
        var mlpOptions = new MlpTrainingOptions
        {
            OutDir = Path.Combine(_dir, "mlp"), Epochs = 1, BatchSize = 32, MaxIterations = 1, Seed = 5,
            Model = new MlpAlaeConfig { HiddenSize = 16, LatentSize = 4, MappingLayers = 1 },
        };
        using (var trainer = new MlpTrainer(mlpOptions, digits))
        {
            _ = trainer.Run(() => false).ToList();
            _mlp = trainer.SaveCheckpoint();
        }
        var styleOptions = new StyleTrainingOptions { OutDir = Path.Combine(_dir, "style"), MaxIterations = 1, SampleCount = 2, Preset = StyleAlaePreset.Tiny };
        using (var trainer = new StyleTrainer(styleOptions, new SmoothImageSource(8, 3, 16, seed: 3)))
        {
            _ = trainer.Run(() => false).ToList();
            _style = trainer.SaveCheckpoint();
        }
        // into level 1 (8 iterations per stage), so that the grown encoder and decoder have per-parameter Adam counts
        var pioneerOptions = new PioneerTrainingOptions { OutDir = Path.Combine(_dir, "pioneer"), MaxIterations = 10, SampleCount = 2, Preset = PioneerPreset.Tiny };
        using (var trainer = new PioneerTrainer(pioneerOptions, new SmoothImageSource(8, 3, 16, seed: 3)))
        {
            _ = trainer.Run(() => false).ToList();
            _pioneer = trainer.SaveCheckpoint();
        }
        _aegan = AeStyleGanCheckpoint("aegan", AeStyleGanPreset.Tiny);
        _aeganDecoupled = AeStyleGanCheckpoint("aegan-decoupled", AeStyleGanPreset.Tiny with
        {
            Mode = AeStyleGanMode.Decoupled, AdaptiveWeight = false, FakeWeightD = 1, ReconstructionWeightD = 0, FakeWeightG = 1,
        });
    }

    // two iterations, so that R1 and the adaptive weight (from iteration 2 of the tiny preset: not yet) have run
    private string AeStyleGanCheckpoint(string sub, AeStyleGanPreset preset)
    {
        var options = new AeStyleGanTrainingOptions { OutDir = Path.Combine(_dir, sub), MaxIterations = 2, SampleCount = 2, Preset = preset };
        using var trainer = new AeStyleGanTrainer(options, new SmoothImageSource(8, 3, 16, seed: 3));
        _ = trainer.Run(() => false).ToList();
        return trainer.SaveCheckpoint();
    }

    [OneTimeTearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>A copy of a checkpoint (JSON and weights) with one edit of its JSON state.</summary>
    private string Edited(string checkpoint, Action<JsonObject> edit)
    {
        var folder = Directory.CreateTempSubdirectory("edit-").FullName;
        var json = Path.Combine(folder, Path.GetFileName(checkpoint));
        File.Copy(Path.ChangeExtension(checkpoint, ".safetensors"), Path.ChangeExtension(json, ".safetensors"));
        var state = JsonNode.Parse(File.ReadAllText(checkpoint))!.AsObject();
        edit(state);
        File.WriteAllText(json, state.ToJsonString());
        return json;
    }

    private static void Set(JsonObject state, string path, string json)
    {
        var parts = path.Split('.');
        var o = state;
        foreach (var p in parts[..^1]) o = o[p]!.AsObject();
        if (json == "<remove>") o.Remove(parts[^1]);
        else o[parts[^1]] = JsonNode.Parse(json);
    }

    [Test]
    public void SoundCheckpointsPassAndEveryWrittenFieldIsChecked()
    {
        var seen = new HashSet<(string Format, string Field)>();
        foreach (var (path, format) in new[]
                 {
                     (_mlp, MlpTrainer.StateFormat), (_style, StyleTrainer.StateFormat), (_pioneer, PioneerTrainer.StateFormat),
                     (_aegan, AeStyleGanTrainer.StateFormat), (_aeganDecoupled, AeStyleGanTrainer.StateFormat),
                 })
        {
            var written = Checkpoint.ReadState(path, format).Select(kv => kv.Key).ToList();
            Assert.That(written, Is.SubsetOf(CheckpointSchema.Fields(format)), $"{format}: a field the trainer writes has no rule in CheckpointSchema");
            Assert.That(written, Is.SupersetOf(CheckpointSchema.RequiredFields(format)), $"{format}: a required field of CheckpointSchema is not written");
            seen.UnionWith(written.Select(f => (format, f)));
        }
        // optional fields (written only where they apply: a grown network's per-parameter steps…) still appear somewhere
        foreach (var format in new[] { MlpTrainer.StateFormat, StyleTrainer.StateFormat, PioneerTrainer.StateFormat, AeStyleGanTrainer.StateFormat })
            Assert.That(CheckpointSchema.Fields(format).Where(f => seen.Any(s => s.Field == f)), Is.EquivalentTo(CheckpointSchema.Fields(format)),
                $"{format}: a rule names a field that no test checkpoint writes");
    }

    [TestCase("step", "\"abc\"", "\"step\" is \"abc\", expected a whole number from 0")]
    [TestCase("step", "-1", "\"step\" is -1")]
    [TestCase("step", "1.5", "\"step\" is 1.5")]
    [TestCase("step", "<remove>", "\"step\" is missing")]
    [TestCase("noisePosition", "-3", "\"noisePosition\" is -3, expected a whole number ≥ 0")]
    [TestCase("noiseSeed", "null", "\"noiseSeed\" is null")]
    [TestCase("optimizerSteps.encoder", "\"x\"", "\"optimizerSteps\" is {\"encoder\":\"x\"")]
    [TestCase("epoch", "[]", "\"epoch\" is []")]
    [TestCase("imagesSeen", "-4", "\"imagesSeen\" is -4")]
    [TestCase("metrics.count", "\"x\"", "\"metrics\" is not a metrics window: field 'count' is \"x\"")]
    [TestCase("metrics", "3", "\"metrics\" is 3, expected an object (the metrics window)")]
    [TestCase("data", "{\"count\": -1}", "\"data\" is {\"count\":-1}")]
    [TestCase("data.sha256", "\"xyz\"", "\"data\" is {\"count\":")]
    [TestCase("format", "5", "checkpoint format is '5', expected 'alae-mlp-checkpoint/1'")]
    [TestCase("options.Epochs", "\"many\"", "\"options\" does not hold valid MlpTrainingOptions: Epochs: a value of the wrong type")]
    [TestCase("options.BatchSize", "-5", "batch size must be ≥ 1, got -5")]
    [TestCase("options.MaxIterations", "-5", "max iterations must be ≥ 0, got -5")]
    [TestCase("options.Model", "null", "dataDir, outDir and model must all be given")]
    [TestCase("options.Model.LatentSize", "0", "latent and hidden sizes must be ≥ 1")]
    public void EditedMlpFieldIsAClearError(string field, string json, string expected)
    {
        var path = Edited(_mlp, s => Set(s, field, json));
        var e = Assert.Throws<InvalidDataException>(() => MlpTrainer.OptionsFrom(path))!;
        Assert.That(e.Message, Does.StartWith(path + ": ").And.Contain(expected));
    }

    [TestCase("level", "99", "\"level\" is 99, expected a whole number from 0 to 2")]
    [TestCase("blend", "2", "\"blend\" is 2, expected a number from 0 to 1")]
    [TestCase("optimizerLevel", "-2", "\"optimizerLevel\" is -2, expected a whole number from -1 to 2")]
    [TestCase("imagesSeen", "\"x\"", "\"imagesSeen\" is \"x\"")]
    [TestCase("wAverage", "[1, 2]", "\"wAverage\" is [1,2], expected an array of 8 numbers (the latent size)")]
    [TestCase("options.Preset", "null", "outDir, preset and the preset's name")]
    [TestCase("options.Preset.BatchPerLevel", "[0]", "batches must be ≥ 1")]
    [TestCase("options.Preset.Model.Resolution", "12", "resolution must be a power of two")]
    public void EditedStyleFieldIsAClearError(string field, string json, string expected)
    {
        var path = Edited(_style, s => Set(s, field, json));
        var e = Assert.Throws<InvalidDataException>(() => StyleTrainer.LoadModel(path))!;
        Assert.That(e.Message, Does.StartWith(path + ": ").And.Contain(expected));
    }

    [TestCase("level", "3", "\"level\" is 3, expected a whole number from 0 to 2")]
    [TestCase("blend", "-0.5", "\"blend\" is -0.5, expected a number from 0 to 1")]
    [TestCase("poolRule", "4", "\"poolRule\" is 4, expected a whole number from -1 to 3")]
    [TestCase("trainedRule", "\"1\"", "\"trainedRule\" is \"1\", expected a whole number from -1 to 3")]
    [TestCase("optimizerParameterSteps.encoder", "[1, -2]", "\"optimizerParameterSteps\" is {\"encoder\":[1,-2]")]
    [TestCase("optimizerParameterSteps", "[]", "\"optimizerParameterSteps\" is [], expected an object of per-parameter step counts")]
    [TestCase("options.Preset", "null", "outDir, preset and the preset's name, model, rules")]
    [TestCase("options.Preset.Rules", "null", "outDir, preset and the preset's name, model, rules")]
    [TestCase("options.Preset.BatchPerLevel", "[1, 8, 4]", "batches must be ≥ 2")]
    [TestCase("options.Preset.Model.LatentSize", "1", "the latent size must be ≥ 2")]
    [TestCase("options.Preset.GeneratorSteps", "0", "generator steps must be ≥ 1")]
    public void EditedPioneerFieldIsAClearError(string field, string json, string expected)
    {
        var path = Edited(_pioneer, s => Set(s, field, json));
        var e = Assert.Throws<InvalidDataException>(() => PioneerTrainer.LoadModel(path))!;
        Assert.That(e.Message, Does.StartWith(path + ": ").And.Contain(expected));
    }

    [TestCase("pathLengthMean", "-1", "\"pathLengthMean\" is -1, expected a finite number ≥ 0")]
    [TestCase("adaptiveWeight", "\"x\"", "\"adaptiveWeight\" is \"x\", expected a finite number ≥ 0")]
    [TestCase("adaptiveWeight", "<remove>", "\"adaptiveWeight\" is missing")]
    [TestCase("optimizerSteps.mapping", "<remove>", "expected an object of optimizer step counts {\"generator\": N, \"mapping\": N, \"encoder\": N, \"discriminator\": N}")]
    [TestCase("options.Preset", "null", "outDir, preset and the preset's name and model")]
    [TestCase("options.Preset.Batch", "6", "batch 6 does not split into minibatch-stddev groups of 4")]
    [TestCase("options.Preset.Mode", "\"Sideways\"", "\"options\" does not hold valid AeStyleGanTrainingOptions")]
    [TestCase("options.Preset.Model.Resolution", "12", "\"options\" does not hold valid AeStyleGanTrainingOptions")]
    public void EditedAeStyleGanFieldIsAClearError(string field, string json, string expected)
    {
        var path = Edited(_aegan, s => Set(s, field, json));
        var e = Assert.Throws<InvalidDataException>(() => AeStyleGanTrainer.LoadModel(path))!;
        Assert.That(e.Message, Does.StartWith(path + ": ").And.Contain(expected));
    }

    [Test]
    public void ADecoupledCheckpointNeedsTheSecondDiscriminatorsStepCount()
    {
        var path = Edited(_aeganDecoupled, s => s["optimizerSteps"]!.AsObject().Remove("discriminator2"));
        var e = Assert.Throws<InvalidDataException>(() => AeStyleGanTrainer.OptionsFrom(path))!;
        Assert.That(e.Message, Does.Contain("\"discriminator2\": N}"));
    }

    [Test]
    public void FieldsOlderCheckpointsLackAreOptional()
    {
        // MLP checkpoints from before the trainer frame have neither the images seen nor the metrics window
        var path = Edited(_mlp, s => { s.Remove("imagesSeen"); s.Remove("metrics"); });
        Assert.That(() => Checkpoint.ReadState(path, MlpTrainer.StateFormat), Throws.Nothing);
    }

    [Test]
    public void ResumingFromAnEditedCheckpointIsTheSameError()
    {
        var path = Edited(_style, s => Set(s, "step", "\"abc\""));
        var options = StyleTrainer.OptionsFrom(_style);
        using var trainer = new StyleTrainer(options, new SmoothImageSource(8, 3, 16, seed: 3));
        var e = Assert.Throws<InvalidDataException>(() => trainer.Resume(path))!;
        Assert.That(e.Message, Does.Contain("\"step\" is \"abc\""));
    }

    [Test]
    public void TheCommandLineSaysItInOneLineWithExitCodeTwo()
    {
        // before: System.InvalidOperationException with a stack trace, exit 134
        var path = Edited(_mlp, s => Set(s, "step", "\"abc\""));
        var r = AlaeCli.Run("generate", "--checkpoint", path, "--out", Path.Combine(_dir, "gen.png"));
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Error.Trim(), Is.EqualTo($"alae: error: {path}: checkpoint field \"step\" is \"abc\", expected a whole number from 0 to 2^63 − 1"));
    }
}

using System.Text.Json.Nodes;
using AlaeEngine.Cli.Commands;
using AlaeEngine.Models;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cli;

/// <summary>
/// Configuration files (`--dump-config`, `--config`, JSON and YAML) and `alae presets`, through `alae` run as a
/// process; the YAML reader and writer directly.
/// </summary>
public class ConfigFileTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-config-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string File_(string name) => Path.Combine(_dir, name);

    [Test]
    public void ADumpedConfigurationReadsBackToTheSameRunAndStartsNothing()
    {
        var run = File_("run");
        var yaml = File_("tiny.yaml");
        var dumped = AlaeProcess.Run("train", "style", "--preset", "tiny", "--batch-scale", "0.5", "--r1-gamma", "4", "--out", run, "--dump-config", yaml);
        Assert.That(dumped.ExitCode, Is.EqualTo(0), dumped.Output + dumped.Error);
        Assert.That(dumped.Output, Does.Contain($"wrote the run's configuration to {yaml}; train with it: alae train style --config {yaml}"));
        Assert.That(Directory.Exists(run), Is.False, "no run folder: nothing started");
        var text = File.ReadAllText(yaml);
        Assert.That(text, Does.StartWith("# alae train style configuration").And.Contain("  BatchPerLevel: [4, 4, 2]\n").And.Contain("R1Gamma: 4\n"));

        var again = AlaeProcess.Run("train", "style", "--config", yaml, "--dump-config", File_("again.yaml"));
        Assert.That(again.ExitCode, Is.EqualTo(0), again.Output + again.Error);
        Assert.That(File.ReadAllLines(File_("again.yaml")).Skip(1), Is.EqualTo(File.ReadAllLines(yaml).Skip(1)), "the same configuration, the batch not scaled twice");

        var json = File_("mlp.json");
        Assert.That(AlaeProcess.Run("train", "mlp", "--epochs", "3", "--dump-config", json).ExitCode, Is.EqualTo(0));
        Assert.That(AlaeProcess.Run("train", "mlp", "--config", json, "--dump-config", File_("mlp2.json")).ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllText(File_("mlp2.json")), Is.EqualTo(File.ReadAllText(json)));
        Assert.That(JsonNode.Parse(File.ReadAllText(json))!["Epochs"]!.GetValue<int>(), Is.EqualTo(3));
    }

    [Test]
    public void AConfigurationSetsEachLevelsBatchAndFlagsGivenWithItOverrideIt()
    {
        var yaml = File_("faces.yaml");
        Assert.That(AlaeProcess.Run("train", "style", "--preset", "tiny", "--dump-config", yaml).ExitCode, Is.EqualTo(0));
        File.WriteAllText(yaml, File.ReadAllText(yaml).Replace("BatchPerLevel: [8, 8, 4]", "BatchPerLevel: [2, 3, 5]").Replace("R1Gamma: 10", "R1Gamma: 6"));
        var run = File_("run");
        var alae = AlaeProcess.Run("train", "style", "--config", yaml, "--out", run, "--seed", "9", "--max-iterations", "1");
        Assert.That(alae.ExitCode, Is.EqualTo(0), alae.Output + alae.Error);
        Assert.That(alae.Output, Does.Contain("batch 2/3/5"));
        var options = StyleTrainer.OptionsFrom(Checkpoint.Latest(run)!);
        Assert.That((options.Preset.BatchPerLevel, options.R1Gamma, options.Seed, options.OutDir), Is.EqualTo((new[] { 2, 3, 5 }, 6.0, 9UL, run)));

        var overridden = AlaeProcess.Run("train", "style", "--config", yaml, "--r1-gamma", "2", "--batch-scale", "2", "--dump-config", File_("o.yaml"));
        Assert.That(overridden.ExitCode, Is.EqualTo(0), overridden.Output + overridden.Error);
        Assert.That(File.ReadAllText(File_("o.yaml")), Does.Contain("BatchPerLevel: [4, 6, 10]").And.Contain("R1Gamma: 2\n"));

        var resumed = AlaeProcess.Run("train", "style", "--config", yaml, "--out", run, "--resume");
        Assert.That((resumed.ExitCode, resumed.Error), Is.EqualTo((2, "alae: error: --config starts a new run; --resume continues a run with the configuration " +
                                                                     "in its checkpoint (give only the flags that may change)\n")));
    }

    [Test]
    public void ABadConfigurationIsAnErrorNamingTheFileTheKeyAndTheProblem()
    {
        var yaml = File_("c.yaml");
        Assert.That(AlaeProcess.Run("train", "style", "--preset", "tiny", "--dump-config", yaml).ExitCode, Is.EqualTo(0));
        var good = File.ReadAllText(yaml);
        int line = Line(good, "  BatchPerLevel: [8, 8, 4]");
        Assert.That(line, Is.GreaterThan(0));
        (string Text, string Error)[] cases =
        [
            (good.Replace("BatchPerLevel:", "BatchPerLevl:"), $"{yaml}: 'Preset.BatchPerLevl' (line {line}): unknown key 'BatchPerLevl' (known in Preset: Name, Model, BatchPerLevel, "),
            (good.Replace("[8, 8, 4]", "[8, x, 4]"), $"{yaml}: 'Preset.BatchPerLevel[1]' (line {line}): expected a whole number, got \"x\""),
            (good.Replace("[8, 8, 4]", "[8, 0, 4]"), $"{yaml}: preset tiny: batches must be ≥ 1"),
            (good.Replace("R1Gamma: 10\n", ""), $"{yaml}: missing key(s): R1Gamma (a configuration is complete: write one with --dump-config and edit it)"),
            (good.Replace("R1Gamma: 10", "R1Gamma: .nan"), $"{yaml}: 'R1Gamma' ("),
            (good.Replace("R1Gamma: 10", "R1Gamma: 10: 3"), $"{yaml}:{Line(good, "R1Gamma: 10")}: not valid YAML: While scanning a plain scalar value, found invalid mapping."),
            (good.Replace("[8, 8, 4]", "[8, 8, 4"), $"{yaml}: not valid YAML (an unclosed bracket or quote?)"),
            ("- 1\n- 2\n", $"{yaml}: expected a mapping of option names to values (write one with --dump-config), got array"),
        ];
        foreach (var (text, error) in cases)
        {
            File.WriteAllText(yaml, text);
            var alae = AlaeProcess.Run("train", "style", "--config", yaml, "--out", File_("run"));
            Assert.That(alae.ExitCode, Is.EqualTo(2), error + "\n" + alae.Output + alae.Error);
            Assert.That(alae.Error, Does.StartWith("alae: error: " + error));
        }
        Assert.That(Directory.Exists(File_("run")), Is.False);

        var json = File_("m.json");
        File.WriteAllText(json, "{\"Epochs\": 5,,}");
        Assert.That(AlaeProcess.Run("train", "mlp", "--config", json).Error, Does.StartWith($"alae: error: {json}:1: not valid JSON: "));
        Assert.That(AlaeProcess.Run("train", "mlp", "--config", File_("m.txt")).Error,
            Is.EqualTo($"alae: error: {File_("m.txt")}: a configuration file is .json, .yaml or .yml, not '.txt'\n"));
        Assert.That(AlaeProcess.Run("train", "mlp", "--config", File_("none.json")).Error, Is.EqualTo($"alae: error: {File_("none.json")}: configuration file not found\n"));
    }

    private static int Line(string text, string content) => Array.IndexOf(text.Split('\n'), content) + 1;

    [Test]
    public void PresetsListsEveryPresetWithWhatItSets()
    {
        var alae = AlaeProcess.Run("presets");
        Assert.That(alae.ExitCode, Is.EqualTo(0), alae.Error);
        foreach (var p in StyleAlaePreset.All)
            Assert.That(alae.Output, Does.Contain($"  {p.Name,-14}{p.Model.Resolution}² ({p.Model.LayerCount} levels from 4²)")
                .And.Contain($"batch per level {string.Join("/", p.BatchPerLevel)}, "));
        foreach (var p in PioneerPreset.All)
            Assert.That(alae.Output, Does.Contain($"  {p.Name,-29}{p.Model.Resolution}² ({p.Model.LayerCount} levels from 4²)")
                .And.Contain($"batch per level {string.Join("/", p.BatchPerLevel)}, {p.ImagesPerStage:N0} images per stage"));
        foreach (var p in AeStyleGanPreset.All)
            Assert.That(alae.Output, Does.Contain($"  {p.Name,-29}{p.Model.Resolution}², {p.Model.ImageChannels} image channel(s), latent {p.Model.LatentSize} ({p.Model.Latent})")
                .And.Contain($"{p.Mode.ToString().ToLowerInvariant()}, batch {p.Batch}, {p.Iterations:N0} iterations"));
        Assert.That(alae.Output, Does.Contain("alae train style --preset NAME --dump-config run.yaml"));
    }

    [Test]
    public void YamlScalarsAreTypedAsWrittenAndTheWriterRoundTrips()
    {
        var lines = new Dictionary<string, int>();
        var node = YamlText.Parse("a: 10\nb: \"10\"\nc: 1.5\nd: ~\ne: true\nf: [1, x]\ng:\n  h: .inf\n", "t.yaml", lines)!.AsObject();
        Assert.That(node.ToJsonString(), Is.EqualTo("{\"a\":10,\"b\":\"10\",\"c\":1.5,\"d\":null,\"e\":true,\"f\":[1,\"x\"],\"g\":{\"h\":\".inf\"}}"));
        Assert.That((lines["a"], lines["f[1]"], lines["g.h"]), Is.EqualTo((1, 6, 8)));

        var tricky = JsonNode.Parse("{\"yes\":\"yes\",\"num\":\"12\",\"colon\":\"a: b\",\"sq\":\"16²\",\"quote\":\"say \\\"hi\\\"\",\"list\":[\"true\",2.5,null],\"empty\":{},\"deep\":{\"x\":{\"y\":-3}}}")!.AsObject();
        var text = YamlText.Write(tricky, "header\nsecond line");
        Assert.That(text, Does.StartWith("# header\n# second line\n").And.Contain("sq: \"16²\"").And.Contain("list: [\"true\", 2.5, null]"));
        Assert.That(YamlText.Parse(text, "t.yaml", lines)!.ToJsonString(), Is.EqualTo(tricky.ToJsonString()));
    }
}

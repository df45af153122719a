using AlaeEngine.Tests.Data;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cli;

/// <summary>
/// Bad options are refused when the command line is parsed, the same way in every command: one line naming the option
/// and the value, exit code 2, nothing started. Each case also points --data at a missing folder, so a command that let
/// the bad value through would fail there instead, with another message.
/// </summary>
public class CommandLineCheckTests
{
    private const string Missing = "/nonexistent/alae-test-data";

    [TestCase("train mlp --threads 0", "--threads must be ≥ 1, got 0")]
    [TestCase("train mlp --threads -3", "--threads must be ≥ 1, got -3")]
    [TestCase("train style --threads 0", "--threads must be ≥ 1, got 0")]
    [TestCase("bench train --preset mlp --batch 4 --device cpu --threads -3", "--threads must be ≥ 1, got -3")]
    [TestCase("train mlp --max-iterations -5", "--max-iterations must be ≥ 0, got -5")]
    [TestCase("train style --max-iterations -5", "--max-iterations must be ≥ 0, got -5")]
    [TestCase("train mlp --epochs 0", "--epochs must be ≥ 1, got 0")]
    [TestCase("train mlp --checkpoint-every 0", "--checkpoint-every must be ≥ 1, got 0")]
    [TestCase("bench train --preset mlp --batch 0 --device cpu", "--batch must be ≥ 1, got 0")]
    [TestCase("train mlp --threads many", "--threads must be a whole number ≥ 1, got many")]
    public void OutOfRangeCountIsOneLineAndExitCodeTwo(string commandLine, string message)
    {
        var args = commandLine.Split(' ').ToList();
        if (args[0] == "train") args.AddRange(["--data", Missing, "--out", Path.Combine(Path.GetTempPath(), "alae-never-written")]);
        var r = AlaeCli.Run(args.ToArray());
        Assert.That(r.ExitCode, Is.EqualTo(2), r.Error);
        var lines = r.Error.Trim().Split('\n');
        Assert.That(lines[0], Is.EqualTo($"alae: error: {message}"));
        Assert.That(lines, Has.Length.EqualTo(2), "the error, then where the options are listed");
        Assert.That(lines[1], Does.StartWith("alae: the options: alae " + string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))));
        Assert.That(r.Out, Is.Empty, "nothing ran");
    }

    [Test]
    public void UnknownOptionIsOneLineAndExitCodeTwo()
    {
        var r = AlaeCli.Run("generate", "--checkpoint", "x", "--bogus");
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Error, Does.StartWith("alae: error: Unrecognized command or argument '--bogus'."));
        Assert.That(r.Out, Is.Empty, "no page of help for a typo");
    }

    [Test]
    public void VersionPrintsOnlyTheVersion()
    {
        var r = AlaeCli.Run("--version");
        Assert.That(r.ExitCode, Is.Zero);
        Assert.That(r.Out.Trim(), Does.Match(@"^\d+\.\d+\.\d+\S*$"));
        Assert.That(r.Error, Is.Empty);
    }

    [Test]
    public void ACheckpointPathThatIsNoCheckpointSaysWhatItIsAndWhatWasExpected()
    {
        var dir = DataIoPaths.NewTempDir();
        try
        {
            var readme = Path.Combine(dir, "README.md");
            File.WriteAllText(readme, "# notes\n");
            var r = AlaeCli.Run("generate", "--checkpoint", readme);
            Assert.That(r.ExitCode, Is.EqualTo(2));
            Assert.That(r.Error.Trim(), Is.EqualTo($"alae: error: --checkpoint {readme}: a .md file (8 bytes), not a checkpoint; expected a run folder " +
                                                   "(its newest checkpoint), or a checkpoint's checkpoints/step-NNNNNNN.json or .safetensors"));

            r = AlaeCli.Run("reconstruct", "--checkpoint", dir);
            Assert.That(r.Error, Does.Contain($"--checkpoint {dir}: a folder without a complete checkpoint"));

            r = AlaeCli.Run("eval", "mnist", "--checkpoint", "/nonexistent/run");
            Assert.That(r.Error, Does.Contain("--checkpoint /nonexistent/run: no such file or folder; expected a run folder"));

            var json = Path.Combine(dir, "package.json");
            File.WriteAllText(json, """{ "name": "not a checkpoint" }""");
            r = AlaeCli.Run("generate", "--checkpoint", json);
            Assert.That(r.ExitCode, Is.EqualTo(2));
            Assert.That(r.Error.Trim(), Is.EqualTo($"alae: error: {json}: not an alae checkpoint (its JSON has no \"format\" field)"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

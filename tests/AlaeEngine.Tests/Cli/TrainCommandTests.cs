using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cli;

/// <summary>
/// The shared side of the `alae train` commands, through `train mlp` run as a process on the bundled digits: SIGTERM
/// handled as Ctrl-C, the one resume rule, the diverged-loss stop and the flag checks.
/// </summary>
public class TrainCommandTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-cli-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void SigtermFinishesTheIterationSavesAndExitsWith143()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) Assert.Ignore("POSIX signals");
        using var alae = new AlaeProcess("train", "mlp", "--out", _dir, "--epochs", "1", "--checkpoint-every", "100000", "--sample-every", "100000");
        alae.WaitForOutput("] 1/62 "); // the first iteration's progress line
        alae.Terminate();
        Assert.That(alae.WaitForExit(), Is.EqualTo(143), alae.Output + alae.Error);
        Assert.That(alae.Output, Does.Contain("interrupted (SIGTERM): saved"));
        var checkpoint = Checkpoint.Latest(_dir);
        Assert.That(checkpoint, Is.Not.Null, "a checkpoint at the iteration the signal ended");
        Assert.That(Checkpoint.ReadState(checkpoint!)["step"]!.GetValue<long>(), Is.InRange(1, 61));
    }

    [Test]
    public void ResumeAcceptsTheRunsOwnValuesRefusesOthersAndAppliesWhatMayChange()
    {
        Assert.That(AlaeProcess.Run("train", "mlp", "--out", _dir, "--epochs", "1", "--max-iterations", "1").ExitCode, Is.EqualTo(0));

        var refused = AlaeProcess.Run("train", "mlp", "--out", _dir, "--resume", "--max-iterations", "2", "--lr", "0.5", "--seed", "7", "--batch", "128");
        Assert.That(refused.ExitCode, Is.EqualTo(2));
        Assert.That(refused.Error, Does.Contain("--lr 0.5 (the run's: 0.002)").And.Contain("--seed 7 (the run's: 1)").And.Not.Contain("--batch"));

        var resumed = AlaeProcess.Run("train", "mlp", "--out", _dir, "--resume", "--max-iterations", "2", "--lr", "0.002", "--seed", "1", "--epochs", "2");
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Output + resumed.Error);
        Assert.That(resumed.Output, Does.Contain("resume: --epochs changes the run's 1 to 2").And.Contain("resumed from"));
        var options = MlpTrainer.OptionsFrom(Checkpoint.Latest(_dir)!);
        Assert.That((options.Epochs, options.LearningRate, options.Seed), Is.EqualTo((2, 0.002, 1UL)));
    }

    [Test]
    public void ADivergedRunStopsWithTheLossAndTheIterationAndExits1()
    {
        var alae = AlaeProcess.Run("train", "mlp", "--out", _dir, "--lr", "1e30", "--max-iterations", "20");
        Assert.That(alae.ExitCode, Is.EqualTo(1), alae.Output + alae.Error);
        Assert.That(alae.Error, Does.Match("training diverged: loss '[a-z_0-9]+' is (NaN|-?∞|-?Infinity) at iteration [0-9]+"));
    }

    [Test]
    public void ThreadsBelowOneAreRefusedUpFront()
    {
        var alae = AlaeProcess.Run("train", "mlp", "--out", _dir, "--threads", "0");
        Assert.That(alae.ExitCode, Is.EqualTo(2));
        Assert.That(alae.Error, Does.Contain("--threads must be ≥ 1, got 0"));
        Assert.That(Directory.EnumerateFileSystemEntries(_dir), Is.Empty, "nothing written");
    }
}

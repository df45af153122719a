using AlaeEngine.IO;
using AlaeEngine.Tensors;
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
    [TearDown]
    public void TearDown()
    {
        Directory.Delete(_dir, recursive: true);
        foreach (var aside in OldRuns()) Directory.Delete(aside, recursive: true);
    }

    /// <summary>The run folders --overwrite moved aside.</summary>
    private string[] OldRuns() => Directory.GetDirectories(Path.GetDirectoryName(_dir)!, Path.GetFileName(_dir) + ".old-*");

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

    [Test]
    public void ASecondRunIntoTheSameFolderIsRefusedWhileTheFirstLivesAndNotAfterItWasKilled()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) Assert.Ignore("POSIX signals");
        using var first = new AlaeProcess("train", "mlp", "--out", _dir, "--epochs", "1", "--batch", "16", "--checkpoint-every", "1", "--sample-every", "100000");
        first.WaitFor(() => Checkpoint.Latest(_dir) != null, "wrote a checkpoint");

        var second = AlaeProcess.Run("train", "mlp", "--out", _dir, "--resume", "--max-iterations", "3");
        Assert.That(second.ExitCode, Is.EqualTo(2), second.Output + second.Error);
        Assert.That(second.Error, Does.Contain("is in use by another run (pid " + first.Id + " on "));

        first.Kill(); // SIGKILL: no clean-up runs, the lock file stays behind
        Assert.That(File.Exists(Path.Combine(_dir, RunFolder.LockFile)));
        var third = AlaeProcess.Run("train", "mlp", "--out", _dir, "--resume", "--max-iterations", "3");
        Assert.That(third.ExitCode, Is.EqualTo(0), "the killed run's lock died with it:\n" + third.Output + third.Error);
        Assert.That(File.Exists(Path.Combine(_dir, RunFolder.OwnerFile)), Is.False, "the owner note goes when the run ends");
    }

    [Test]
    public void ANewRunIntoAFolderThatHoldsOneIsRefusedAndOverwriteMovesTheOldRunAside()
    {
        string[] run = ["train", "mlp", "--out", _dir, "--epochs", "1", "--batch", "16", "--checkpoint-every", "1"];
        Assert.That(AlaeProcess.Run([.. run, "--max-iterations", "3"]).ExitCode, Is.EqualTo(0));
        var metrics = File.ReadAllText(Path.Combine(_dir, "metrics.jsonl"));

        var refused = AlaeProcess.Run([.. run, "--max-iterations", "2"]);
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.Output + refused.Error);
        Assert.That(refused.Error, Does.Contain($"{_dir} already holds a run (checkpoints, samples, metrics.jsonl, losses.png): continue it with --resume, " +
                                                "start a new one there with --overwrite"));
        Assert.That(Path.GetFileName(Checkpoint.Latest(_dir)), Is.EqualTo("step-0000003.json"), "the old run is untouched");
        Assert.That(File.ReadAllText(Path.Combine(_dir, "metrics.jsonl")), Is.EqualTo(metrics));

        var both = AlaeProcess.Run([.. run, "--resume", "--overwrite"]);
        Assert.That((both.ExitCode, both.Error), Is.EqualTo((2, "alae: error: --resume continues the run in --out and --overwrite starts a new one there: give one of them\n")));

        var fresh = AlaeProcess.Run([.. run, "--max-iterations", "2", "--overwrite"]);
        Assert.That(fresh.ExitCode, Is.EqualTo(0), fresh.Output + fresh.Error);
        var aside = OldRuns().Single();
        Assert.That(fresh.Output, Does.Contain($"--overwrite: moved the earlier run (checkpoints, samples, metrics.jsonl, losses.png) to {aside}"));
        Assert.That(Path.GetFileName(Checkpoint.Latest(aside)), Is.EqualTo("step-0000003.json"), "the old run, whole, beside the new one");
        Assert.That(File.ReadAllText(Path.Combine(aside, "metrics.jsonl")), Is.EqualTo(metrics));
        Assert.That(Directory.GetFiles(Path.Combine(_dir, Checkpoint.Folder)).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "step-0000001.json", "step-0000001.safetensors", "step-0000002.json", "step-0000002.safetensors" }), "only the new run's");
    }

    [Test]
    public void TrainStyleRefusesANewRunIntoAFolderThatHoldsOneAndKeepsItsImageCache()
    {
        string[] run = ["train", "style", "--preset", "tiny", "--out", _dir, "--max-iterations", "1"];
        Assert.That(AlaeProcess.Run(run).ExitCode, Is.EqualTo(0));
        var refused = AlaeProcess.Run(run);
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.Output + refused.Error);
        Assert.That(refused.Error, Does.Contain("already holds a run (checkpoints, samples, metrics.jsonl, losses.png): continue it with --resume"));
        var fresh = AlaeProcess.Run([.. run, "--overwrite"]);
        Assert.That(fresh.ExitCode, Is.EqualTo(0), fresh.Output + fresh.Error);
        Assert.That(fresh.Output, Does.Contain(" skipped), cache "), "the image cache stays in the run folder and is reused");
        Assert.That(OldRuns().Single(), Does.Exist);
    }

    [Test]
    public void AKillInsideACheckpointWriteLeavesATemporaryFileThatTheResumeRemoves()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) Assert.Ignore("POSIX signals");
        // the write of the second checkpoint stops after its temporary file is on disk, and the run is killed there
        using var first = new AlaeProcess(["train", "mlp", "--out", _dir, "--epochs", "1", "--batch", "16", "--checkpoint-every", "2"],
            new Dictionary<string, string> { [AtomicFile.PauseVariable] = "step-0000004.safetensors" });
        first.WaitFor(() => first.Error.Contains(AtomicFile.PauseVariable + ": paused"), "paused inside the write", seconds: 120);
        first.Kill();
        var checkpoints = Path.Combine(_dir, Checkpoint.Folder);
        var temporary = Directory.GetFiles(checkpoints, ".*.tmp").Single();
        Assert.That(Path.GetFileName(temporary), Does.Match(@"^\.step-0000004\.safetensors\.[0-9a-f]{32}\.tmp$"));
        Assert.That(new FileInfo(temporary).Length, Is.GreaterThan(1_000_000), "the weights were written, not renamed");
        Assert.That(Path.GetFileName(Checkpoint.Latest(_dir)), Is.EqualTo("step-0000002.json"), "the checkpoint being written never counts");

        var resumed = AlaeProcess.Run("train", "mlp", "--out", _dir, "--resume", "--max-iterations", "5");
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Output + resumed.Error);
        Assert.That(resumed.Output, Does.Contain($"removed 1 temporary file(s) of interrupted writes").And.Contain(Path.GetFileName(temporary)));
        Assert.That(Directory.GetFiles(checkpoints, ".*"), Is.Empty);
        Assert.That(resumed.Output, Does.Contain("resumed from").And.Contain("step-0000002.json at iteration 2"));
        Assert.That(Path.GetFileName(Checkpoint.Latest(_dir)), Is.EqualTo("step-0000005.json"));
    }

    [TestCase("train", "mlp", "--r1-gamma", "NaN")]
    [TestCase("train", "mlp", "--lr", "Infinity")]
    [TestCase("train", "mlp", "--lr", "-1e999")]
    [TestCase("train", "style", "--ema-half-life", "Infinity")]
    [TestCase("train", "style", "--batch-scale", "NaN")]
    [TestCase("generate", "--checkpoint", "nonexistent", "--psi", "NaN")]
    public void ANonFiniteNumberOptionIsRefusedUpFrontNamingTheFlag(params string[] args)
    {
        var alae = AlaeProcess.Run([.. args, "--out", Path.Combine(_dir, "run")]);
        Assert.That(alae.ExitCode, Is.EqualTo(2), alae.Output + alae.Error);
        var value = args[^1] switch { "NaN" => "NaN", "-1e999" => "-Infinity", _ => "Infinity" };
        Assert.That(alae.Error, Is.EqualTo($"alae: error: {args[^2]} must be a finite number, got {value}\n"));
        Assert.That(Directory.EnumerateFileSystemEntries(_dir), Is.Empty, "nothing written");
    }

    [Test]
    public void EveryCommandThatLoadsACheckpointRefusesNonFiniteWeightsNamingTheTensorUnlessAllowed()
    {
        var mlp = Path.Combine(_dir, "mlp");
        var style = Path.Combine(_dir, "style");
        Assert.That(AlaeProcess.Run("train", "mlp", "--out", mlp, "--batch", "16", "--max-iterations", "1").ExitCode, Is.EqualTo(0));
        Assert.That(AlaeProcess.Run("train", "style", "--preset", "tiny", "--out", style, "--max-iterations", "1").ExitCode, Is.EqualTo(0));
        var mlpTensor = PoisonFirstTensor(Checkpoint.Latest(mlp)!, "param/");
        var styleTensor = PoisonFirstTensor(Checkpoint.Latest(style)!, "param/ema.");
        var image = Path.Combine(_dir, "out.png");
        string[][] loads =
        [
            ["eval", "mnist", "--checkpoint", mlp],
            ["reconstruct", "--checkpoint", mlp, "--out", image],
            ["generate", "--checkpoint", mlp, "--out", image],
            ["interpolate", "--checkpoint", mlp, "--out", image],
            ["train", "mlp", "--out", mlp, "--resume", "--max-iterations", "2"],
            ["generate", "--checkpoint", style, "--out", image],
            ["mix", "--checkpoint", style, "--out", image],
            ["train", "style", "--out", style, "--resume", "--max-iterations", "2"],
        ];
        foreach (var args in loads)
        {
            var alae = AlaeProcess.Run(args);
            var tensor = args.Contains(style) ? styleTensor : mlpTensor;
            Assert.That(alae.ExitCode, Is.EqualTo(2), string.Join(" ", args) + "\n" + alae.Output + alae.Error);
            Assert.That(alae.Error, Does.Contain($"tensor '{tensor}' holds 1 NaN or infinite value(s)").And.Contain("--allow-nonfinite loads it anyway"), string.Join(" ", args));
        }
        var allowed = AlaeProcess.Run("generate", "--checkpoint", mlp, "--out", image, "--allow-nonfinite");
        Assert.That(allowed.ExitCode, Is.EqualTo(0), allowed.Output + allowed.Error);
    }

    /// <summary>Sets the first element of the first tensor whose name starts with <paramref name="prefix"/> to NaN; returns its name.</summary>
    private static string PoisonFirstTensor(string checkpointJson, string prefix)
    {
        var file = Path.ChangeExtension(checkpointJson, ".safetensors");
        using var scope = TensorScope.Begin();
        var tensors = SafeTensors.Load(file);
        var name = tensors.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).First();
        tensors[name].Span<float>()[0] = float.NaN;
        SafeTensors.Save(file, tensors);
        return name;
    }

    [Test]
    public void AResumeWorksFromAnotherFolderAndFollowsMovedDataButRefusesOtherData()
    {
        var digits = Path.Combine(_dir, "digits");
        CopyFolder(Path.Combine(Data.DataIoPaths.RepoRoot, "data", "mnist"), digits);
        var started = AlaeProcess.RunIn(_dir, "train", "mlp", "--data", "digits", "--out", "run", "--batch", "16", "--epochs", "1", "--max-iterations", "1");
        Assert.That(started.ExitCode, Is.EqualTo(0), started.Output + started.Error);
        var run = Path.Combine(_dir, "run");
        Assert.That(MlpTrainer.OptionsFrom(Checkpoint.Latest(run)!).DataDir, Is.EqualTo(digits), "stored absolute");

        // from the repository root, where "digits" means nothing
        var elsewhere = AlaeProcess.Run("train", "mlp", "--out", run, "--resume", "--max-iterations", "2");
        Assert.That(elsewhere.ExitCode, Is.EqualTo(0), elsewhere.Output + elsewhere.Error);

        var moved = Path.Combine(_dir, "moved");
        Directory.Move(digits, moved);
        var lost = AlaeProcess.Run("train", "mlp", "--out", run, "--resume", "--max-iterations", "3");
        Assert.That((lost.ExitCode, lost.Error), Is.EqualTo((2, $"alae: error: {digits}: MNIST folder not found\n")));
        var found = AlaeProcess.Run("train", "mlp", "--out", run, "--resume", "--max-iterations", "3", "--data", moved);
        Assert.That(found.ExitCode, Is.EqualTo(0), found.Output + found.Error);
        Assert.That(found.Output, Does.Contain($"resume: --data changes the run's {digits} to {moved}"));

        // other digits: the test split under the training names (fewer), and the training digits with one pixel changed
        var fewer = Path.Combine(_dir, "fewer");
        Directory.CreateDirectory(fewer);
        foreach (var kind in new[] { "images-idx3-ubyte.gz", "labels-idx1-ubyte.gz" })
            File.Copy(Path.Combine(moved, "t10k-" + kind), Path.Combine(fewer, "train-" + kind));
        var altered = Path.Combine(_dir, "altered");
        Directory.CreateDirectory(altered);
        File.Copy(Path.Combine(moved, "train-labels-idx1-ubyte.gz"), Path.Combine(altered, "train-labels-idx1-ubyte.gz"));
        using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(moved, "train-images-idx3-ubyte.gz")), System.IO.Compression.CompressionMode.Decompress))
        using (var raw = new MemoryStream())
        {
            gz.CopyTo(raw);
            var bytes = raw.ToArray();
            bytes[^1] ^= 0x40; // the last pixel of the last digit
            File.WriteAllBytes(Path.Combine(altered, "train-images-idx3-ubyte"), bytes);
        }
        foreach (var (other, what) in new[] { (fewer, "holds 1996 images, content sha256 "), (altered, "holds 8004 images, content sha256 ") })
        {
            var refused = AlaeProcess.Run("train", "mlp", "--out", run, "--resume", "--max-iterations", "4", "--data", other);
            Assert.That(refused.ExitCode, Is.EqualTo(2), refused.Output + refused.Error);
            Assert.That(refused.Error, Does.Contain($"{other} is not the data of the run in {run}: it {what}").And.Contain("the run trained on 8004 images, content sha256 "));
        }
        Assert.That(Path.GetFileName(Checkpoint.Latest(run)), Is.EqualTo("step-0000003.json"), "nothing trained on other data");
    }

    [Test]
    public void AStyleRunFollowsItsMovedImagesAndRefusesOthers()
    {
        var faces = Path.Combine(_dir, "faces");
        CopyFolder(Path.Combine(Data.DataIoPaths.RepoRoot, "data", "faces128-sample"), faces);
        var run = Path.Combine(_dir, "run");
        Assert.That(AlaeProcess.Run("train", "style", "--preset", "tiny", "--data", faces, "--out", run, "--max-iterations", "1").ExitCode, Is.EqualTo(0));
        var moved = Path.Combine(_dir, "moved");
        Directory.Move(faces, moved);
        var found = AlaeProcess.Run("train", "style", "--out", run, "--resume", "--max-iterations", "2", "--data", moved);
        Assert.That(found.ExitCode, Is.EqualTo(0), found.Output + found.Error);
        File.Delete(Directory.GetFiles(moved).Order().First());
        var refused = AlaeProcess.Run("train", "style", "--out", run, "--resume", "--max-iterations", "3", "--data", moved);
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.Output + refused.Error);
        Assert.That(refused.Error, Does.Contain($"{moved} is not the data of the run in {run}: it holds 31 images").And.Contain("the run trained on 32 images"));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }
}

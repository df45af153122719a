using System.Buffers.Binary;
using System.Text.RegularExpressions;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cli;

/// <summary>
/// `alae train pioneer` and the inference commands on its checkpoints, run as processes on the tiny preset (the bundled
/// faces) and on the CPU MNIST preset (the bundled digits): train, the resume rule for PIONEER's flags, resume,
/// reconstruct, generate, interpolate, manipulate, eval mnist.
/// </summary>
public class PioneerCommandTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-pioneer-cli-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static void Ok(AlaeProcess alae) => Assert.That(alae.ExitCode, Is.EqualTo(0), alae.Output + alae.Error);

    [Test]
    public void TrainResumeAndEveryInferenceCommandOnTheTinyPreset()
    {
        var run = Path.Combine(_dir, "run");
        var train = AlaeProcess.Run("train", "pioneer", "--preset", "pioneer-tiny", "--out", run, "--max-iterations", "10", "--n-generator", "2", "--margin", "0.03");
        Ok(train);
        Assert.That(train.Output, Does.Contain("Balanced PIONEER 'pioneer-tiny' 16² on 32 images").And.Contain("n_generator 2").And.Contain("done: 10 iterations"));
        var options = PioneerTrainer.OptionsFrom(Checkpoint.Latest(run)!);
        Assert.That((options.Preset.GeneratorSteps, options.Preset.Rules.Select(r => r.Margin).Distinct().Single()), Is.EqualTo((2, 0.03)));

        var refused = AlaeProcess.Run("train", "pioneer", "--out", run, "--resume", "--n-generator", "1", "--norm", "pn-eqlr", "--margin", "0.03");
        Assert.That(refused.ExitCode, Is.EqualTo(2));
        Assert.That(refused.Error, Does.Contain("--n-generator 1 (the run's: 2)").And.Contain("--norm pn-eqlr (the run's: sn)").And.Not.Contain("--margin"));

        var resumed = AlaeProcess.Run("train", "pioneer", "--out", run, "--resume", "--max-iterations", "12", "--batch-scale", "0.5");
        Ok(resumed);
        Assert.That(resumed.Output, Does.Contain("resumed from").And.Contain("iteration 10 (80 images, level 1 (8×8)").And.Contain("resume: --batch-scale changes the run's 8/8/4 to 4/4/2"));
        Assert.That(Checkpoint.ReadState(Checkpoint.Latest(run)!)["imagesSeen"]!.GetValue<long>(), Is.EqualTo(88), "two iterations of the halved batch");

        foreach (var (verb, extra) in new[]
        {
            ("reconstruct", new[] { "--count", "4" }), ("generate", ["--count", "4", "--training-weights"]),
            ("interpolate", ["--pairs", "2", "--steps", "4"]), ("interpolate", ["--space", "z", "--pairs", "2", "--steps", "4"]),
        })
        {
            var png = Path.Combine(_dir, $"{verb}-{extra.Length}.png");
            var alae = AlaeProcess.Run([verb, "--checkpoint", run, "--out", png, .. extra]);
            Ok(alae);
            Assert.That(alae.Output, Does.Contain("Balanced PIONEER").And.Contain("at level 1 (8², blend 0.62)"), "the last iteration trained 8² fading in");
            Assert.That(new FileInfo(png).Length, Is.GreaterThan(0), verb);
        }
        var lerp = AlaeProcess.Run("interpolate", "--checkpoint", run, "--space", "z", "--path", "lerp", "--out", Path.Combine(_dir, "x.png"));
        Assert.That((lerp.ExitCode, lerp.Error), Is.EqualTo((2, "alae: error: --path lerp: PIONEER's codes live on the unit sphere and are interpolated with slerp" + Environment.NewLine)));
        var psi = AlaeProcess.Run("generate", "--checkpoint", run, "--psi", "0.5", "--out", Path.Combine(_dir, "x.png"));
        Assert.That(psi.ExitCode, Is.EqualTo(2));
        Assert.That(psi.Error, Does.Contain("--psi does not apply to Balanced PIONEER checkpoints"));

        var faces = Path.Combine(Data.DataIoPaths.RepoRoot, "data", "faces128-sample");
        var manipulate = AlaeProcess.Run("manipulate", "--checkpoint", run, "--with", faces, "--without", faces, "--data", faces, "--expected", faces,
            "--count", "3", "--strength", "-1,0,1", "--out", Path.Combine(_dir, "manipulate.png"));
        Ok(manipulate);
        Assert.That(manipulate.Output, Does.Contain("attribute vector from 32 images with").And.Contain("for λ = -1, 0, 1"));
        Assert.That(Regex.Matches(manipulate.Output, @"^ +λ = +-?\d", RegexOptions.Multiline).Count, Is.EqualTo(3), "one error line per strength");
        Assert.That(manipulate.Output, Does.Match(@"inputs x themselves +0\.00000"), "the held-out images are their own expected images here");
        Assert.That(File.Exists(Path.Combine(_dir, "manipulate.png")), Is.True);
    }

    [Test]
    public void TheMnistPresetTrainsOnDigitsAndEvalMnistScoresItsCodes()
    {
        var run = Path.Combine(_dir, "mnist");
        var digits = WriteMnistSubset(Path.Combine(_dir, "digits"), train: 256, test: 64);
        var train = AlaeProcess.Run("train", "pioneer", "--preset", "pioneer-mnist32-cpu", "--data", digits, "--out", run, "--max-iterations", "2");
        Ok(train);
        Assert.That(train.Output, Does.Contain($"256 MNIST digits from {digits} (train split), padded to 32²"));
        var eval = AlaeProcess.Run("eval", "mnist", "--checkpoint", run, "--data", digits, "--json", Path.Combine(_dir, "scores.json"));
        Ok(eval);
        Assert.That(eval.Output, Does.Contain("256 train / 64 test, E(x) on the unit sphere, dimension 32, at 4²").And.Contain("1-NN accuracy"));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "scores.json")), Does.Contain("NearestNeighbourAccuracy"));
        var rec = AlaeProcess.Run("reconstruct", "--checkpoint", run, "--data", digits, "--count", "8", "--out", Path.Combine(_dir, "digits.png"));
        Ok(rec);
        Assert.That(rec.Output, Does.Contain("8 images (top block)"));
        var cache = AlaeProcess.Run("train", "pioneer", "--preset", "pioneer-mnist32-cpu", "--out", Path.Combine(_dir, "other"), "--cache", _dir);
        Assert.That((cache.ExitCode, cache.Error.Trim()), Is.EqualTo((2, "alae: error: --cache applies to image folders; a one-channel preset trains on MNIST IDX files")));
    }

    // the first digits of the bundled sample as raw IDX files (train-* and t10k-*)
    private static string WriteMnistSubset(string dir, int train, int test)
    {
        Directory.CreateDirectory(dir);
        var bundled = Path.Combine(Data.DataIoPaths.RepoRoot, "data", "mnist");
        foreach (var (split, n) in new[] { ("train", train), ("t10k", test) })
        {
            var d = AlaeEngine.Data.MnistDataset.LoadFolder(bundled, split == "train").Subset(n);
            var images = new byte[16 + n * 784];
            BinaryPrimitives.WriteInt32BigEndian(images, 0x803);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), n);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 28);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 28);
            d.RawImages.CopyTo(images, 16);
            var labels = new byte[8 + n];
            BinaryPrimitives.WriteInt32BigEndian(labels, 0x801);
            BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), n);
            d.Labels.CopyTo(labels, 8);
            File.WriteAllBytes(Path.Combine(dir, $"{split}-images-idx3-ubyte"), images);
            File.WriteAllBytes(Path.Combine(dir, $"{split}-labels-idx1-ubyte"), labels);
        }
        return dir;
    }
}

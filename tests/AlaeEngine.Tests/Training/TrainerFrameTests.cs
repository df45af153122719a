using System.Text.Json.Nodes;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Training;

/// <summary>
/// The shared trainer frame, through the smallest trainer (<see cref="LineFitTrainer"/>) and MLP-ALAE: stopping, the
/// metrics log across a resume, the non-finite loss check, checkpoint fields, and checkpoints written before the frame.
/// </summary>
public class TrainerFrameTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-frame-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private LineFitOptions Options(string sub, int iterations = 25, double lr = 0.05, int checkpointEvery = 1000) => new()
    {
        OutDir = Path.Combine(_dir, sub), Iterations = iterations, LearningRate = lr, Seed = 3, CheckpointEvery = checkpointEvery, SampleEvery = 1000,
    };

    /// <summary>Runs until <paramref name="stopAfter"/> iterations have been returned (all when null).</summary>
    private static List<LineFitLog> Run(LineFitTrainer t, int? stopAfter = null)
    {
        var logs = new List<LineFitLog>();
        foreach (var it in t.Run(() => logs.Count == stopAfter)) logs.Add(it);
        return logs;
    }

    [Test]
    public void TheSmallestTrainerLearnsAndTheFrameWritesTheRunFolder()
    {
        using var t = new LineFitTrainer(Options("fit", iterations: 300));
        var log = Run(t);
        Assert.That(log.Select(l => l.Step), Is.EqualTo(Enumerable.Range(1, 300).Select(i => (long)i)));
        Assert.That(t.ImagesSeen, Is.EqualTo(300 * 8));
        Assert.That(t.Model.A.Value.Item(), Is.EqualTo(LineFitTrainer.Slope).Within(0.05));
        Assert.That(t.Model.B.Value.Item(), Is.EqualTo(LineFitTrainer.Intercept).Within(0.05));
        var run = Path.Combine(_dir, "fit");
        Assert.That(File.Exists(Path.Combine(run, "samples", "step-0000300.png")), "a grid at the end of the run");
        Assert.That(Path.GetFileName(Checkpoint.Latest(run)), Is.EqualTo("step-0000300.json"), "a checkpoint at the end of the run");
        Assert.That(File.Exists(Path.Combine(run, "losses.png")));
        Assert.That(MetricsLog.Read(Path.Combine(run, "metrics.jsonl")).Select(r => r.Step), Is.EqualTo(Enumerable.Range(1, 30).Select(i => 10L * i)));
    }

    [Test]
    public void AStopRequestEndsTheRunBetweenIterationsWithACheckpoint()
    {
        using var t = new LineFitTrainer(Options("stop"));
        Assert.That(Run(t, stopAfter: 7), Has.Count.EqualTo(7));
        Assert.That((t.Step, t.Finished), Is.EqualTo((7L, false)));
        Assert.That(t.LastCheckpoint, Is.EqualTo(Checkpoint.Latest(Path.Combine(_dir, "stop"))));
        Assert.That(Path.GetFileName(t.LastCheckpoint), Is.EqualTo("step-0000007.json"));
    }

    [Test]
    public void AnInterruptedAndResumedRunLogsWhatAnUninterruptedRunLogs()
    {
        using var full = new LineFitTrainer(Options("full"));
        var expected = Run(full);

        // interrupted after 13 iterations: the log then holds steps 10 and 13 (the 3 left over, written as the session ended)
        using var first = new LineFitTrainer(Options("split"));
        Run(first, stopAfter: 13);
        var split = Path.Combine(_dir, "split");
        Assert.That(MetricsLog.Read(Path.Combine(split, "metrics.jsonl")).Select(r => r.Step), Is.EqualTo(new long[] { 10, 13 }));
        double wallAtStop = Checkpoint.ReadState(first.LastCheckpoint!)["metrics"]!["wallSeconds"]!.GetValue<double>();

        using var second = new LineFitTrainer(Options("split"));
        second.Resume(first.LastCheckpoint!);
        Assert.That(Run(second).Select(l => l.Mse), Is.EqualTo(expected.Skip(13).Select(l => l.Mse)), "losses continue bit for bit");

        var a = MetricsLog.Read(Path.Combine(_dir, "full", "metrics.jsonl"));
        var b = MetricsLog.Read(Path.Combine(split, "metrics.jsonl"));
        Assert.That(b.Select(r => r.Step), Is.EqualTo(new long[] { 10, 20, 25 }), "the record at 13 is replaced by the window it began");
        Assert.That(b.Select(r => (r.Step, r.Epoch, r.Losses["mse"])), Is.EqualTo(a.Select(r => (r.Step, r.Epoch, r.Losses["mse"]))));
        Assert.That(b[1].WallSeconds, Is.GreaterThanOrEqualTo(wallAtStop), "wall time counts the first session too");
    }

    [Test]
    public void ANonFiniteLossStopsTheRunInItsIterationAndKeepsTheLastGoodCheckpoint()
    {
        // Adam moves each weight by about the learning rate: 1e30 after the first step, so the second loss overflows float32
        using var t = new LineFitTrainer(Options("nan", lr: 1e30, checkpointEvery: 1));
        var log = new List<LineFitLog>();
        var e = Assert.Throws<NonFiniteLossException>(() => { foreach (var it in t.Run(() => false)) log.Add(it); })!;
        Assert.That((e.Step, e.Loss), Is.EqualTo((2L, "mse")));
        Assert.That(e.Message, Does.Contain("'mse'").And.Contain("iteration 2"));
        Assert.That(log, Has.Count.EqualTo(1), "the diverged iteration is not reported as a result");
        Assert.That(Path.GetFileName(Checkpoint.Latest(Path.Combine(_dir, "nan"))), Is.EqualTo("step-0000001.json"));
    }

    [Test]
    public void ACheckpointWhoseWeightsHoldNaNIsRefusedNamingTheTensorUnlessAccepted()
    {
        using var t = new LineFitTrainer(Options("nanweights", iterations: 3));
        Run(t);
        var path = t.LastCheckpoint!;
        var file = Path.ChangeExtension(path, ".safetensors");
        using (TensorScope.Begin())
        {
            var tensors = SafeTensors.Load(file);
            tensors["param/b"].Span<float>()[0] = float.NaN;
            SafeTensors.Save(file, tensors);
        }
        using var other = new LineFitTrainer(Options("nanweights2", iterations: 3));
        var e = Assert.Throws<NonFiniteWeightsException>(() => other.Resume(path))!;
        Assert.That(e.Message, Is.EqualTo($"{file}: tensor 'param/b' holds 1 NaN or infinite value(s) of 1 (the first at element 0): the weights of a diverged run"));
        using (Checkpoint.AcceptNonFinite()) other.Resume(path);
        Assert.That(double.IsNaN(other.Model.B.Value.Item()), "loaded as asked");
        Assert.Throws<NonFiniteWeightsException>(() => other.Resume(path), "the scope has ended");
    }

    [Test]
    public void ACheckpointFieldOfTheWrongTypeIsAnErrorNamingTheFieldAndTheFile()
    {
        using var t = new LineFitTrainer(Options("bad", iterations: 3));
        Run(t);
        var path = t.LastCheckpoint!;
        var json = Checkpoint.ReadState(path);
        json["step"] = "abc";
        File.WriteAllText(path, json.ToJsonString());
        using var other = new LineFitTrainer(Options("bad2", iterations: 3));
        var e = Assert.Throws<InvalidDataException>(() => other.Resume(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("'step'").And.Contain("\"abc\""));
    }

    [Test]
    public void AnMlpCheckpointWrittenBeforeTheFrameResumesExactly()
    {
        var digits = MnistDataset.LoadFolder(Path.Combine(Data.DataIoPaths.RepoRoot, "data", "mnist"), train: true).Subset(128);
        MlpTrainingOptions Mlp(string sub, int iterations) => new()
        {
            OutDir = Path.Combine(_dir, sub), Epochs = 2, BatchSize = 32, MaxIterations = iterations, CheckpointEvery = 3, Seed = 5,
            Model = new MlpAlaeConfig { HiddenSize = 16, LatentSize = 4, MappingLayers = 1 },
        };
        using var full = new MlpTrainer(Mlp("full", 6), digits);
        var expected = full.Run(() => false).Select(l => l.Losses).ToList();

        using var first = new MlpTrainer(Mlp("old", 3), digits);
        first.Run(() => false).ToList();
        // what the trainer wrote before the frame: no images position, no metrics window
        var path = first.LastCheckpoint!;
        var json = Checkpoint.ReadState(path);
        Assert.That(json.Remove("imagesSeen") && json.Remove("metrics"));
        File.WriteAllText(path, json.ToJsonString());

        using var second = new MlpTrainer(Mlp("old", 6), digits);
        second.Resume(path);
        Assert.That((second.Step, second.ImagesSeen), Is.EqualTo((3L, 3L * 32)));
        Assert.That(second.Run(() => false).Select(l => l.Losses), Is.EqualTo(expected.Skip(3)));
    }
}

using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// Runs a trainer from the command line, the same way for every model: resume from the checkpoint, the progress line,
/// Ctrl-C and SIGTERM (finish the iteration, save, exit 130 / 143), the GPU running out of memory (where the run was
/// and what to lower, exit 2), a diverged loss (the step and the loss, exit 1), and the closing line.
/// </summary>
internal static class TrainingSession
{
    /// <param name="checkpoint">the checkpoint to continue from, or null for a new run.</param>
    /// <param name="outOfMemoryAdvice">what the user can lower, for the model ("Lower the batch: --batch-scale 0.5 …").</param>
    public static int Run<TOptions, TLog>(Trainer<TOptions, TLog> trainer, string? checkpoint, string outOfMemoryAdvice)
        where TOptions : TrainingOptions
        where TLog : IterationLog
    {
        var outDir = trainer.Options.OutDir;
        if (checkpoint != null)
        {
            trainer.Resume(checkpoint);
            Console.WriteLine($"resumed from {checkpoint} at iteration {trainer.Step} ({trainer.ImagesSeen} images, {trainer.DescribePosition()})");
        }
        using var stop = new StopSignal();
        var (start, total) = trainer.Progress;
        var progress = new ProgressLine(start, total);
        try
        {
            foreach (var it in trainer.Run(() => stop.Requested))
                progress.Update(trainer.Progress.Done, trainer.Describe(it));
        }
        catch (Exception e) when (ComputeDevice.IsOutOfMemory(e))
        {
            progress.Finish();
            Console.Error.WriteLine($"alae: error: the GPU ran out of memory at {trainer.DescribePosition()} ({e.Message}). {outOfMemoryAdvice}");
            return 2;
        }
        catch (NonFiniteLossException e)
        {
            progress.Finish();
            var kept = Checkpoint.Latest(outDir) is { } last ? $"the last checkpoint, {last}, is from before" : "no checkpoint was written";
            Console.Error.WriteLine($"alae: error: {e.Message} ({trainer.DescribePosition()}); {kept}.");
            return 1;
        }
        progress.Finish();
        if (stop.Requested)
        {
            Console.WriteLine($"interrupted ({stop.Name}): saved {trainer.LastCheckpoint}; continue with --resume --out {outDir}");
            return stop.ExitCode;
        }
        Console.WriteLine($"done: {trainer.Step} iterations, {trainer.ImagesSeen} images, {trainer.DescribePosition()}; " +
                          $"samples in {Path.Combine(outDir, SampleGrid.Folder)}, checkpoints in {Path.Combine(outDir, Checkpoint.Folder)}");
        return 0;
    }
}

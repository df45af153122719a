using AlaeEngine.Cpu;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cpu;

/// <summary>
/// The CPU backend's fork-join (<see cref="WorkerTeam"/>): every part of a job runs once and the call returns after
/// all of them; a failing part's exception reaches the caller and leaves the team usable; jobs inside jobs, jobs from
/// several threads at once, jobs after the workers went to sleep, and a team that grows. Each test runs on a task with
/// a time limit, so a lost wake-up fails instead of hanging the run.
/// </summary>
[NonParallelizable]
public class WorkerTeamTests
{
    private static void Within(int seconds, Action test)
    {
        var run = Task.Run(test);
        Assert.That(run.Wait(TimeSpan.FromSeconds(seconds)), Is.True, $"did not finish within {seconds} s");
    }

    private static int[] Counts(int workers, int jobs)
    {
        var counts = new int[workers];
        for (int j = 0; j < jobs; j++) WorkerTeam.Run(workers, w => Interlocked.Increment(ref counts[w]));
        return counts;
    }

    [Test]
    public void EveryPartRunsOncePerJobOnItsOwnThread() => Within(30, () =>
    {
        Assert.That(Counts(3, 500), Is.All.EqualTo(500));
        var threads = new int[3];
        WorkerTeam.Run(3, w => threads[w] = Environment.CurrentManagedThreadId);
        Assert.That(threads.Distinct().Count(), Is.EqualTo(3), "caller and two workers");
    });

    [Test]
    public void TheCallReturnsOnlyAfterEveryPart() => Within(30, () =>
    {
        for (int j = 0; j < 50; j++)
        {
            int done = 0;
            WorkerTeam.Run(2, w =>
            {
                if (w == 1) Thread.Sleep(2);
                Interlocked.Increment(ref done);
            });
            Assert.That(Volatile.Read(ref done), Is.EqualTo(2), $"job {j}");
        }
    });

    [Test]
    public void AFailingPartThrowsItsExceptionAndTheTeamGoesOn() => Within(30, () =>
    {
        var error = Assert.Throws<InvalidOperationException>(() => WorkerTeam.Run(2, w =>
        {
            if (w == 1) throw new InvalidOperationException("part 1 failed");
        }));
        Assert.That(error!.Message, Is.EqualTo("part 1 failed"));
        Assert.That(Counts(2, 100), Is.All.EqualTo(100));
    });

    [Test]
    public void JobsInsideJobsRun() => Within(30, () =>
    {
        var counts = new int[2, 3];
        WorkerTeam.Run(2, outer => WorkerTeam.Run(3, inner => Interlocked.Increment(ref counts[outer, inner])));
        Assert.That(counts, Is.All.EqualTo(1));
    });

    [Test]
    public void JobsFromSeveralThreadsAtOnceAllRun() => Within(60, () =>
    {
        var totals = new long[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            for (int j = 0; j < 300; j++) WorkerTeam.Run(2, w => Interlocked.Add(ref totals[t], w + 1));
        });
        Assert.That(totals, Is.All.EqualTo(300 * 3));
    });

    [Test]
    public void JobsAfterTheWorkersBlockedStillRun() => Within(30, () =>
    {
        for (int j = 0; j < 10; j++)
        {
            Thread.Sleep(WorkerTeam.SpinTime * 5);
            Assert.That(Counts(2, 1), Is.All.EqualTo(1), $"job {j}");
        }
    });

    [Test]
    public void TheTeamGrowsToTheLargestJob() => Within(30, () =>
    {
        foreach (int workers in new[] { 2, 5, 3, 5 })
            Assert.That(Counts(workers, 20), Is.All.EqualTo(20), $"{workers} workers");
        Assert.That(WorkerTeam.Started, Is.GreaterThanOrEqualTo(4));
    });
}

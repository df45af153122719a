using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace AlaeEngine.Cpu;

/// <summary>
/// The CPU backend's fork-join: runs body(0 .. workers−1) at once, the calling thread being worker 0 and dedicated
/// threads the others, and returns when all are done. Why not Parallel.For: its workers block between jobs and the
/// caller blocks while the last one finishes, and waking a blocked thread costs tens of µs on a virtual machine
/// (measured on the 2-core dev VM in MLP-ALAE's 512×1024×1024 GEMMs: the second part started 6–23 µs after the call and
/// the call returned 35–115 µs after both parts were done; bench/NOTES.md), paid by each of the hundreds of parallel
/// kernels of a training iteration. Here the
/// caller spins while the others finish, and each worker spins for <see cref="SpinTime"/> after a job, waiting for the
/// next, before it blocks — what OpenMP runtimes do (their block time), and why PyTorch's threads start at once. Workers
/// of a job with more workers than cores block at once.
/// One job runs at a time: a call from inside a job, or while another thread's job is in flight, goes to
/// Parallel.For instead, so nesting and concurrent callers work (without the spinning).
/// </summary>
internal static class WorkerTeam
{
    /// <summary>How long an idle worker waits spinning for the next job before it blocks.</summary>
    public static readonly TimeSpan SpinTime = TimeSpan.FromMilliseconds(1);

    private static readonly object Growth = new();
    private static Worker[] _workers = [];
    private static Job? _job;
    private static int _busy;
    [ThreadStatic] private static bool _insideJob;

    /// <summary>Threads the team has started so far (it grows to the largest job and keeps them).</summary>
    public static int Started => Volatile.Read(ref _workers).Length;

    public static void Run(int workers, Action<int> body)
    {
        if (workers <= 1)
        {
            body(0);
            return;
        }
        if (_insideJob || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, body);
            return;
        }
        try
        {
            var team = Grow(workers - 1);
            var job = new Job(body, workers);
            // publish, then wake the workers that blocked (a full fence each side: a worker either sees the job before
            // it blocks or is seen sleeping here)
            Interlocked.Exchange(ref _job, job);
            for (int i = 0; i < workers - 1; i++) team[i].WakeIfSleeping();
            job.RunPart(0);
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            job.Release();
            job.Error?.Throw();
        }
        finally { Volatile.Write(ref _busy, 0); }
    }

    private static Worker[] Grow(int count)
    {
        var team = Volatile.Read(ref _workers);
        if (team.Length >= count) return team;
        lock (Growth)
        {
            team = _workers;
            if (team.Length >= count) return team;
            var grown = new Worker[count];
            Array.Copy(team, grown, team.Length);
            for (int i = team.Length; i < count; i++) grown[i] = new Worker(i + 1, Volatile.Read(ref _job));
            Volatile.Write(ref _workers, grown);
            return grown;
        }
    }

    private sealed class Job(Action<int> body, int workers)
    {
        private Action<int>? _body = body;
        public readonly int Workers = workers;
        // workers other than the caller still running
        public int Pending = workers - 1;
        public ExceptionDispatchInfo? Error;

        public void RunPart(int index)
        {
            _insideJob = true;
            try { _body!(index); }
            catch (Exception e) { Interlocked.CompareExchange(ref Error, ExceptionDispatchInfo.Capture(e), null); }
            finally { _insideJob = false; }
        }

        // the workers keep the last job to tell it from the next: it should not keep what the body captured alive
        public void Release() => _body = null;
    }

    private sealed class Worker
    {
        private readonly int _index;
        private readonly SemaphoreSlim _wake = new(0);
        private int _sleeping;
        private Job? _last;

        public Worker(int index, Job? current)
        {
            _index = index;
            _last = current;
            new Thread(Loop) { IsBackground = true, Name = $"alae-cpu-worker-{index}" }.Start();
        }

        public void WakeIfSleeping()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Release();
        }

        private void Loop()
        {
            while (true)
            {
                var job = NextJob();
                _last = job;
                // a worker outside this job's count skips it; the caller waits only for those inside
                if (_index >= job.Workers) continue;
                job.RunPart(_index);
                Interlocked.Decrement(ref job.Pending);
            }
        }

        private Job NextJob()
        {
            // spin only after a job this worker took part in and that left a core to each worker: with more workers than
            // cores, a spinning worker would take the core of one that has work (--threads 4 on 2 cores: 3.5× slower)
            bool spin = _last != null && _index < _last.Workers && _last.Workers <= Environment.ProcessorCount;
            while (true)
            {
                long until = Stopwatch.GetTimestamp() + (spin ? (long)(SpinTime.TotalSeconds * Stopwatch.Frequency) : 0);
                for (int spins = 0; ; spins++)
                {
                    var job = Volatile.Read(ref _job);
                    if (job != null && job != _last) return job;
                    Thread.SpinWait(8);
                    if ((spins & 63) == 63 && Stopwatch.GetTimestamp() > until) break;
                }
                Interlocked.Exchange(ref _sleeping, 1);
                var posted = Volatile.Read(ref _job);
                if (posted != null && posted != _last)
                {
                    Interlocked.Exchange(ref _sleeping, 0);
                    return posted;
                }
                // a permit left by a wake that raced with the check above only brings us back here once
                _wake.Wait();
            }
        }
    }
}

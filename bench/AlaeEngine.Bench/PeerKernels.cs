using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AlaeEngine.Cpu;
using AlaeEngine.Tensors;

namespace AlaeEngine.Bench;

/// <summary>
/// The CPU kernels of bench/peer/compare.py's GEMM and convolution rows, timed in a plain loop (no BenchmarkDotNet, so
/// a row takes seconds): the median of the repetitions, each line "kernel &lt;name&gt; ms=&lt;median&gt; gflops=&lt;rate&gt;" as
/// bench/peer/torch_kernels.py prints for PyTorch. --cpu-time times by the thread's CPU clock instead of the wall clock,
/// which on a shared machine leaves out the time other processes hold the core (1 thread only); --only &lt;word&gt; times
/// just the rows whose name starts with it (gemm, conv3x3, instance) for an A/B of one kernel.
///   dotnet run -c Release --project bench/AlaeEngine.Bench -- peer-kernels --threads 1 [--cpu-time] [--only gemm]
/// </summary>
public static unsafe class PeerKernels
{
    /// <summary>The GEMMs of the issue's table: x·Wᵀ of a 1024-wide layer, a conv-sized product, a transposed-A product.</summary>
    public static readonly (string Name, int M, int N, int K, bool TransA, bool TransB)[] Gemms =
    [
        ("gemm 128x1024x1024 nt", 128, 1024, 1024, false, true),
        ("gemm 512x512x4608 nn", 512, 512, 4608, false, false),
        ("gemm 4608x64x512 tn", 4608, 64, 512, true, false),
    ];

    /// <summary>3×3 convolutions, pad 1, C → C at (16, C, R, R).</summary>
    public static readonly (int N, int C, int R)[] Convs = [(16, 64, 32), (16, 128, 16), (16, 512, 8)];

    /// <summary>Instance norm with taps at (N, C, R, R).</summary>
    public static readonly (int N, int C, int R) InstanceNormShape = (16, 64, 32);

    public static int Run(string[] args)
    {
        int threads = Option(args, "--threads", 1), reps = Option(args, "--reps", 7);
        bool cpuTime = args.Contains("--cpu-time");
        int only = Array.IndexOf(args, "--only");
        string prefix = only >= 0 && only + 1 < args.Length ? args[only + 1] : "";
        bool Wanted(string row) => row.StartsWith(prefix, StringComparison.Ordinal);
        if (cpuTime && threads != 1) { Console.Error.WriteLine("--cpu-time measures one thread; use --threads 1"); return 2; }
        CpuKernels.Threads = threads;
        Console.WriteLine($"AlaeEngine CPU kernels, {threads} threads, SIMD {Gemm.Width}, {(cpuTime ? "thread CPU time" : "wall clock")}");
        Console.WriteLine($"peak gflops={PeakGflops(cpuTime):F1} (float32 FMAs of {Gemm.Width} vectors on one thread, no memory traffic)");
        var random = new RandomStream(1);
        foreach (var (name, m, n, k, ta, tb) in Gemms.Where(g => Wanted(g.Name)))
        {
            var a = random.Normal(ta ? new Shape(k, m) : new Shape(m, k));
            var b = random.Normal(tb ? new Shape(n, k) : new Shape(k, n));
            var c = Tensor.Empty(new Shape(m, n));
            Report(name, 2.0 * m * n * k, Time(() => CpuKernels.Instance.MatMul(a, ta, b, tb, c, 1, 0), reps, cpuTime));
        }
        foreach (var (n, ch, r) in Wanted("conv3x3") ? Convs : [])
        {
            var x = random.Normal(new Shape(n, ch, r, r)); var w = random.Normal(new Shape(ch, ch, 3, 3)); var gy = random.Normal(x.Shape);
            var y = Tensor.Empty(x.Shape); var gx = Tensor.Empty(x.Shape); var gw = Tensor.Empty(w.Shape);
            double flop = 2.0 * n * ch * ch * 9 * r * r;
            string shape = $"({n},{ch},{r},{r})";
            Report($"conv3x3 {shape} forward", flop, Time(() => CpuKernels.Instance.Conv2d(x, w, y, 1, 1), reps, cpuTime));
            Report($"conv3x3 {shape} backward-data", flop, Time(() => CpuKernels.Instance.Conv2dBackwardData(gy, w, gx, 1, 1), reps, cpuTime));
            Report($"conv3x3 {shape} backward-weight", flop, Time(() => CpuKernels.Instance.Conv2dBackwardWeight(x, gy, gw, 1, 1), reps, cpuTime));
        }
        if (Wanted("instance norm"))
        {
            // the encoder's instance norm with its style taps (mean and std per plane), forward; the work counted as 3 reads + 1 write
            var (n, ch, r) = InstanceNormShape;
            var x = random.Normal(new Shape(n, ch, r, r)); var y = Tensor.Empty(x.Shape);
            var mean = Tensor.Empty(new Shape(n, ch, 1, 1)); var std = Tensor.Empty(mean.Shape);
            Report($"instance norm with taps ({n},{ch},{r},{r})", 4.0 * x.Length, Time(() => CpuKernels.Instance.InstanceNorm(x, y, mean, std, 1e-8, 1e-8), reps, cpuTime));
        }
        return 0;
    }

    /// <summary>
    /// One core's float32 peak as the machine delivers it now (clock boost included): 12 independent FMA chains, enough
    /// to cover the FMA latency on two pipes, in the widest vectors the GEMM uses. Best of five runs of 10⁸ steps.
    /// </summary>
    private static double PeakGflops(bool cpuTime)
    {
        double best = 0;
        for (int run = 0; run < 5; run++)
        {
            const long steps = 100_000_000;
            double t0 = cpuTime ? ThreadSeconds() : 0;
            var clock = Stopwatch.StartNew();
            float sum = Gemm.Width switch
            {
                SimdWidth.Bits512 => FmaChains<System.Runtime.Intrinsics.Vector512<float>, Lanes512<float>>(steps),
                SimdWidth.Bits256 => FmaChains<System.Runtime.Intrinsics.Vector256<float>, Lanes256<float>>(steps),
                _ => FmaChains<System.Runtime.Intrinsics.Vector128<float>, Lanes128<float>>(steps),
            };
            double seconds = cpuTime ? ThreadSeconds() - t0 : clock.Elapsed.TotalSeconds;
            if (!float.IsFinite(sum)) throw new InvalidOperationException("the FMA chains diverged");
            int lanes = (int)Gemm.Width / 32;
            best = Math.Max(best, 12.0 * 2 * lanes * steps / seconds / 1e9);
        }
        return best;
    }

    // no call inside or after the loop, so the twelve accumulators stay in registers; returns a lane of their sum
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FmaChains<TV, S>(long steps) where TV : struct where S : struct, ISimdLanes<TV, float>
    {
        TV a0 = S.Splat(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        TV x = S.Splat(0.999999f), y = S.Splat(1e-7f);
        for (long i = 0; i < steps; i++)
        {
            a0 = S.MultiplyAdd(a0, x, y); a1 = S.MultiplyAdd(a1, x, y); a2 = S.MultiplyAdd(a2, x, y); a3 = S.MultiplyAdd(a3, x, y);
            a4 = S.MultiplyAdd(a4, x, y); a5 = S.MultiplyAdd(a5, x, y); a6 = S.MultiplyAdd(a6, x, y); a7 = S.MultiplyAdd(a7, x, y);
            a8 = S.MultiplyAdd(a8, x, y); a9 = S.MultiplyAdd(a9, x, y); a10 = S.MultiplyAdd(a10, x, y); a11 = S.MultiplyAdd(a11, x, y);
        }
        var sum = S.Add(S.Add(S.Add(a0, a1), S.Add(a2, a3)), S.Add(S.Add(S.Add(a4, a5), S.Add(a6, a7)), S.Add(S.Add(a8, a9), S.Add(a10, a11))));
        float* lane = stackalloc float[16];
        S.Store(lane, sum);
        return lane[0];
    }

    private static void Report(string name, double flop, double ms) => Console.WriteLine($"kernel {name} ms={ms:F3} gflops={flop / ms / 1e6:F1}");

    private static double Time(Action op, int reps, bool cpuTime)
    {
        op(); op();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            double t0 = cpuTime ? ThreadSeconds() : 0;
            var clock = Stopwatch.StartNew();
            op();
            times[i] = cpuTime ? (ThreadSeconds() - t0) * 1000 : clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[reps / 2];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
    }

    [StructLayout(LayoutKind.Sequential)] private struct TimeSpec { public long Seconds, Nanoseconds; }
    [DllImport("libc", EntryPoint = "clock_gettime")] private static extern int ClockGetTime(int clock, TimeSpec* time);

    // CLOCK_THREAD_CPUTIME_ID (Linux)
    private static double ThreadSeconds()
    {
        TimeSpec t;
        if (ClockGetTime(3, &t) != 0) throw new PlatformNotSupportedException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed; time by the wall clock");
        return t.Seconds + t.Nanoseconds * 1e-9;
    }
}

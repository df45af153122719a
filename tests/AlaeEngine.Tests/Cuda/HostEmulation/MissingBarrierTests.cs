using AlaeEngine.Cuda;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Verification;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda.HostEmulation;

/// <summary>
/// The emulation must fail a kernel that lacks a barrier it needs. run.sh builds, for every __syncthreads() of every
/// kernel file, a copy of the file without it; each test plants one such copy and runs parity cases until one of them
/// launches the copy and fails (wrong values, NaN from the poisoned shared memory, or a launch error). A barrier the
/// emulation cannot catch must be listed in <see cref="Redundant"/> with the reason no schedule needs it. Runs only
/// under run.sh (ignored elsewhere, a GPU included).
/// </summary>
public class MissingBarrierTests : GpuParity
{
    /// <summary>Barriers that no schedule of the block needs, as (file, barrier number in source order) → why.</summary>
    private static readonly Dictionary<(string Family, int Barrier), string> Redundant = new()
    {
        [("norm", 1)] = "block_sum_all's first barrier: the previous call's third barrier already made every thread finish " +
                        "reading shared (thread 0 the warp sums, all of them shared[32]) before any thread can write it again",
    };

    /// <summary>
    /// Cases whose blocks have 8 warps (rows of 300 elements, planes of 1024–4096): the op table's small shapes give
    /// one-warp blocks, where a barrier between warps cannot matter.
    /// </summary>
    private static IEnumerable<OpCase> WideCases()
    {
        yield return new OpCase("SumTo", "(4,300)→(4,1), 8 warps per row", [new InputSpec(new Shape(4, 300))],
            x => [Op.SumTo(x[0], new Shape(4, 1))], false);
        // the forward and its backward: 4096-element planes in registers (256 threads), and planes split in two pieces
        yield return new OpCase("InstanceNorm", "(2,2,64,64), 8 warps per plane", [new InputSpec(new Shape(2, 2, 64, 64))],
            x => { var (y, m, s) = Op.InstanceNorm(x[0], 1e-5, 1e-8); return [y, m, s]; }, false);
        yield return new OpCase("InstanceNorm", "(1,1,130,130), split planes", [new InputSpec(new Shape(1, 1, 130, 130))],
            x => { var (y, m, s) = Op.InstanceNorm(x[0], 1e-5, 1e-8); return [y, m, s]; }, false);
        // one block per plane calling the block sum once (bias) or twice (style) per plane, several planes per block
        yield return new OpCase("BiasLeakyReluBackward", "(2,3,32,32), 8 warps per plane", [new InputSpec(new Shape(2, 3, 32, 32)),
            new InputSpec(new Shape(2, 3, 32, 32), InputKind.AwayFromZero)], x => { var (gx, gb) = Op.BiasLeakyReluBackward(x[0], x[1]); return [gx, gb]; }, false);
        yield return new OpCase("StyleModBackward", "(2,3,32,32), 8 warps per plane", [new InputSpec(new Shape(2, 3, 32, 32)),
            new InputSpec(new Shape(2, 3, 32, 32)), new InputSpec(new Shape(2, 6))], x => { var (gx, gs) = Op.StyleModBackward(x[0], x[1], x[2]); return [gx, gs]; }, false);
        // 40 channels (two chunks of 32) and 320 pixels (every warp holds some), three blocks of work for two blocks
        yield return new OpCase("AddNoiseBackward", "(3,40,16,20), two channel chunks", [new InputSpec(new Shape(3, 40, 16, 20)),
            new InputSpec(new Shape(40)), new InputSpec(new Shape(3, 1, 16, 20))], x => { var (gw, gn) = Op.AddNoiseBackward(x[0], x[1], x[2]); return [gw, gn]; }, false);
    }

    private static int BarrierCount(string family)
    {
        string source = KernelCompiler.Source(family);
        int count = 0;
        for (int at = source.IndexOf("__syncthreads();", StringComparison.Ordinal); at >= 0;
             at = source.IndexOf("__syncthreads();", at + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    private static IEnumerable<TestCaseData> Barriers() =>
        from family in KernelCompiler.Families()
        from barrier in Enumerable.Range(1, BarrierCount(family))
        where !Redundant.ContainsKey((family, barrier))
        select new TestCaseData(family, barrier).SetName($"PlantedMissingBarrierFails {family} {barrier}");

    [TestCaseSource(nameof(Barriers))]
    public void PlantedMissingBarrierFails(string family, int barrier)
    {
        int savedGrid = Cuda.MaxBlocks;
        // two blocks: every block loops grid-stride, so barriers that order one pass before the next are needed as well
        Cuda.MaxBlocks = 2;
        try
        {
            using var planted = Emulation.PlantMissingBarrier(family, barrier);
            var passed = new List<string>();
            foreach (var c in WideCases().Concat(OpCases.All))
            {
                long before = planted.Launches;
                string? failure;
                try
                {
                    var worst = ParityCheck.Run(c, new ParitySide(Device.Cpu, DType.Float32), new ParitySide(Gpu, DType.Float32), ParityCheck.Tolerance(c))
                        .FirstOrDefault(r => !r.Passed);
                    failure = worst == null ? null : $"{worst.Check} {worst.Worst} error {worst.MaxError:G3}";
                }
                catch (CudaException e) { failure = e.Message.Split('\n')[0]; }
                if (planted.Launches == before) continue;
                if (failure != null)
                {
                    TestContext.Out.WriteLine($"kernels/{family}.cu without barrier {barrier}: caught by {c} ({failure})");
                    return;
                }
                passed.Add(c.ToString());
            }
            Assert.Fail($"kernels/{family}.cu without its barrier {barrier} passed every case that launched it " +
                        $"({(passed.Count == 0 ? "none did" : string.Join("; ", passed))}): add a case that needs the barrier, " +
                        "or list it in MissingBarrierTests.Redundant with the reason no schedule needs it");
        }
        finally { Cuda.MaxBlocks = savedGrid; }
    }

    [Test]
    public void RedundantBarriersExist()
    {
        foreach (var ((family, barrier), _) in Redundant)
            Assert.That(barrier, Is.InRange(1, BarrierCount(family)), $"kernels/{family}.cu has no barrier {barrier}");
    }

    [Test]
    public void WideCasesPassWithEveryBarrier()
    {
        int savedGrid = Cuda.MaxBlocks;
        Cuda.MaxBlocks = 2;
        try
        {
            foreach (var c in WideCases())
                foreach (var r in ParityCheck.Run(c, new ParitySide(Device.Cpu, DType.Float32), new ParitySide(Gpu, DType.Float32), ParityCheck.Tolerance(c)))
                    Assert.That(r.Passed, $"{c} {r.Check}: {r.Worst} error {r.MaxError:G3}");
        }
        finally { Cuda.MaxBlocks = savedGrid; }
    }
}

using System.CommandLine;
using AlaeEngine.Cuda;
using AlaeEngine.Tensors;
using AlaeEngine.Verification;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// `alae selftest`: every op of the op table, forward, backward and second order, on CUDA float32 against CPU float32
/// (or with --device cpu, CPU float32 against CPU float64), as a table. Exit codes: 0 all pass, 1 some fail,
/// 2 bad options, 3 no CUDA device (said in one line; --verbose adds the library search).
/// </summary>
internal static class SelfTestCommand
{
    public const int NoCudaDevice = 3;

    public static Command Create()
    {
        var device = ComputeDevice.Option("cuda", "cuda or cuda:N: CUDA float32 on that GPU against CPU float32; cpu: CPU float32 against CPU float64 (needs no GPU)");
        var tf32 = Opt.Of("--tf32", $"let cuBLAS use TF32 tensor cores (GEMM and conv tolerance {ParityCheck.Tf32:0E+00})", false);
        var seed = Opt.Of("--seed", "seed of the inputs and projections", 1UL);
        var verbose = Opt.Of("--verbose", "without a GPU, also list every path the CUDA library search tried", false);
        var cmd = new Command("selftest", "compare every op's forward, backward and second-order results across backends") { device, tf32, seed, verbose };
        cmd.SetAction(r => Run(r.GetValue(device)!, r.GetValue(tf32), r.GetValue(seed), r.GetValue(verbose)));
        return cmd;
    }

    private static int Run(string device, bool tf32, ulong seed, bool verbose)
    {
        ParitySide reference, candidate;
        ComputeDevice.TryParse(device, out var chosen); // the option's parser has checked the name
        if (chosen.Kind == DeviceKind.Cpu)
        {
            if (tf32) throw new ArgumentException("--tf32 applies to --device cuda only");
            reference = new(Device.Cpu, DType.Float64);
            candidate = new(Device.Cpu, DType.Float32);
            Console.WriteLine("selftest: CPU float32 against CPU float64");
        }
        else
        {
            if (!CudaBackend.IsAvailable(out string why, chosen.Index))
            {
                Console.Error.WriteLine($"alae selftest: no GPU found for --device {device} ({CudaBackend.Briefly(why)}{ComputeDevice.VisibleDevicesNote()}); " +
                                        $"`alae selftest --device cpu` checks the CPU (float32 against float64){(verbose ? "" : ", --verbose shows the library search")}");
                if (verbose) Console.Error.WriteLine(why);
                return NoCudaDevice;
            }
            var gpu = CudaBackend.Start(chosen.Index);
            reference = new(Device.Cpu, DType.Float32);
            candidate = new(gpu.Device, DType.Float32);
            Console.WriteLine($"selftest: CUDA float32 on {chosen} = {gpu.Description} ({gpu.Versions()}{ComputeDevice.VisibleDevicesNote()}) " +
                              $"against CPU float32{(tf32 ? ", TF32 GEMMs" : "")}");
            foreach (var line in CudaBackend.Libraries()) Console.WriteLine($"  {line}");
        }

        bool savedTf32 = CudaKernels.AllowTf32;
        CudaKernels.AllowTf32 = tf32;
        try
        {
            return PrintTable(reference, candidate, tf32, seed);
        }
        finally { CudaKernels.AllowTf32 = savedTf32; }
    }

    private static int PrintTable(ParitySide reference, ParitySide candidate, bool tf32, ulong seed)
    {
        int failed = 0, total = 0;
        Console.WriteLine($"{"op",-20} {"case",-34} {"check",-5} {"shape",-36} {"max error",10} {"tolerance",10}  result");
        foreach (var c in OpCases.All)
        {
            List<ParityResult> results;
            try
            {
                results = ParityCheck.Run(c, reference, candidate, ParityCheck.Tolerance(c, tf32), seed);
            }
            catch (Exception e)
            {
                // a kernel that fails to compile or launch is a failed case; the other cases still run
                total++; failed++;
                Console.WriteLine($"{c.Op,-20} {Trim(c.Label, 34),-34} {"-",-5} {Trim(ParityCheck.InputShapes(c), 36),-36} " +
                                  $"{"-",10} {"-",10}  ERROR {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                continue;
            }
            foreach (var r in results)
            {
                total++;
                if (!r.Passed) failed++;
                string result = r.Passed ? "pass" : $"FAIL ({r.Worst})";
                Console.WriteLine($"{c.Op,-20} {Trim(c.Label, 34),-34} {r.Check,-5} {Trim(r.Shapes, 36),-36} {r.MaxError,10:0.00E+00} {r.Tolerance,10:0E+00}  {result}");
            }
        }
        Console.WriteLine($"{total - failed} passed, {failed} failed ({candidate} against {reference}, {OpCases.All.Count} cases)");
        return failed == 0 ? 0 : 1;
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}

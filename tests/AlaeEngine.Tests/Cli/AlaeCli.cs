using AlaeEngine.Cli;
using AlaeEngine.Cpu;

namespace AlaeEngine.Tests.Cli;

/// <summary>
/// Runs an `alae` command line in this process, as Program.cs does, with standard output and error captured. The
/// console is process-wide, so runs are serialised; the CPU thread count a command sets is restored afterwards.
/// </summary>
internal static class AlaeCli
{
    private static readonly object Gate = new();

    public sealed record Result(int ExitCode, string Out, string Error);

    public static Result Run(params string[] args)
    {
        lock (Gate)
        {
            var (stdout, stderr, threads) = (Console.Out, Console.Error, CpuKernels.Threads);
            var (capturedOut, capturedError) = (new StringWriter(), new StringWriter());
            Console.SetOut(capturedOut);
            Console.SetError(capturedError);
            try
            {
                int exit = CliRunner.InvokeAsync(AlaeCommand.Create(), args).GetAwaiter().GetResult();
                return new Result(exit, capturedOut.ToString(), capturedError.ToString());
            }
            finally
            {
                Console.SetOut(stdout);
                Console.SetError(stderr);
                CpuKernels.Threads = threads;
            }
        }
    }
}

using System.CommandLine;
using AlaeEngine.Verification;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae gradcheck`: every op of the op table against finite differences in float64, as a table.</summary>
internal static class GradCheckCommand
{
    public static Command Create()
    {
        var tol = Opt.Of("--tolerance", "largest relative error that passes", 1e-6);
        var cmd = new Command("gradcheck", "check every op's first- and second-order gradients against finite differences (CPU, float64)") { tol };
        cmd.SetAction(r =>
        {
            double tolerance = r.GetValue(tol);
            int failed = 0, total = 0;
            Console.WriteLine($"{"op",-22} {"case",-40} {"order",5} {"rel. error",11}  result");
            foreach (var c in OpCases.All)
            {
                var results = GradCheck.FirstOrder(c).Select(x => (order: 1, x)).ToList();
                if (c.SecondOrder) results.AddRange(GradCheck.SecondOrder(c).Select(x => (order: 2, x)));
                foreach (var order in results.GroupBy(t => t.order))
                {
                    double worst = order.Max(t => t.x.RelativeError);
                    bool ok = worst <= tolerance;
                    total++; if (!ok) failed++;
                    Console.WriteLine($"{c.Op,-22} {Trim(c.Label, 40),-40} {order.Key,5} {worst,11:E2}  {(ok ? "pass" : "FAIL")}");
                }
            }
            Console.WriteLine($"{total - failed} passed, {failed} failed (tolerance {tolerance:E0})");
            return failed == 0 ? 0 : 1;
        });
        return cmd;
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}

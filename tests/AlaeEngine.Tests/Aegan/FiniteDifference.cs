using AlaeEngine.Nn;
using AlaeEngine.Tensors;

namespace AlaeEngine.Tests.Aegan;

/// <summary>Central finite differences of a float64 scalar in single elements of CPU parameters.</summary>
internal static class FiniteDifference
{
    public const double Step = 1e-6;

    /// <summary>(∂f/∂p[index]) by (f(p + h) − f(p − h)) / 2h, restoring the element afterwards.</summary>
    public static double Derivative(Func<double> f, Tensor p, int index, double step = Step)
    {
        var span = p.Span<double>();
        double keep = span[index];
        span[index] = keep + step; double plus = f();
        span[index] = keep - step; double minus = f();
        span[index] = keep;
        return (plus - minus) / (2 * step);
    }

    /// <summary>About <paramref name="count"/> (parameter, element) pairs spread over all parameters, every parameter at least once.</summary>
    public static List<(string path, Parameter p, int index)> Sample(IReadOnlyList<(string path, Parameter p)> parameters, int count, int seed)
    {
        var r = new Random(seed);
        long total = parameters.Sum(t => (long)t.p.Value.Length);
        var picks = new List<(string, Parameter, int)>();
        foreach (var (path, p) in parameters)
        {
            int k = Math.Max(1, (int)Math.Round((double)count * p.Value.Length / total));
            for (int i = 0; i < Math.Min(k, p.Value.Length); i++) picks.Add((path, p, r.Next(p.Value.Length)));
        }
        return picks;
    }
}

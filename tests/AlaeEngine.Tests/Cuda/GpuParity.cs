using AlaeEngine.Cpu;
using AlaeEngine.Cuda;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda;

/// <summary>
/// Base of the GPU parity tests: each test runs one <see cref="IKernels"/> method on random inputs with
/// <see cref="CpuKernels"/> and with <see cref="CudaKernels"/> and compares the results element by element.
/// Without a GPU the fixture is one skipped entry (<see cref="GpuFixtureAttribute"/>).
/// </summary>
[GpuFixture]
public abstract class GpuParity
{
    protected static readonly Device Gpu = Device.Cuda(0);
    protected CudaKernels Cuda { get; private set; } = null!;
    private TensorScope? _scope;

    [OneTimeSetUp]
    public void StartGpu()
    {
        Cuda = CudaBackend.Start();
        TestContext.Out.WriteLine($"CUDA device: {Cuda.Description}, {Cuda.Versions()}");
    }

    [SetUp] public void BeginScope() => _scope = TensorScope.Begin();
    [TearDown] public void EndScope() => _scope?.Dispose();

    protected static Tensor Rand(int[] dims, DType dtype, int seed, double lo = -1, double hi = 1) => Rand(new Shape(dims), dtype, seed, lo, hi);

    /// <summary>A CPU tensor of uniform numbers in [lo, hi).</summary>
    protected static Tensor Rand(Shape shape, DType dtype, int seed, double lo = -1, double hi = 1)
    {
        var r = new Random(seed);
        var d = new double[shape.Length];
        for (int i = 0; i < d.Length; i++) d[i] = lo + (hi - lo) * r.NextDouble();
        var t = Tensor.FromArray(d, shape);
        if (dtype == DType.Float64) return t;
        var f = t.Cast(DType.Float32);
        t.Dispose();
        return f;
    }

    /// <summary>
    /// Copies every tensor to the GPU, runs op on both backends, and compares the tensors at the given indices
    /// (outputs, and inputs updated in place): |gpu − cpu| ≤ atol + rtol·|cpu|.
    /// </summary>
    protected void Parity(string what, Tensor[] cpu, int[] compare, Action<IKernels, Tensor[]> op, Tolerance tol)
    {
        var gpu = cpu.Select(t => t.MoveTo(Gpu)).ToArray();
        op(CpuKernels.Instance, cpu);
        op(Cuda, gpu);
        foreach (int i in compare) AssertClose(cpu[i], gpu[i], tol.For(cpu[i].DType), $"{what}, tensor {i} {cpu[i].Shape}");
    }

    protected static void AssertClose(Tensor expected, Tensor actual, (double Rtol, double Atol) tol, string what)
    {
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        Assert.That(a, Has.Length.EqualTo(e.Length), what);
        int bad = 0;
        double maxAbs = 0;
        var first = new List<string>();
        for (int i = 0; i < e.Length; i++)
        {
            double d = Math.Abs(a[i] - e[i]);
            if (double.IsNaN(a[i]) != double.IsNaN(e[i]) || d > tol.Atol + tol.Rtol * Math.Abs(e[i]))
            {
                bad++;
                if (first.Count < 5) first.Add($"[{i}] cpu {e[i]:R} gpu {a[i]:R}");
            }
            if (!double.IsNaN(d)) maxAbs = Math.Max(maxAbs, d);
        }
        Assert.That(bad, Is.Zero, $"{what}: {bad} of {e.Length} elements differ beyond rtol {tol.Rtol}, atol {tol.Atol} " +
                                  $"(max abs error {maxAbs:G3}): {string.Join("; ", first)}");
    }

    /// <summary>Per-dtype tolerances of one op.</summary>
    protected readonly record struct Tolerance(double Rtol32, double Atol32, double Rtol64, double Atol64)
    {
        public (double, double) For(DType d) => d == DType.Float32 ? (Rtol32, Atol32) : (Rtol64, Atol64);

        /// <summary>Elementwise ops: the same operations, rounded alike up to the math library's last ulp.</summary>
        public static readonly Tolerance Elementwise = new(1e-5, 1e-6, 1e-12, 1e-14);
        /// <summary>Sums, products and convolutions: the summation order differs.</summary>
        public static readonly Tolerance Reduction = new(1e-4, 1e-4, 1e-10, 1e-11);
        public static readonly Tolerance Exact = new(0, 0, 0, 0);
    }
}

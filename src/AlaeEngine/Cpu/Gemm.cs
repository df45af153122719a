using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace AlaeEngine.Cpu;

/// <summary>
/// C ← alpha·op(A)·op(B) + beta·C on the CPU, in the BLIS/GotoBLAS structure: for each NC-wide column block and
/// KC-deep slice of K, a KC × NC block of B is packed into NR-wide micro-panels; for each MC-high row block of A, an
/// MC × KC block is packed into MR-high micro-panels (or, for a narrow C and an Aᵀ whose rows already are micro-panels,
/// read in place; or gathered row by row where its rows lie, as a convolution's im2col rows do; likewise B where its
/// micro-panels' rows are runs of memory, as a stride-1 convolution's windows are); then the
/// <see cref="GemmMicroKernel{T}"/> runs over every MR × NR tile of C. Operands come through
/// <see cref="IGemmA{T}"/>, <see cref="IGemmB{T}"/> and <see cref="IGemmC{T}"/>, so transposes, convolution windows
/// (im2col) and batch-strided layouts are read while packing, never copied whole. An x·Wᵀ with few rows of x runs as
/// (W·xᵀ)ᵀ, W's rows read where they lie instead of packed (<see cref="GathersWeightRows{T}"/>).
/// Threads split C into column (or row) ranges of whole micro-tiles and each runs the full loop on its range (so each packs
/// all of the operand it does not split: the split picks the cheaper to duplicate, see <see cref="Run{T,TA,TB,TC}"/>): every
/// element of C is summed by one thread in one fixed order, so results do not depend on the thread count (nor, on a
/// CPU with FMA, on the SIMD width: the kernels differ only in NR).
/// </summary>
internal static unsafe class Gemm
{
    // below this many multiply-adds a thread hand-off (≈ 10 µs) costs more than it saves
    private const long ParallelThreshold = 1 << 18;

    /// <summary>The SIMD width of the micro-kernel; the widest the CPU runs natively unless a test narrows it.</summary>
    public static SimdWidth Width { get; set; } = Simd.Widest;

    /// <summary>Row-major dense matrices: op(A) is M × K, op(B) K × N, C M × N.</summary>
    public static void Run<T>(int m, int n, int k, T alpha, ReadOnlySpan<T> a, bool transA, ReadOnlySpan<T> b, bool transB, T beta, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m < 0 || n < 0 || k < 0 || a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
            throw new ArgumentException($"Gemm: {m}×{k} · {k}×{n} needs operands of {(long)m * k}, {(long)k * n} and {(long)m * n} elements, got {a.Length}, {b.Length}, {c.Length}");
        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            if (transB && T.IsZero(beta) && GathersWeightRows(GemmMicroKernel<T>.For(Width), m, n, k)) RunAsTransposed(m, n, k, alpha, pa, transA, pb, pc);
            else Run(m, n, k, alpha, new DenseA<T>(pa, transA ? m : k, transA), new DenseB<T>(pb, transB ? k : n, transB), beta, new DenseC<T>(pc, n));
        }
    }

    /// <summary>Whether x·Wᵀ may be computed as (W·xᵀ)ᵀ at all (tests turn it off to compare the two paths bit for bit).</summary>
    internal static bool AllowWeightRowsGathered { get; set; } = true;

    // x·Wᵀ (W: N × K, stored with K along its rows) packs Wᵀ into micro-panels on every call: a transposing pass over all of
    // W through memory that nothing overlaps (128×1024×1024: 0.16–0.25 ms of 1.5–1.8). As (W·xᵀ)ᵀ, the micro-kernel
    // broadcasts W's elements where they lie, MR rows at a time, and W streams in while the FMAs run: with W and x cold,
    // 128×1024×1024 1.83 → 1.59 ms, 32×1024×1024 0.75 → 0.55, 128×784×1024 1.33 → 1.21, 256×1024×1024 3.36 → 3.16. It
    // pays when x has a few whole micro-panels of rows (M a multiple of NR up to 256: 40 or 48 rows, padded to 64, were
    // 12–16 % slower, 512 rows 2 % slower) and W is big (128×256×256: 10 % slower, 128×1024×256 even), bench/NOTES.md.
    // Same products in the same order, so the same bits.
    internal static bool GathersWeightRows<T>(GemmMicroKernel<T> kernel, int m, int n, int k) where T : unmanaged, IFloatingPointIeee754<T>
        => AllowWeightRowsGathered && m > 0 && m % kernel.NR == 0 && m <= 256 && k >= 512 && (long)n * k >= 1 << 18;

    // C (M × N) ← alpha·op(A)·Wᵀ as Cᵀ = alpha·W·op(A)ᵀ into a scratch Cᵀ (N × M), then transposed into C
    private static void RunAsTransposed<T>(int m, int n, int k, T alpha, T* a, bool transA, T* w, T* c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var transposed = HostMemoryPool.Rent<T>(m * n);
        try
        {
            fixed (T* ct = transposed)
            {
                Run(n, m, k, alpha, new RowsA<T>(w, k), new DenseB<T>(a, transA ? m : k, !transA), T.Zero, new DenseC<T>(ct, m));
                PackTranspose.Matrix(ct, n, m, c);
            }
        }
        finally { HostMemoryPool.Return(transposed); }
    }

    /// <summary>
    /// C ← alpha·A·B + beta·C for operands that pack themselves (the caller keeps their memory alive and pinned), on at
    /// most threads workers (0: <see cref="CpuKernels.Threads"/>).
    /// </summary>
    public static void Run<T, TA, TB, TC>(int m, int n, int k, T alpha, TA a, TB b, T beta, TC c, int threads = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IGemmA<T> where TB : struct, IGemmB<T> where TC : struct, IGemmC<T>
    {
        if (m == 0 || n == 0) return;
        var kernel = GemmMicroKernel<T>.For(Width);
        int mr = kernel.MR, nr = kernel.NR;
        int rowTiles = (m + mr - 1) / mr, colTiles = (n + nr - 1) / nr;
        threads = (long)m * n * k < ParallelThreshold ? 1 : threads > 0 ? threads : CpuKernels.Threads;
        // every worker packs the whole of the operand it does not split: split C's columns when A (M × K) is the smaller
        // one to pack twice, if there are columns enough to share evenly; else whichever side has more tiles
        bool splitColumns = colTiles >= rowTiles || (m <= n && colTiles >= 4 * threads);
        int tiles = splitColumns ? colTiles : rowTiles;
        int workers = Math.Min(threads, tiles);
        if (workers <= 1)
        {
            Block(kernel, 0, m, 0, n, k, alpha, a, b, beta, c);
            return;
        }
        CpuParallel.Split(tiles, workers, (lo, hi) =>
        {
            if (splitColumns) Block(kernel, 0, m, lo * nr, Math.Min(n, hi * nr), k, alpha, a, b, beta, c);
            else Block(kernel, lo * mr, Math.Min(m, hi * mr), 0, n, k, alpha, a, b, beta, c);
        });
    }

    // C[i0..i1, j0..j1] on one thread: the five loops around the micro-kernel (optimised at once: the loops and the packing
    // inlined into them are hot from the first call, and a tier-0 build is tens of times slower)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T, TA, TB, TC>(GemmMicroKernel<T> kernel, int i0, int i1, int j0, int j1, int k, T alpha, TA a, TB b, T beta, TC c)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IGemmA<T> where TB : struct, IGemmB<T> where TC : struct, IGemmC<T>
    {
        int mr = kernel.MR, nr = kernel.NR, kcMax = kernel.KC;
        // (16,512,8,8) conv weight gradient, 512 × 4608 × 1024: B block 4 MiB 30.3–31.0 ms, 1 MiB 26.7–27.5 (bench/NOTES.md)
        int mcMax = Math.Min(kernel.MC, RoundUp(i1 - i0, mr));
        int ncMax = Math.Min(i1 - i0 > mcMax ? kernel.NCReread : kernel.NC, RoundUp(j1 - j0, nr));
        // a narrow C uses each element of A for few multiply-adds, so packing A, a pass over all of it in a phase of its
        // own, costs as much as the FMAs (4608×64×512 Aᵀ·B: ≈ 1 ms of packing against 1.4 ms of FMAs at peak); where A's
        // rows are already micro-panels (Aᵀ), the micro-kernel reads them where they are (bench/NOTES.md, "A read in place")
        bool inPlace = ReadsAInPlace<T, TA>(a, i0, j1 - j0);
        int aLen = mcMax * kcMax, bLen = kcMax * ncMax, tileLen = mr * nr;
        var scratch = Scratch.Rent(2 * kcMax * sizeof(long) + (aLen + bLen + tileLen) * sizeof(T));
        T** aRows = stackalloc T*[mr];
        try
        {
            // B's row offsets when it is read in place, A's column offsets when it is gathered (kcMax longs each keep the
            // packed buffers 64-byte aligned)
            long* bRows = (long*)scratch.Pointer, aSteps = bRows + kcMax;
            T* ap = (T*)(aSteps + kcMax), bp = ap + aLen, tile = bp + bLen;
            for (int jc = j0; jc < j1; jc += ncMax)
            {
                int nc = Math.Min(ncMax, j1 - jc);
                // k = 0 still passes once, with an empty sum, so that C ← beta·C
                for (int pc = 0; pc < k || pc == 0; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, k - pc);
                    T betaK = pc == 0 ? beta : T.One;
                    bool gathers = !inPlace && a.Gathers(pc, kc, aSteps);
                    // read in place, only a last panel of fewer than NR columns is packed
                    int wholeB = AllowBInPlace && !gathers && b.ReadsInPlace(pc, kc, nr / 2, bRows) ? nc / nr * nr : 0;
                    if (wholeB < nc) b.Pack(pc, kc, jc + wholeB, nc - wholeB, bp + wholeB * kc, nr);
                    for (int ic = i0; ic < i1; ic += mcMax)
                    {
                        int mc = Math.Min(mcMax, i1 - ic);
                        // read in place or gathered, only a last strip of fewer than MR rows is packed
                        int whole = inPlace || gathers ? mc / mr * mr : 0;
                        if (whole < mc) a.Pack(ic + whole, mc - whole, pc, kc, ap + whole * kc, mr);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            bool bInPlace = jr < wholeB;
                            T* bt = bInPlace ? b.Columns(jc + jr) : bp + jr * kc, bHigh = bInPlace ? b.Columns(jc + jr + nr / 2) : null;
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int aStep = mr, rows = Math.Min(mr, mc - ir), cols = Math.Min(nr, nc - jr);
                                if (ir < whole && gathers)
                                {
                                    for (int r = 0; r < mr; r++) aRows[r] = a.Row(ic + ir + r);
                                    Tile(kernel, kernel.RunAGathered, kc, null, 0, aRows, aSteps, bt, null, null, ic + ir, jc + jr, rows, cols, tile, alpha, betaK, c);
                                    continue;
                                }
                                T* at = ir < whole ? a.InPlace(ic + ir, pc, out aStep) : ap + ir * kc;
                                Tile(kernel, bInPlace ? kernel.RunBInPlace : kernel.Run, kc, at, aStep, null, null, bt, bHigh, bInPlace ? bRows : null,
                                    ic + ir, jc + jr, rows, cols, tile, alpha, betaK, c);
                            }
                        }
                    }
                    if (k == 0) break;
                }
            }
        }
        finally { Scratch.Return(scratch); }
    }

    /// <summary>Whether B may be read in place at all (tests turn it off to compare the two paths bit for bit).</summary>
    internal static bool AllowBInPlace { get; set; } = true;

    /// <summary>Whether A may be read in place at all (tests turn it off to compare the two paths bit for bit).</summary>
    internal static bool AllowAInPlace { get; set; } = true;

    // In place wins when C has at most 64 columns (4608×64×512: 119 → 202 GFLOP/s; 1024×64×512: 117 → 153), and up to
    // 256 unless A's row stride is a multiple of 4 KiB, whose rows all fall into the same few cache sets (1024×256×512,
    // stride 4 KiB: 177 packed, 145 in place; with stride 4,000 bytes 171 → 195; 4608×256×512: 172 → 202).
    internal static bool ReadsAInPlace<T, TA>(TA a, int i0, int columns) where T : unmanaged where TA : struct, IGemmA<T>
    {
        if (!AllowAInPlace || a.InPlace(i0, 0, out int step) == null) return false;
        return columns <= 64 || (columns <= 256 && (long)step * sizeof(T) % 4096 != 0);
    }

    // one MR × NR tile of C at (i, j), rows × cols of it inside C, by the kernel run (the operand arguments as it reads them)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<T, TC>(GemmMicroKernel<T> kernel, delegate*<int, T*, int, T**, long*, T*, T*, long*, T*, int, T, T, void> run,
        int kc, T* a, int aStep, T** aRows, long* aSteps, T* b, T* bHigh, long* bRows, int i, int j, int rows, int cols, T* tile, T alpha, T beta, TC c)
        where T : unmanaged, IFloatingPointIeee754<T> where TC : struct, IGemmC<T>
    {
        int ldc = 0;
        T* ct = rows == kernel.MR && cols == kernel.NR ? c.Tile(i, j, cols, out ldc) : null;
        if (ct != null) run(kc, a, aStep, aRows, aSteps, b, bHigh, bRows, ct, ldc, alpha, beta);
        else
        {
            // edge or scattered tile: the same sums into a scratch tile, then merged element by element
            run(kc, a, aStep, aRows, aSteps, b, bHigh, bRows, tile, kernel.NR, T.One, T.Zero);
            c.Merge(i, j, rows, cols, tile, kernel.NR, alpha, beta);
        }
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    /// <summary>
    /// A packing buffer: a pinned array, 64-byte aligned so the micro-kernel's vector loads never split a cache line.
    /// Kept in a pool across calls (one per worker in flight), so a training step allocates nothing here.
    /// </summary>
    private sealed class Scratch
    {
        private static readonly ConcurrentBag<Scratch> Pool = new();
        private byte[] _array = [];
        public byte* Pointer { get; private set; }

        public static Scratch Rent(int bytes)
        {
            if (!Pool.TryTake(out var s)) s = new Scratch();
            if (s._array.Length < bytes + 64)
            {
                s._array = GC.AllocateUninitializedArray<byte>(bytes + 64, pinned: true);
                fixed (byte* p = s._array) s.Pointer = (byte*)(((nint)p + 63) & ~(nint)63);
            }
            return s;
        }

        public static void Return(Scratch s) => Pool.Add(s);
    }
}

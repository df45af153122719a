using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlaeEngine.Cpu;

/// <summary>
/// The register-blocked inner kernel of <see cref="Gemm"/> and the block sizes that feed it, for one element type and
/// SIMD width. The kernel keeps an MR×NR tile of C in registers, two vectors wide: with AVX-512 (32 vector registers)
/// MR = 8 rows in 16 accumulators (8×32 floats), with AVX2 and 128-bit vectors (16 registers) MR = 6 rows in 12 (6×16,
/// 6×8 floats). It streams a packed A micro-panel (kc × MR, p-major) and a packed B micro-panel (kc × NR, p-major): per
/// k step two vector loads, MR broadcasts and 2·MR FMAs. A's MR values of step p are read at a + p·aStep: aStep = MR for
/// a packed panel, or the row stride of an Aᵀ stored K × M, read in place; or gathered (<see cref="RunAGathered"/>: the
/// im2col rows of a convolution's weight gradient) at aRows[r] + aSteps[p]. B's two vectors of step p are read at
/// b + p·NR and b + p·NR + NR/2 from a packed panel (<see cref="Run"/>), or, read in place (<see cref="RunBInPlace"/>: a
/// convolution's windows), at b + bRows[p] and bHigh + bRows[p].
/// Block sizes: a B micro-panel (KC·NR elements: 32 KiB for float at 512 bits) stays in L1 while the A block (MC × KC,
/// 144 KiB for float) sits in L2, and the B block (KC × NC, 4 MiB) in L3; a B block that several A blocks reread (M above
/// MC) is cut to KC × NCReread (1 MiB) so that it stays in L2 between them. KC is the same at every width of one type, and
/// a tile's shape does not enter any element's sum, so each element of C is summed in the same order (KC-long FMA
/// chains, added to C in order) whatever the width or the thread count.
/// </summary>
internal readonly unsafe struct GemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// tile(MR × NR at c, row stride ldc) ← alpha · Σₚ a[p·aStep + r] · b[p·NR + j] + beta · tile (beta = 0: c is not read);
    /// the arguments aRows, aSteps, bHigh and bRows are not used. Arguments: kc, a, aStep, aRows, aSteps, b, bHigh, bRows, c,
    /// ldc, alpha, beta.
    /// </summary>
    public delegate*<int, T*, int, T**, long*, T*, T*, long*, T*, int, T, T, void> Run { get; private init; }

    /// <summary>The same sums with B read where it lies: b[p, j] = (j &lt; NR/2 ? b : bHigh)[bRows[p] + j % (NR/2)].</summary>
    public delegate*<int, T*, int, T**, long*, T*, T*, long*, T*, int, T, T, void> RunBInPlace { get; private init; }

    /// <summary>The same sums with A gathered where it lies: a[p, r] = aRows[r][aSteps[p]] (a convolution's im2col rows).</summary>
    public delegate*<int, T*, int, T**, long*, T*, T*, long*, T*, int, T, T, void> RunAGathered { get; private init; }

    public readonly int MR, NR, KC, MC, NC, NCReread;
    public readonly SimdWidth Width;

    private GemmMicroKernel(SimdWidth width, int rows, int lanes)
    {
        Width = width; MR = rows; NR = 2 * lanes;
        bool single = typeof(T) == typeof(float);
        KC = 256;
        MC = single ? 144 : 72; // a multiple of both MRs
        NC = single ? 4096 : 2048;
        NCReread = NC / 4;
    }

    public static GemmMicroKernel<T> For(SimdWidth width) => width switch
    {
        SimdWidth.Bits512 => Create<Vector512<T>, Lanes512<T>, EightRows>(width),
        SimdWidth.Bits256 => Create<Vector256<T>, Lanes256<T>, SixRows>(width),
        _ => Create<Vector128<T>, Lanes128<T>, SixRows>(width),
    };

    private static GemmMicroKernel<T> Create<TV, S, R>(SimdWidth width)
        where TV : struct where S : struct, ISimdLanes<TV, T> where R : struct, ITileRows
        => new(width, R.Count, S.Count)
        {
            Run = &Kernel<TV, S, R, PackedPanels>,
            RunBInPlace = &Kernel<TV, S, R, BInPlace>,
            RunAGathered = &Kernel<TV, S, R, GatheredA>,
        };

    // R fixes the tile's rows and O how the operands are read, at JIT time (struct type arguments: the 8-row lines vanish
    // from the 6-row kernel's code, the offset loads from the packed kernel's)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<TV, S, R, O>(int kc, T* a, int aStep, T** aRows, long* aSteps, T* b, T* bHigh, long* bRows, T* c, int ldc, T alpha, T beta)
        where TV : struct where S : struct, ISimdLanes<TV, T> where R : struct, ITileRows where O : struct, IOperandRead
    {
        int w = S.Count;
        bool eight = R.Count == 8, inPlace = O.ReadsBInPlace;
        // decided before the loop: a call after it would make the JIT keep the accumulators in memory
        bool readC = !T.IsZero(beta);
        // gathered: row r of the tile reads at aRow r + aSteps[p] (the rows past six only in the 8-row kernel). Each
        // broadcast is chosen whole, on O.GathersA itself (not a local copy of it), so that every kernel broadcasts from
        // memory in one instruction: choosing the value, or the address, or testing a local made the JIT load the value
        // first or add a lea per row (the packed kernel's listing, checked with DOTNET_JitDisasm, is the one it had
        // before gathering existed, registers aside)
        T* a0 = null, a1 = null, a2 = null, a3 = null, a4 = null, a5 = null, a6 = null, a7 = null;
        if (O.GathersA)
        {
            a0 = aRows[0]; a1 = aRows[1]; a2 = aRows[2]; a3 = aRows[3]; a4 = aRows[4]; a5 = aRows[5];
            if (eight) { a6 = aRows[6]; a7 = aRows[7]; }
        }
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        TV c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            TV b0, b1;
            if (inPlace) { long row = bRows[p]; b0 = S.Load(b + row); b1 = S.Load(bHigh + row); }
            else { b0 = S.Load(b); b1 = S.Load(b + w); b += 2 * w; }
            long o = O.GathersA ? aSteps[p] : 0;
            TV x = (O.GathersA ? S.Splat(a0[o]) : S.Splat(a[0])); c00 = S.MultiplyAdd(x, b0, c00); c01 = S.MultiplyAdd(x, b1, c01);
            x = (O.GathersA ? S.Splat(a1[o]) : S.Splat(a[1])); c10 = S.MultiplyAdd(x, b0, c10); c11 = S.MultiplyAdd(x, b1, c11);
            x = (O.GathersA ? S.Splat(a2[o]) : S.Splat(a[2])); c20 = S.MultiplyAdd(x, b0, c20); c21 = S.MultiplyAdd(x, b1, c21);
            x = (O.GathersA ? S.Splat(a3[o]) : S.Splat(a[3])); c30 = S.MultiplyAdd(x, b0, c30); c31 = S.MultiplyAdd(x, b1, c31);
            x = (O.GathersA ? S.Splat(a4[o]) : S.Splat(a[4])); c40 = S.MultiplyAdd(x, b0, c40); c41 = S.MultiplyAdd(x, b1, c41);
            x = (O.GathersA ? S.Splat(a5[o]) : S.Splat(a[5])); c50 = S.MultiplyAdd(x, b0, c50); c51 = S.MultiplyAdd(x, b1, c51);
            if (eight)
            {
                x = (O.GathersA ? S.Splat(a6[o]) : S.Splat(a[6])); c60 = S.MultiplyAdd(x, b0, c60); c61 = S.MultiplyAdd(x, b1, c61);
                x = (O.GathersA ? S.Splat(a7[o]) : S.Splat(a[7])); c70 = S.MultiplyAdd(x, b0, c70); c71 = S.MultiplyAdd(x, b1, c71);
            }
            if (!O.GathersA) a += aStep;
        }
        TV va = S.Splat(alpha), vb = S.Splat(beta);
        StoreRow<TV, S>(c, c00, c01, va, vb, readC); c += ldc;
        StoreRow<TV, S>(c, c10, c11, va, vb, readC); c += ldc;
        StoreRow<TV, S>(c, c20, c21, va, vb, readC); c += ldc;
        StoreRow<TV, S>(c, c30, c31, va, vb, readC); c += ldc;
        StoreRow<TV, S>(c, c40, c41, va, vb, readC); c += ldc;
        StoreRow<TV, S>(c, c50, c51, va, vb, readC);
        if (eight)
        {
            c += ldc; StoreRow<TV, S>(c, c60, c61, va, vb, readC);
            c += ldc; StoreRow<TV, S>(c, c70, c71, va, vb, readC);
        }
    }

    // the same operations, in the same order, as GemmOperands.Combine does for one element
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TV, S>(T* c, TV acc0, TV acc1, TV alpha, TV beta, bool readC)
        where TV : struct where S : struct, ISimdLanes<TV, T>
    {
        int w = S.Count;
        if (readC)
        {
            S.Store(c, S.Add(S.Multiply(alpha, acc0), S.Multiply(beta, S.Load(c))));
            S.Store(c + w, S.Add(S.Multiply(alpha, acc1), S.Multiply(beta, S.Load(c + w))));
        }
        else
        {
            S.Store(c, S.Multiply(alpha, acc0));
            S.Store(c + w, S.Multiply(alpha, acc1));
        }
    }
}

/// <summary>The rows of a micro-kernel's tile, as a type: 8 where 32 vector registers hold 16 accumulators, else 6.</summary>
internal interface ITileRows
{
    static abstract int Count { get; }
}

internal readonly struct SixRows : ITileRows
{
    public static int Count => 6;
}

internal readonly struct EightRows : ITileRows
{
    public static int Count => 8;
}

/// <summary>
/// How the micro-kernel reads its operands, as a type: A from a packed (or in-place) micro-panel or gathered row by row,
/// B from a packed micro-panel or in place through row offsets (never both kinds of gathering at once).
/// </summary>
internal interface IOperandRead
{
    static abstract bool GathersA { get; }
    static abstract bool ReadsBInPlace { get; }
}

internal readonly struct PackedPanels : IOperandRead
{
    public static bool GathersA => false;
    public static bool ReadsBInPlace => false;
}

internal readonly struct BInPlace : IOperandRead
{
    public static bool GathersA => false;
    public static bool ReadsBInPlace => true;
}

internal readonly struct GatheredA : IOperandRead
{
    public static bool GathersA => true;
    public static bool ReadsBInPlace => false;
}

namespace AlaeEngine.Cuda;

/// <summary>
/// How SumTo's kernels (kernels/reduce.cu) cover one reduction: which kernel, the vector width, the block size, and how
/// the work is split into work items and, when there are too few dst elements to fill the GPU, into splits that a
/// second launch adds up. A function of the shapes (and of x's alignment) only, never of the GPU, so a reduction adds
/// its numbers in the same order on every GPU and every run.
/// </summary>
/// <param name="Rows">the innermost merged axis is summed (sum_to_rows), else kept (sum_to_columns)</param>
/// <param name="Vector">elements per load: 16 / element size when x is 16-byte aligned and the innermost axis a multiple of it, else 1</param>
/// <param name="Chunk">sum_to_rows: positions of one dst element per split (a multiple of Vector)</param>
/// <param name="RowsPerSplit">sum_to_columns: rows per split</param>
/// <param name="LaneShift">sum_to_columns: log₂ of the lanes (column vectors) of a block; the rest of its threads are row groups</param>
/// <param name="Tiles">sum_to_columns: tiles of lanes·Vector columns per outer kept index</param>
internal readonly record struct SumToLayout(bool Rows, int Vector, int Threads, int Items, int Splits, int Chunk, int RowsPerSplit,
    int LaneShift, int Tiles)
{
    /// <summary>About 8 blocks of 256 threads per SM of a 132-SM GPU: reductions with fewer work items are split.</summary>
    public const int TargetItems = 1024;
    /// <summary>
    /// The fewest elements a split should sum: 128 KB of float32, ≈ 5.6 µs at one SM's share of an H100's bandwidth
    /// (2.98 TB/s over 132 SMs), more than the second launch costs (≈ 2–4 µs); so only a reduction of at least twice
    /// this per dst element is split, and small ones (a (N, C) → (C) bias gradient) stay one launch.
    /// </summary>
    public const int MinItemElements = 32768;
    /// <summary>sum_to_columns's block, as its shared memory is sized.</summary>
    public const int ColumnThreads = 256;

    /// <param name="inner">the innermost merged axis of x (contiguous in x)</param>
    /// <param name="innerSummed">that axis is summed (dst stride 0)</param>
    /// <param name="m">dst elements</param>
    /// <param name="r">x elements per dst element</param>
    /// <param name="aligned">x's address is a multiple of 16 bytes</param>
    public static SumToLayout For(int inner, bool innerSummed, int m, int r, bool aligned, int elementSize)
    {
        int width = 16 / elementSize;
        int v = aligned && inner % width == 0 ? width : 1;
        if (innerSummed)
        {
            int splits = Math.Clamp(Ceil(TargetItems, m), 1, Math.Max(1, r / MinItemElements));
            int chunk = Ceil(Ceil(r, splits), v) * v;
            splits = Ceil(r, chunk);
            return new(true, v, r / v < 256 ? 32 : 256, m * splits, splits, chunk, 0, 0, 0);
        }
        int cols = inner, rows = r;
        // as many lanes as column vectors, fewer (down to a warp: 512 contiguous bytes per row) while that leaves too
        // few work items, so a (N, F) → (F) sum fills blocks with column tiles before it needs a second launch
        int lanes = Math.Min(ColumnThreads, PowerOfTwoAtLeast(Ceil(cols, v))), outer = m / cols;
        while (lanes > 32 && (long)outer * Ceil(cols, lanes * v) < TargetItems) lanes /= 2;
        int groups = ColumnThreads / lanes;
        if (groups > PowerOfTwoAtLeast(rows)) { groups = PowerOfTwoAtLeast(rows); lanes = ColumnThreads / groups; }
        int tiles = Ceil(cols, lanes * v), baseItems = outer * tiles;
        long perRow = Math.Min(cols, lanes * v);
        int colSplits = Math.Clamp(Ceil(TargetItems, baseItems), 1, (int)Math.Max(1, rows * perRow / MinItemElements));
        int rowsPerSplit = Ceil(rows, colSplits);
        colSplits = Ceil(rows, rowsPerSplit);
        return new(false, v, ColumnThreads, baseItems * colSplits, colSplits, 0, rowsPerSplit, int.Log2(lanes), tiles);
    }

    private static int Ceil(int a, int b) => (int)(((long)a + b - 1) / b);

    private static int PowerOfTwoAtLeast(int n) => n <= 1 ? 1 : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)n);
}

using AlaeEngine.Cpu;
using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Launchers of kernels/reduce.cu.</summary>
public sealed unsafe partial class CudaKernels
{
    // x walked as merged axes with its own row-major strides (s0) and dst's strides (s1, 0 on summed axes); the grid is
    // SumToLayout's: one launch, or two when the dst elements are too few to fill the GPU (partial sums per split, then
    // their sums in a fixed order)
    public void SumTo(Tensor x, Tensor dst)
    {
        RequireSameDType("SumTo", x, dst);
        int m = dst.Length;
        if (m == 0) return;
        if (x.Length == 0) { Fill(dst, 0); return; }
        var plan = new BroadcastPlan(x.Shape, dst.Shape);
        var xs = new int[plan.Dims.Length];
        for (int i = xs.Length - 1, acc = 1; i >= 0; acc *= plan.Dims[i], i--) xs[i] = acc;
        var axes = MergedAxes.From(plan, xs, plan.Strides[0]);
        int r = x.Length / m;
        var layout = SumToLayout.For(plan.Inner, plan.Strides[0][^1] == 0, m, r, Ptr(x) % 16 == 0, x.DType.SizeOf());
        using var partials = layout.Splits > 1 ? TensorScope.Unscoped(() => Tensor.Empty(new Shape(layout.Splits, m), x.DType, Device)) : null;
        var stageOne = partials ?? dst;
        var family = KernelCatalog.Reduce;
        uint grid = (uint)Math.Min(layout.Items, MaxBlocks);
        int vector = layout.Vector > 1 ? 1 : 0;
        if (layout.Rows)
            LaunchGrid(family, family.EntryPoint("sum_to_rows", x.DType), grid, (uint)layout.Threads, LaunchCost.Of([x], [stageOne]),
                [Ptr(x), Ptr(stageOne), m, r, layout.Chunk, layout.Splits, vector, KernelArg.Struct(&axes)]);
        else
            LaunchGrid(family, family.EntryPoint("sum_to_columns", x.DType), grid, (uint)layout.Threads, LaunchCost.Of([x], [stageOne]),
                [Ptr(x), Ptr(stageOne), m, r, plan.Inner, layout.Tiles, layout.RowsPerSplit, layout.Splits, layout.LaneShift, vector, KernelArg.Struct(&axes)]);
        if (partials != null)
            Launch(family, "sum_splits", x.DType, m, LaunchCost.Of([partials], [dst]), Ptr(partials), Ptr(dst), m, layout.Splits);
    }
}

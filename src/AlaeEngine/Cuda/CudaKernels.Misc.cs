using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Launchers of kernels/norm.cu, axis.cu, random.cu and optim.cu.</summary>
public sealed unsafe partial class CudaKernels
{
    /// <summary>Elements per thread of the register-resident plane kernels: PLANE_VALUES in kernels/norm.cu.</summary>
    internal const int PlaneValues = 16;

    /// <summary>Elements per block when a plane is split over several blocks (it does not fit one block's registers).</summary>
    private const int NormChunk = 16384;

    // the register kernels' __launch_bounds__: a double takes two registers
    private static int MaxPlaneThreads(DType dtype) => dtype == DType.Float32 ? 1024 : 512;

    private static bool PlaneFitsRegisters(int hw, DType dtype) => hw <= PlaneValues * MaxPlaneThreads(dtype);

    // a multiple of 32 threads holding PlaneValues elements each covers the plane
    private static uint PlaneThreads(int hw) => (uint)Math.Max(32, (hw + PlaneValues * 32 - 1) / (PlaneValues * 32) * 32);

    // one block per plane holding it in registers (x read once); larger planes are split in NormChunk pieces over
    // several blocks: the sums of x − x₀ and (x − x₀)² per piece (x₀ the plane's first element), then y per piece from
    // its plane's sums (x read twice)
    public void InstanceNorm(Tensor x, Tensor y, Tensor mean, Tensor std, double eps, double epsTap)
    {
        RequireSameDType("InstanceNorm", x, y, mean, std);
        var s = x.Shape;
        int planes = s[0] * s[1], hw = s.Prod(2, s.Rank);
        if (planes == 0) return;
        var norm = KernelCatalog.Norm;
        if (PlaneFitsRegisters(hw, x.DType))
        {
            LaunchGrid(norm, norm.EntryPoint("instance_norm_planes", x.DType), (uint)Math.Min(planes, MaxBlocks), PlaneThreads(hw),
                LaunchCost.Of([x], [y, mean, std]), [Ptr(x), Ptr(y), Ptr(mean), Ptr(std), planes, hw, eps, epsTap]);
            return;
        }
        int chunks = (hw + NormChunk - 1) / NormChunk;
        uint blocks = (uint)Math.Min(planes * chunks, MaxBlocks);
        using var partials = Tensor.Empty(new Shape(planes * chunks, 2), DType.Float64, Device);
        LaunchGrid(norm, norm.EntryPoint("instance_norm_sums", x.DType), blocks, Threads, LaunchCost.Of([x], [partials]),
            [Ptr(x), Ptr(x), Ptr(partials), planes, hw, NormChunk, chunks, 1]);
        LaunchGrid(norm, norm.EntryPoint("instance_norm_apply", x.DType), blocks, Threads, LaunchCost.Of([x, partials], [y, mean, std]),
            [Ptr(x), Ptr(y), Ptr(mean), Ptr(std), Ptr(partials), planes, hw, NormChunk, chunks, eps, epsTap]);
    }

    // one block per plane holding gy and y in registers; larger planes are split in NormChunk pieces: the sums of each
    // piece, then gx per piece from its plane's sums
    public void InstanceNormBackward(Tensor? gy, Tensor y, Tensor std, Tensor? gMean, Tensor? gStd, Tensor gx, double eps, double epsTap)
    {
        var read = new[] { gy, y, std, gMean, gStd }.OfType<Tensor>().ToArray();
        RequireSameDType("InstanceNormBackward", [.. read, gx]);
        var s = y.Shape;
        int planes = s[0] * s[1], hw = s.Prod(2, s.Rank);
        if (planes == 0) return;
        KernelArg pGy = gy == null ? 0UL : Ptr(gy), pGm = gMean == null ? 0UL : Ptr(gMean), pGs = gStd == null ? 0UL : Ptr(gStd);
        var norm = KernelCatalog.Norm;
        if (PlaneFitsRegisters(hw, y.DType))
        {
            LaunchGrid(norm, norm.EntryPoint("instance_norm_backward_planes", y.DType), (uint)Math.Min(planes, MaxBlocks), PlaneThreads(hw),
                LaunchCost.Of(read, [gx]), [pGy, Ptr(y), Ptr(std), pGm, pGs, Ptr(gx), planes, hw, eps, epsTap]);
            return;
        }
        int chunks = (hw + NormChunk - 1) / NormChunk;
        uint blocks = (uint)Math.Min(planes * chunks, MaxBlocks);
        using var partials = Tensor.Empty(new Shape(planes * chunks, 2), DType.Float64, Device);
        if (gy == null) Fill(partials, 0);
        else LaunchGrid(norm, norm.EntryPoint("instance_norm_sums", y.DType), blocks, Threads, LaunchCost.Of([gy, y], [partials]),
            [Ptr(gy), Ptr(y), Ptr(partials), planes, hw, NormChunk, chunks, 0]);
        LaunchGrid(norm, norm.EntryPoint("instance_norm_backward_apply", y.DType), blocks, Threads, LaunchCost.Of([.. read, partials], [gx]),
            [pGy, Ptr(y), Ptr(std), pGm, pGs, Ptr(gx), Ptr(partials), planes, hw, NormChunk, chunks, eps, epsTap]);
    }

    // both tensors as (outer, axis, inner)
    public void CopyAxisRange(Tensor src, int srcStart, Tensor dst, int dstStart, int count, int axis)
    {
        RequireSameDType("CopyAxisRange", src, dst);
        int outer = src.Shape.Prod(0, axis), inner = src.Shape.Prod(axis + 1, src.Rank);
        long moved = (long)outer * count * inner;
        Launch(KernelCatalog.Axis, "copy_axis_range", src.DType, moved, LaunchCost.Elements(moved, moved, src.DType),
            Ptr(src), Ptr(dst), outer, inner, src.Shape[axis], dst.Shape[axis], srcStart, dstStart, count);
    }

    public void FillRandom(Tensor dst, ulong seed, ulong offset, bool normal)
    {
        int n = dst.Length;
        Launch(KernelCatalog.Random, "fill_random", dst.DType, n, LaunchCost.Of([], [dst]), Ptr(dst), n, seed, offset, normal ? 1 : 0);
    }

    // the step sizes are formed on the host in double, as in CpuKernels.AdamStep; one launch per table of up to 96
    // parameters of one dtype (the table travels as a kernel parameter, so there is no upload and no wait)
    public void AdamStep(IReadOnlyList<AdamSlot> slots, double lr, double beta2, double eps, long step)
    {
        UpdateAliasing.RequireDistinct(slots);
        double bias = Math.Sqrt(1 - Math.Pow(beta2, step));
        var table = new AdamTable();
        DType dtype = DType.Float32;
        foreach (var (p, g, v, coef) in slots)
        {
            RequireSameLength("AdamStep", p, g);
            RequireSameLength("AdamStep", p, v);
            RequireSameDType("AdamStep", p, g, v);
            if (p.Length == 0) continue;
            if (TableFull(table.Count, AdamTable.Capacity, table.Offsets[table.Count], dtype, p)) LaunchAdam(ref table, dtype, beta2, eps);
            dtype = p.DType;
            int k = table.Count++;
            table.P[k] = Ptr(p); table.G[k] = Ptr(g); table.V[k] = Ptr(v);
            table.StepSize[k] = lr * bias * coef;
            table.Offsets[k + 1] = table.Offsets[k] + p.Length;
        }
        LaunchAdam(ref table, dtype, beta2, eps);
    }

    // a multi-tensor table must be launched before t joins it: it is full, holds another dtype, or would pass 2³¹ elements
    private static bool TableFull(int count, int capacity, int elements, DType dtype, Tensor t)
        => count == capacity || (count > 0 && (t.DType != dtype || (long)elements + t.Length > int.MaxValue));

    // launches the filled slots of the table and empties it
    private void LaunchAdam(ref AdamTable table, DType dtype, double beta2, double eps)
    {
        if (table.Count == 0) return;
        int n = table.Offsets[table.Count];
        // p, g, v read; p, v written
        fixed (AdamTable* t = &table) Launch(KernelCatalog.Optim, "adam_step", dtype, n, LaunchCost.Elements(3.0 * n, 2.0 * n, dtype), KernelArg.Struct(t), n, Scalar(dtype, beta2), Scalar(dtype, eps));
        table = new AdamTable();
    }

    // one launch per table of up to 128 pairs of one dtype, as AdamStep
    public void LerpInPlace(IReadOnlyList<(Tensor A, Tensor B)> pairs, double t)
    {
        UpdateAliasing.RequireDistinct(pairs);
        var table = new LerpTable();
        DType dtype = DType.Float32;
        foreach (var (a, b) in pairs)
        {
            RequireSameLength("LerpInPlace", a, b);
            RequireSameDType("LerpInPlace", a, b);
            if (a.Length == 0) continue;
            if (TableFull(table.Count, LerpTable.Capacity, table.Offsets[table.Count], dtype, a)) LaunchLerp(ref table, dtype, t);
            dtype = a.DType;
            int k = table.Count++;
            table.A[k] = Ptr(a); table.B[k] = Ptr(b);
            table.Offsets[k + 1] = table.Offsets[k] + a.Length;
        }
        LaunchLerp(ref table, dtype, t);
    }

    private void LaunchLerp(ref LerpTable table, DType dtype, double t)
    {
        if (table.Count == 0) return;
        int n = table.Offsets[table.Count];
        // a, b read; a written
        fixed (LerpTable* p = &table) Launch(KernelCatalog.Optim, "lerp", dtype, n, LaunchCost.Elements(2.0 * n, n, dtype), KernelArg.Struct(p), n, Scalar(dtype, t));
        table = new LerpTable();
    }
}

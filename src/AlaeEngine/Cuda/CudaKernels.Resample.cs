using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>Launchers of kernels/resample.cu; x: (N, C, H, W) processed as N·C planes.</summary>
public sealed unsafe partial class CudaKernels
{
    /// <summary>Output tile of the tiled FIR kernels (FIR_TILE_W × FIR_TILE_H in kernels/resample.cu).</summary>
    private const int FirTileW = 32, FirTileH = 16;

    /// <summary>The largest filter side the tiled FIR kernels take: FIR_MAX_TAPS in kernels/resample.cu.</summary>
    internal const int FirMaxTaps = 8;

    // rates 1 and 2 and filters up to FirMaxTaps go to the tiled kernels, anything else to the per-element ones
    private static bool Tiled(int up, int down, Tensor f) => up <= 2 && down <= 2 && f.Shape[0] <= FirMaxTaps && f.Shape[1] <= FirMaxTaps;

    public void Upfirdn2d(Tensor x, Tensor f, Tensor y, int up, int down, int padX0, int padX1, int padY0, int padY1)
    {
        RequireSameDType("Upfirdn2d", x, f, y);
        if (Tiled(up, down, f)) FirTiles(x, f, y, up, down, padX0, padY0, flip: false);
        else UpfirdnLaunch("upfirdn2d", y.Length, x, f, y, Ptr(x), Ptr(f), Ptr(y), up, down, padX0, padY0, FirCost(x, f, y, up));
    }

    // the adjoint is upfirdn2d with the filter flipped, the rates swapped and the leading pads k − 1 − pad
    public void Upfirdn2dAdjoint(Tensor gy, Tensor f, Tensor gx, int up, int down, int padX0, int padX1, int padY0, int padY1)
    {
        RequireSameDType("Upfirdn2dAdjoint", gy, f, gx);
        if (Tiled(up, down, f)) FirTiles(gy, f, gx, down, up, f.Shape[1] - 1 - padX0, f.Shape[0] - 1 - padY0, flip: true);
        else UpfirdnLaunch("upfirdn2d_adjoint", gx.Length, gx, f, gy, Ptr(gy), Ptr(f), Ptr(gx), up, down, padX0, padY0, FirCost(gy, f, gx, down));
    }

    // each output of a filter at rate up gathers about kh·kw / up² non-zero taps
    private static LaunchCost FirCost(Tensor src, Tensor f, Tensor dst, int up) => LaunchCost.Of([src, f], [dst], 2.0 * f.Length * dst.Length / (up * up));

    // dst ← upfirdn2d(src) at rates up, down ∈ {1, 2} with leading pads p0x, p0y: one block per output tile
    private void FirTiles(Tensor src, Tensor f, Tensor dst, int up, int down, int p0x, int p0y, bool flip)
    {
        int planes = src.Shape[0] * src.Shape[1], hd = dst.Shape[2], wd = dst.Shape[3];
        int tilesX = (wd + FirTileW - 1) / FirTileW, tilesY = (hd + FirTileH - 1) / FirTileH;
        long tiles = (long)planes * tilesX * tilesY;
        if (tiles == 0) return;
        var family = KernelCatalog.Resample;
        LaunchGrid(family, family.EntryPoint($"upfirdn2d_u{up}d{down}", src.DType), (uint)Math.Min(tiles, MaxBlocks), Threads, FirCost(src, f, dst, up),
            [Ptr(src), Ptr(f), Ptr(dst), planes, src.Shape[2], src.Shape[3], hd, wd, f.Shape[0], f.Shape[1], p0x, p0y, flip ? 1 : 0, tilesX, tilesY]);
    }

    // x and y give the geometry (x the low-rate side, y the filtered one) whichever direction the data flows
    private void UpfirdnLaunch(string kernel, int n, Tensor x, Tensor f, Tensor y, ulong src, ulong filter, ulong dst,
        int up, int down, int padX0, int padY0, LaunchCost cost)
    {
        int planes = x.Shape[0] * x.Shape[1];
        Launch(KernelCatalog.Resample, kernel, x.DType, n, cost, src, filter, dst, planes, x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3],
            f.Shape[0], f.Shape[1], up, down, padX0, padY0);
    }

    public void Pool2x2(Tensor x, Tensor y, double scale)
    {
        RequireSameDType("Pool2x2", x, y);
        var s = x.Shape;
        Launch(KernelCatalog.Resample, "pool2x2", x.DType, (long)s[0] * s[1] * (s[2] / 2) * (s[3] / 2), LaunchCost.Of([x], [y]),
            Ptr(x), Ptr(y), s[0] * s[1], s[2], s[3], Scalar(x, scale));
    }

    public void Upsample2x(Tensor x, Tensor y, double scale)
    {
        RequireSameDType("Upsample2x", x, y);
        var s = x.Shape;
        Launch(KernelCatalog.Resample, "upsample2x", x.DType, 4L * s.Length, LaunchCost.Of([x], [y]), Ptr(x), Ptr(y), s[0] * s[1], s[2], s[3], Scalar(x, scale));
    }
}

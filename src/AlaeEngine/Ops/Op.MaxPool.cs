using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>2×2 max pooling with stride 2 (VGG16's pooling); x: (N, C, H, W) → (N, C, ⌊H/2⌋, ⌊W/2⌋).</summary>
public static partial class Op
{
    /// <summary>
    /// The maximum of each 2×2 block; the gradient goes to the block's first maximum (row-major), as torch's. First order
    /// only: the perceptual network it serves is never on a second-order path (R1 and the path-length penalty differentiate
    /// D and G, not VGG), and asking for one through it fails with a clear error.
    /// </summary>
    public static Tensor MaxPool2x2(Tensor x)
    {
        RequireRank("MaxPool2x2", x, 4, "input");
        if (x.Shape[2] < 2 || x.Shape[3] < 2) throw new ArgumentException($"MaxPool2x2: input {x.Shape} is smaller than 2×2");
        var y = Like(x, new Shape(x.Shape[0], x.Shape[1], x.Shape[2] / 2, x.Shape[3] / 2));
        x.Kernels.MaxPool2x2(x, y);
        return Record("MaxPool2x2", new[] { y }, new[] { x }, (g, n) =>
        {
            var gx = Like(x);
            x.Kernels.MaxPool2x2Backward(x, g[0]!, gx);
            return new Tensor?[] { gx };
        }, secondOrder: false)[0];
    }
}

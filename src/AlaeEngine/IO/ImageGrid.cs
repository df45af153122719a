using AlaeEngine.Tensors;

namespace AlaeEngine.IO;

/// <summary>How the blocks of several image groups are put together in one grid.</summary>
public enum GridArrangement
{
    /// <summary>Blocks one below the other (e.g. a row of inputs over a row of reconstructions).</summary>
    Stacked,

    /// <summary>Blocks next to each other (e.g. inputs | reconstructions | generations).</summary>
    SideBySide,
}

/// <summary>
/// Lays images out as a PNG grid for inspecting training: each image tensor (N, C, H, W), C = 1 or 3, values in
/// [-1, 1] (clamped), fills a block of <c>cols</c> columns and ceil(N / cols) rows, with a <see cref="Border"/>-pixel
/// grey frame around every image. Several groups (same H and W) become several blocks separated by a
/// <see cref="GroupGap"/>-pixel white band. Output is always RGB; grey images are repeated over the three channels.
/// </summary>
public static class ImageGrid
{
    public const int Border = 2;
    public const int GroupGap = 4;
    public const byte BorderGrey = 64;
    public const byte GapGrey = 255;

    /// <summary>Writes one tensor (N, C, H, W) as a grid of <paramref name="cols"/> columns.</summary>
    public static void Save(string path, Tensor images, int cols) => Save(path, [images], cols);

    /// <summary>Writes several tensors (N_i, C_i, H, W) as blocks of <paramref name="cols"/> columns.</summary>
    public static void Save(string path, IReadOnlyList<Tensor> groups, int cols, GridArrangement arrangement = GridArrangement.Stacked)
    {
        var (rgb, w, h) = Render(groups, cols, arrangement);
        ImageIO.SavePng(path, rgb, w, h, 3);
    }

    /// <summary>The grid as interleaved RGB bytes, (Height, Width, 3) row-major.</summary>
    public static (byte[] Rgb, int Width, int Height) Render(IReadOnlyList<Tensor> groups, int cols, GridArrangement arrangement)
    {
        if (groups.Count == 0) throw new ArgumentException("no image groups given", nameof(groups));
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), cols, "need at least one column");
        foreach (var g in groups)
        {
            if (g.Rank != 4 || (g.Shape[1] != 1 && g.Shape[1] != 3))
                throw new ArgumentException($"image groups must be (N, C, H, W) with C = 1 or 3, got {g.Shape}");
            if (g.Shape[2] != groups[0].Shape[2] || g.Shape[3] != groups[0].Shape[3])
                throw new ArgumentException($"image groups differ in size: {g.Shape} vs {groups[0].Shape}");
        }
        int ih = groups[0].Shape[2], iw = groups[0].Shape[3];
        int blockW = cols * iw + (cols + 1) * Border;
        int BlockH(Tensor g) { int rows = Math.Max(1, (g.Shape[0] + cols - 1) / cols); return rows * ih + (rows + 1) * Border; }

        bool stacked = arrangement == GridArrangement.Stacked;
        int gaps = (groups.Count - 1) * GroupGap;
        int width = stacked ? blockW : groups.Count * blockW + gaps;
        int height = stacked ? groups.Sum(BlockH) + gaps : groups.Max(BlockH);

        var rgb = new byte[width * height * 3];
        Array.Fill(rgb, GapGrey);
        int bx = 0, by = 0;
        foreach (var g in groups)
        {
            int bh = BlockH(g);
            FillRect(rgb, width, bx, by, blockW, bh, BorderGrey);
            DrawBlock(rgb, width, bx, by, g, cols);
            if (stacked) by += bh + GroupGap; else bx += blockW + GroupGap;
        }
        return (rgb, width, height);
    }

    private static void DrawBlock(byte[] rgb, int width, int bx, int by, Tensor g, int cols)
    {
        int n = g.Shape[0], c = g.Shape[1], ih = g.Shape[2], iw = g.Shape[3], plane = ih * iw;
        var data = g.ToFloatArray();
        for (int i = 0; i < n; i++)
        {
            int x0 = bx + Border + (i % cols) * (iw + Border);
            int y0 = by + Border + (i / cols) * (ih + Border);
            int img = i * c * plane;
            for (int y = 0; y < ih; y++)
                for (int x = 0; x < iw; x++)
                {
                    int dst = ((y0 + y) * width + x0 + x) * 3;
                    for (int ch = 0; ch < 3; ch++)
                        rgb[dst + ch] = ImageIO.ToByte(data[img + (c == 1 ? 0 : ch) * plane + y * iw + x]);
                }
        }
    }

    private static void FillRect(byte[] rgb, int width, int x0, int y0, int w, int h, byte grey)
    {
        for (int y = y0; y < y0 + h; y++)
            rgb.AsSpan((y * width + x0) * 3, w * 3).Fill(grey);
    }
}

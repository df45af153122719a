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
/// <see cref="GroupGap"/>-pixel white band. Labels, one per group, are written in the image: left of stacked blocks
/// (level with the block's first row), above side-by-side ones. Output is always RGB; grey images are repeated over the
/// three channels.
/// </summary>
public static class ImageGrid
{
    public const int Border = 2;
    public const int GroupGap = 4;
    public const byte BorderGrey = 64;
    public const byte GapGrey = 255;
    private static readonly (byte, byte, byte) Ink = (0, 0, 0);

    /// <summary>Writes one tensor (N, C, H, W) as a grid of <paramref name="cols"/> columns.</summary>
    public static void Save(string path, Tensor images, int cols) => Save(path, [images], cols);

    /// <summary>
    /// Writes several tensors (N_i, C_i, H, W) as blocks of <paramref name="cols"/> columns, each with its label when
    /// <paramref name="labels"/> (one per group, printable ASCII) is given.
    /// </summary>
    public static void Save(string path, IReadOnlyList<Tensor> groups, int cols, GridArrangement arrangement = GridArrangement.Stacked,
        IReadOnlyList<string>? labels = null)
    {
        var (rgb, w, h) = Render(groups, cols, arrangement, labels);
        ImageIO.SavePng(path, rgb, w, h, 3);
    }

    /// <summary>The grid as interleaved RGB bytes, (Height, Width, 3) row-major.</summary>
    public static (byte[] Rgb, int Width, int Height) Render(IReadOnlyList<Tensor> groups, int cols, GridArrangement arrangement,
        IReadOnlyList<string>? labels = null)
    {
        if (groups.Count == 0) throw new ArgumentException("no image groups given", nameof(groups));
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), cols, "need at least one column");
        if (labels != null && labels.Count != groups.Count)
            throw new ArgumentException($"{labels.Count} labels given for {groups.Count} image groups", nameof(labels));
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
        // labels: the 5×7 font, doubled from 48-pixel images up, in a margin left of stacked blocks or above side-by-side ones
        int scale = ih >= 48 ? 2 : 1, pad = 3 * scale, textH = BitmapFont.GlyphHeight * scale;
        int marginLeft = labels != null && stacked ? labels.Max(l => BitmapFont.Width(l, scale)) + 2 * pad : 0;
        int marginTop = labels != null && !stacked ? textH + 2 * pad : 0;
        int gaps = (groups.Count - 1) * GroupGap;
        int width = marginLeft + (stacked ? blockW : groups.Count * blockW + gaps);
        int height = marginTop + (stacked ? groups.Sum(BlockH) + gaps : groups.Max(BlockH));

        var canvas = new Raster(width, height, (GapGrey, GapGrey, GapGrey));
        int bx = marginLeft, by = marginTop;
        for (int k = 0; k < groups.Count; k++)
        {
            var g = groups[k];
            int bh = BlockH(g);
            canvas.FillRect(bx, by, blockW, bh, (BorderGrey, BorderGrey, BorderGrey));
            DrawBlock(canvas, bx, by, g, cols);
            if (labels != null && stacked) canvas.DrawText(pad, by + Border + (ih - textH) / 2, labels[k], Ink, scale);
            if (labels != null && !stacked) canvas.DrawText(bx + Math.Max(0, (blockW - BitmapFont.Width(labels[k], scale)) / 2), pad, labels[k], Ink, scale);
            if (stacked) by += bh + GroupGap; else bx += blockW + GroupGap;
        }
        return (canvas.Pixels, width, height);
    }

    private static void DrawBlock(Raster canvas, int bx, int by, Tensor g, int cols)
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
                    int p = img + y * iw + x;
                    byte r = ImageIO.ToByte(data[p]);
                    canvas.Set(x0 + x, y0 + y, c == 1 ? (r, r, r) : (r, ImageIO.ToByte(data[p + plane]), ImageIO.ToByte(data[p + 2 * plane])));
                }
        }
    }
}

namespace AlaeEngine.IO;

/// <summary>
/// A small RGB canvas, (Height, Width, 3) bytes row-major, with what a line plot needs: filled rectangles,
/// anti-aliased thick polylines and bitmap-font text. Drawing outside the canvas is clipped.
/// </summary>
internal sealed class Raster
{
    public Raster(int width, int height, (byte R, byte G, byte B) background)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"canvas size {width} x {height} is empty");
        Width = width;
        Height = height;
        Pixels = new byte[width * height * 3];
        FillRect(0, 0, width, height, background);
    }

    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public (byte R, byte G, byte B) Get(int x, int y)
    {
        int o = (y * Width + x) * 3;
        return (Pixels[o], Pixels[o + 1], Pixels[o + 2]);
    }

    public void FillRect(int x0, int y0, int w, int h, (byte R, byte G, byte B) c)
    {
        int xa = Math.Max(0, x0), xb = Math.Min(Width, x0 + w), ya = Math.Max(0, y0), yb = Math.Min(Height, y0 + h);
        for (int y = ya; y < yb; y++)
            for (int x = xa; x < xb; x++) Set(x, y, c);
    }

    /// <summary>Blends colour <paramref name="c"/> over pixel (x, y) with opacity <paramref name="alpha"/> in [0, 1].</summary>
    public void Blend(int x, int y, (byte R, byte G, byte B) c, float alpha)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height || alpha <= 0) return;
        if (alpha >= 1) { Set(x, y, c); return; }
        int o = (y * Width + x) * 3;
        Pixels[o] = (byte)MathF.Round(Pixels[o] + (c.R - Pixels[o]) * alpha);
        Pixels[o + 1] = (byte)MathF.Round(Pixels[o + 1] + (c.G - Pixels[o + 1]) * alpha);
        Pixels[o + 2] = (byte)MathF.Round(Pixels[o + 2] + (c.B - Pixels[o + 2]) * alpha);
    }

    /// <summary>
    /// Draws connected segments through <paramref name="points"/> (pixel coordinates) with the given width, anti-aliased.
    /// Coverage is accumulated as a maximum over all segments before blending once, so joints are not drawn darker.
    /// A single point draws a dot of that width. Only pixels inside <paramref name="clip"/> are touched.
    /// </summary>
    public void DrawPolyline(IReadOnlyList<(float X, float Y)> points, float width, (byte R, byte G, byte B) c, (int X, int Y, int W, int H) clip)
    {
        if (points.Count == 0) return;
        float half = width / 2;
        var cover = new Dictionary<int, float>();
        void Segment((float X, float Y) a, (float X, float Y) b)
        {
            int xa = Math.Max(clip.X, (int)MathF.Floor(MathF.Min(a.X, b.X) - half - 1));
            int xb = Math.Min(clip.X + clip.W - 1, (int)MathF.Ceiling(MathF.Max(a.X, b.X) + half + 1));
            int ya = Math.Max(clip.Y, (int)MathF.Floor(MathF.Min(a.Y, b.Y) - half - 1));
            int yb = Math.Min(clip.Y + clip.H - 1, (int)MathF.Ceiling(MathF.Max(a.Y, b.Y) + half + 1));
            for (int y = ya; y <= yb; y++)
                for (int x = xa; x <= xb; x++)
                {
                    // Coverage of the pixel (centre x + 0.5, y + 0.5) falls off linearly over one pixel at the edge.
                    float d = DistanceToSegment(x + 0.5f, y + 0.5f, a, b);
                    float cov = Math.Clamp(half + 0.5f - d, 0f, 1f);
                    if (cov <= 0) continue;
                    int key = y * Width + x;
                    if (!cover.TryGetValue(key, out float old) || cov > old) cover[key] = cov;
                }
        }
        if (points.Count == 1) Segment(points[0], points[0]);
        for (int i = 1; i < points.Count; i++) Segment(points[i - 1], points[i]);
        foreach (var (key, cov) in cover) Blend(key % Width, key / Width, c, cov);
    }

    /// <summary>Draws text with its top-left corner at (x, y), each font pixel a <paramref name="scale"/> x scale square.</summary>
    public void DrawText(int x, int y, string text, (byte R, byte G, byte B) c, int scale)
    {
        for (int i = 0; i < text.Length; i++)
            for (int gy = 0; gy < BitmapFont.GlyphHeight; gy++)
                for (int gx = 0; gx < BitmapFont.GlyphWidth; gx++)
                    if (BitmapFont.Ink(text[i], gx, gy))
                        FillRect(x + (i * BitmapFont.Advance + gx) * scale, y + gy * scale, scale, scale, c);
    }

    /// <summary>
    /// Draws text rotated a quarter turn counter-clockwise (reading bottom to top, as on a y axis), starting at
    /// the bottom-left corner (x, y).
    /// </summary>
    public void DrawTextUp(int x, int y, string text, (byte R, byte G, byte B) c, int scale)
    {
        for (int i = 0; i < text.Length; i++)
            for (int gy = 0; gy < BitmapFont.GlyphHeight; gy++)
                for (int gx = 0; gx < BitmapFont.GlyphWidth; gx++)
                    if (BitmapFont.Ink(text[i], gx, gy))
                        FillRect(x + gy * scale, y - (i * BitmapFont.Advance + gx + 1) * scale, scale, scale, c);
    }

    public void Set(int x, int y, (byte R, byte G, byte B) c)
    {
        int o = (y * Width + x) * 3;
        Pixels[o] = c.R;
        Pixels[o + 1] = c.G;
        Pixels[o + 2] = c.B;
    }

    private static float DistanceToSegment(float px, float py, (float X, float Y) a, (float X, float Y) b)
    {
        float dx = b.X - a.X, dy = b.Y - a.Y;
        float len2 = dx * dx + dy * dy;
        float t = len2 == 0 ? 0 : Math.Clamp(((px - a.X) * dx + (py - a.Y) * dy) / len2, 0f, 1f);
        float ex = px - (a.X + t * dx), ey = py - (a.Y + t * dy);
        return MathF.Sqrt(ex * ex + ey * ey);
    }
}

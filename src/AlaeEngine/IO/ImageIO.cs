using AlaeEngine.Data;
using AlaeEngine.Tensors;
using StbImageSharp;
using StbImageWriteSharp;

namespace AlaeEngine.IO;

/// <summary>Reading images into tensors and writing 8-bit pixel buffers as PNG (StbImageSharp / StbImageWriteSharp).</summary>
public static class ImageIO
{
    /// <summary>
    /// Decodes a PNG or JPEG (grey or with alpha too: converted to RGB, alpha dropped) into a float32 tensor
    /// (3, H, W) in [-1, 1], channel-major like the network's input. A truncated or structurally damaged file is a
    /// <see cref="DataFormatException"/> saying what is missing (<see cref="ImageStructure"/>), not a half-grey image.
    /// </summary>
    public static Tensor LoadRgb(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "file not found");
        var bytes = File.ReadAllBytes(path);
        if (ImageStructure.FindDamage(bytes) is { } damage) throw new DataFormatException(path, damage);
        ImageResult img;
        try
        {
            img = ImageResult.FromMemory(bytes, StbImageSharp.ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // stb reports undecodable input (unknown format, corrupt stream) as a plain Exception.
            throw new DataFormatException(path, $"cannot decode image ({DecoderReason(e.Message)})", e);
        }

        int h = img.Height, w = img.Width, plane = h * w;
        var chw = new float[3 * plane];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++)
                chw[c * plane + p] = img.Data[p * 3 + c] / 127.5f - 1f;
        return Tensor.FromArray(chw, new Shape(3, h, w));
    }

    /// <summary>
    /// The decoder's message without the NUL and control characters stb leaves in some of them (a failed PNG decode
    /// reports 25 NULs and nothing else).
    /// </summary>
    internal static string DecoderReason(string message)
    {
        var text = new string(message.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return text.Length > 0 ? text : "the decoder gave no reason";
    }

    /// <summary>
    /// Writes interleaved 8-bit pixels, (height, width, channels) row-major with channels 1 (grey), 3 (RGB) or 4 (RGBA),
    /// as a PNG, atomically.
    /// </summary>
    public static void SavePng(string path, byte[] pixels, int width, int height, int channels)
    {
        var components = channels switch
        {
            1 => StbImageWriteSharp.ColorComponents.Grey,
            3 => StbImageWriteSharp.ColorComponents.RedGreenBlue,
            4 => StbImageWriteSharp.ColorComponents.RedGreenBlueAlpha,
            _ => throw new ArgumentException($"PNG needs 1, 3 or 4 channels, got {channels}", nameof(channels)),
        };
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size {width} x {height} is empty");
        if (pixels.Length != (long)width * height * channels)
            throw new ArgumentException($"{pixels.Length} bytes given for {width} x {height} x {channels}", nameof(pixels));
        AtomicFile.Write(path, s => new ImageWriter().WritePng(pixels, width, height, components, s));
    }

    /// <summary>Maps a value in [-1, 1] to 0..255, clamping outside values; NaN becomes 0 so it shows rather than throws.</summary>
    public static byte ToByte(float v)
    {
        if (float.IsNaN(v)) return 0;
        return (byte)MathF.Round((Math.Clamp(v, -1f, 1f) + 1f) * 127.5f);
    }
}

using AlaeEngine.IO;

namespace AlaeEngine.Data;

/// <summary>
/// The PNG and JPEG images of a folder, decoded and brought to one square resolution: each file is decoded to RGB
/// (grey and RGBA converted, alpha dropped), centre-cropped to a square and area-resized to the target side, then held
/// in memory as 8-bit planes (3, R, R). Files are taken in ordinal order of their path relative to the folder (with '/'
/// separators), so every machine sees the same image at the same index. A file that cannot be decoded is skipped with
/// a warning and listed in <see cref="Skipped"/>; a folder with no usable image at all is an error. Images smaller
/// than R are enlarged by the same area filter. <see cref="Load"/> keeps every image in memory (3·R² bytes each);
/// <see cref="Decode"/> streams them, which is how <see cref="MultiResolutionCache"/> builds its file.
/// </summary>
public sealed class ImageFolder
{
    /// <summary>File extensions read, compared case-insensitively.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg"];

    public const int Channels = 3;

    private readonly byte[][] _pixels;

    private ImageFolder(string folder, int resolution, string[] files, byte[][] pixels, SkippedImage[] skipped)
    {
        Folder = folder;
        Resolution = resolution;
        Files = files;
        _pixels = pixels;
        Skipped = skipped;
    }

    /// <summary>The folder, as a full path.</summary>
    public string Folder { get; }

    /// <summary>Side R of every image.</summary>
    public int Resolution { get; }

    public int Count => _pixels.Length;

    /// <summary>The full path of each usable image, in index order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The files left out, in listing order, with the reason.</summary>
    public IReadOnlyList<SkippedImage> Skipped { get; }

    public int SkippedCount => Skipped.Count;

    /// <summary>Image <paramref name="index"/> as 8-bit planes (3, R, R), 0..255.</summary>
    public ReadOnlySpan<byte> Pixels(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"image index outside 0..{Count - 1}");
        return _pixels[index];
    }

    /// <summary>
    /// Lists and decodes the images of <paramref name="folder"/> (and its subfolders when <paramref name="recursive"/>)
    /// at side <paramref name="resolution"/>. Undecodable files are reported through <paramref name="warn"/> (standard
    /// error by default) and skipped.
    /// </summary>
    public static ImageFolder Load(string folder, int resolution, bool recursive = false, Action<string>? warn = null)
    {
        var full = Path.GetFullPath(folder);
        var files = new List<string>();
        var pixels = new List<byte[]>();
        var skipped = new List<SkippedImage>();
        foreach (var (file, image) in Decode(full, List(full, recursive), resolution, skipped, warn))
        {
            files.Add(file);
            pixels.Add(image);
        }
        return new ImageFolder(full, resolution, files.ToArray(), pixels.ToArray(), skipped.ToArray());
    }

    /// <summary>
    /// Decodes <paramref name="files"/> (a listing of <paramref name="folder"/> by <see cref="List"/>) one at a time,
    /// in order, at side <paramref name="resolution"/>, so a data set larger than memory can be streamed: yields each
    /// usable file with its planes (3, R, R). An undecodable file is added to <paramref name="skipped"/> and reported
    /// through <paramref name="warn"/> (standard error by default). Ending with no usable file is a
    /// <see cref="DataFormatException"/> naming the folder.
    /// </summary>
    public static IEnumerable<(string File, byte[] Pixels)> Decode(string folder, IReadOnlyList<string> files, int resolution,
        ICollection<SkippedImage> skipped, Action<string>? warn = null)
    {
        if (resolution < 1) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "resolution must be positive");
        int usable = 0;
        SkippedImage? firstSkipped = null;
        foreach (var path in files)
        {
            byte[] pixels;
            try
            {
                pixels = LoadSquare(path, resolution);
            }
            catch (DataFormatException e)
            {
                var s = new SkippedImage(path, e.Problem);
                firstSkipped ??= s;
                skipped.Add(s);
                (warn ?? DefaultWarn)($"{path}: skipped, {e.Problem}");
                continue;
            }
            usable++;
            yield return (path, pixels);
        }
        if (usable == 0)
            throw new DataFormatException(folder, firstSkipped is null
                ? "no usable image: the listing is empty"
                : $"no usable image: none of the {files.Count} image files could be decoded (first: {firstSkipped.File}: {firstSkipped.Reason})");
    }

    /// <summary>
    /// The full paths of the .png, .jpg and .jpeg files of <paramref name="folder"/>, in the order <see cref="Load"/>
    /// uses. Hidden files are ignored. A missing or unreadable folder, or one without such files, is a
    /// <see cref="DataFormatException"/>.
    /// </summary>
    public static string[] List(string folder, bool recursive = false)
    {
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full)) throw new DataFormatException(full, "image folder not found");
        string[] files;
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = recursive, IgnoreInaccessible = false };
            files = Directory.EnumerateFiles(full, "*", options)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(full, $"cannot list the image folder ({e.Message})", e);
        }
        if (files.Length == 0)
            throw new DataFormatException(full,
                $"no image files: the folder{(recursive ? " and its subfolders hold" : " holds")} no {string.Join(", ", Extensions)} file");
        // Ordinal order of the relative path with '/' separators: the same on every OS and file system.
        return files.OrderBy(f => Path.GetRelativePath(full, f).Replace('\\', '/'), StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// Decodes one file to RGB, crops its middle square and area-resizes it to <paramref name="resolution"/>:
    /// 8-bit planes (3, R, R), each value rounded to the nearest byte (ties to even).
    /// </summary>
    public static byte[] LoadSquare(string path, int resolution)
    {
        float[] chw;
        int height, width;
        using (var image = ImageIO.LoadRgb(path))
        {
            (height, width) = (image.Shape[1], image.Shape[2]);
            chw = image.ToFloatArray();
        }
        var square = ImageResampling.CentreCrop(chw, Channels, height, width);
        var resized = ImageResampling.AreaResize(square, Channels, Math.Min(height, width), resolution);
        var bytes = new byte[resized.Length];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = ImageIO.ToByte(resized[i]);
        return bytes;
    }

    private static void DefaultWarn(string message) => Console.Error.WriteLine("warning: " + message);
}

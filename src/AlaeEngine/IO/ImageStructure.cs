using System.Buffers.Binary;

namespace AlaeEngine.IO;

/// <summary>
/// Checks the container structure of a PNG or JPEG file before it is decoded, because the decoder (stb_image) accepts
/// a cut-off JPEG and fills the missing part with grey-green blocks, and rejects a cut-off PNG without a readable reason.
/// PNG: the signature, chunks whose announced lengths fit in the file, IHDR first, IDAT present, an IEND chunk.
/// JPEG: start-of-image, marker segments whose lengths fit in the file, a frame header before the first scan, every
/// scan's entropy-coded data ended by a marker, an end-of-image marker; for a baseline (sequential) scan also enough
/// data for every 8×8 block (each needs at least a DC code and an end-of-block code, two bits). Bytes after IEND or
/// end-of-image are allowed, as decoders ignore them. Files of other kinds are left to the decoder.
/// </summary>
public static class ImageStructure
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>What is wrong with the file's structure ("truncated: …"), or null when it is sound or not a PNG or JPEG.</summary>
    public static string? FindDamage(ReadOnlySpan<byte> file)
    {
        if (file.StartsWith(PngSignature)) return PngDamage(file);
        if (file.Length >= 2 && file[0] == 0xFF && file[1] == 0xD8) return JpegDamage(file);
        return null;
    }

    // chunk: uint32 length (big-endian), 4-byte type, data, CRC-32
    private static string? PngDamage(ReadOnlySpan<byte> file)
    {
        long pos = PngSignature.Length;
        bool imageData = false;
        for (int chunk = 0; ; chunk++)
        {
            if (pos + 8 > file.Length)
                return $"truncated PNG: the file ends after {file.Length} bytes, before the IEND chunk that ends a PNG";
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file[(int)pos..]);
            string type = System.Text.Encoding.ASCII.GetString(file.Slice((int)pos + 4, 4));
            if (chunk == 0 && type != "IHDR") return $"corrupt PNG: the first chunk is '{Printable(type)}', not IHDR";
            long end = pos + 12 + (long)length;
            if (end > file.Length)
                return $"truncated PNG: the file ends inside the {Printable(type)} chunk at byte {pos} ({length} data bytes announced, " +
                       $"{Math.Max(0, file.Length - pos - 8)} present)";
            if (type == "IDAT") imageData = true;
            if (type == "IEND") return imageData ? null : "corrupt PNG: no image data (IDAT chunk) before IEND";
            pos = end;
        }
    }

    private static string Printable(string s) => new(s.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());

    private static string? JpegDamage(ReadOnlySpan<byte> file)
    {
        int pos = 2;
        Frame? frame = null;
        int scans = 0;
        while (true)
        {
            if (pos >= file.Length)
                return $"truncated JPEG: the file ends after {file.Length} bytes, before the end-of-image marker";
            if (file[pos] != 0xFF) return $"corrupt JPEG: expected a marker at byte {pos}, found 0x{file[pos]:X2}";
            while (pos < file.Length && file[pos] == 0xFF) pos++; // fill bytes
            if (pos >= file.Length)
                return $"truncated JPEG: the file ends after {file.Length} bytes, before the end-of-image marker";
            byte marker = file[pos++];
            int at = pos - 2;
            if (marker == 0xD9) return scans > 0 ? null : "corrupt JPEG: end-of-image before any image data (no scan)";
            if (marker is 0x01 or >= 0xD0 and <= 0xD7) continue; // stand-alone markers
            if (pos + 2 > file.Length)
                return $"truncated JPEG: the file ends inside the {MarkerName(marker)} segment at byte {at}";
            int length = BinaryPrimitives.ReadUInt16BigEndian(file[pos..]);
            if (length < 2) return $"corrupt JPEG: the {MarkerName(marker)} segment at byte {at} has length {length}";
            if (pos + length > file.Length)
                return $"truncated JPEG: the file ends inside the {MarkerName(marker)} segment at byte {at} " +
                       $"({length} bytes announced, {file.Length - pos} present)";
            var segment = file.Slice(pos + 2, length - 2);
            pos += length;
            if (IsFrameHeader(marker))
            {
                frame = Frame.Parse(segment, marker);
                if (frame is null) return $"corrupt JPEG: the frame header at byte {at} is malformed";
            }
            else if (marker == 0xDA)
            {
                if (frame is null) return $"corrupt JPEG: a scan at byte {at} comes before the frame header";
                int dataStart = pos;
                long entropyBytes = 0;
                // the entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart marker
                while (true)
                {
                    if (pos >= file.Length - 1)
                        return $"truncated JPEG: the file ends inside the image data of scan {scans + 1} " +
                               $"({file.Length - dataStart} bytes of it present, no end-of-image marker)";
                    if (file[pos] != 0xFF) { pos++; entropyBytes++; continue; }
                    byte next = file[pos + 1];
                    if (next == 0x00) { pos += 2; entropyBytes++; continue; }
                    if (next is >= 0xD0 and <= 0xD7) { pos += 2; continue; }
                    if (next == 0xFF) { pos++; continue; }
                    break;
                }
                scans++;
                long needed = frame.MinimumScanBytes(segment);
                if (entropyBytes < needed)
                    return $"truncated JPEG: scan {scans} holds {entropyBytes} bytes of image data, " +
                           $"too few for its {frame.Width}×{frame.Height} pixels (at least {needed})";
            }
        }
    }

    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    private static bool IsFrameHeader(byte marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    private static string MarkerName(byte marker) => marker switch
    {
        0xC4 => "DHT (Huffman table)",
        0xDB => "DQT (quantisation table)",
        0xDA => "SOS (start of scan)",
        0xDD => "DRI (restart interval)",
        >= 0xE0 and <= 0xEF => $"APP{marker - 0xE0}",
        0xFE => "COM (comment)",
        _ when IsFrameHeader(marker) => "SOF (frame header)",
        _ => $"0x{marker:X2}",
    };

    /// <summary>The frame header: size and per-component sampling factors, by component id.</summary>
    private sealed record Frame(bool Baseline, int Width, int Height, Dictionary<int, (int H, int V)> Components)
    {
        public static Frame? Parse(ReadOnlySpan<byte> s, byte marker)
        {
            if (s.Length < 6) return null;
            int height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]), width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]), n = s[5];
            if (n == 0 || s.Length < 6 + 3 * n) return null;
            var components = new Dictionary<int, (int, int)>();
            for (int i = 0; i < n; i++)
            {
                int h = s[7 + 3 * i] >> 4, v = s[7 + 3 * i] & 15;
                if (h is < 1 or > 4 || v is < 1 or > 4) return null;
                components[s[6 + 3 * i]] = (h, v);
            }
            // SOF0 and SOF1: sequential Huffman scans, the only ones where every block is coded in full
            return new Frame(marker is 0xC0 or 0xC1, width, height, components);
        }

        /// <summary>
        /// A lower bound on the entropy-coded bytes of the scan whose header is <paramref name="sos"/>: for a baseline
        /// frame two bits per 8×8 block; 0 for other frames (progressive scans may cover many blocks with one code),
        /// for a height given later (DNL) or for a header this check does not follow.
        /// </summary>
        public long MinimumScanBytes(ReadOnlySpan<byte> sos)
        {
            if (!Baseline || Height == 0 || sos.Length < 1) return 0;
            int n = sos[0];
            if (n == 0 || sos.Length < 1 + 2 * n) return 0;
            int hMax = Components.Values.Max(c => c.H), vMax = Components.Values.Max(c => c.V);
            long blocks = 0;
            if (n == 1)
            {
                // non-interleaved: the component's own blocks
                if (!Components.TryGetValue(sos[1], out var c)) return 0;
                long w = (Width * (long)c.H + hMax - 1) / hMax, h = (Height * (long)c.V + vMax - 1) / vMax;
                blocks = (w + 7) / 8 * ((h + 7) / 8);
            }
            else
            {
                long mcus = (Width + 8L * hMax - 1) / (8L * hMax) * ((Height + 8L * vMax - 1) / (8L * vMax));
                for (int i = 0; i < n; i++)
                {
                    if (!Components.TryGetValue(sos[1 + 2 * i], out var c)) return 0;
                    blocks += mcus * c.H * c.V;
                }
            }
            return (2 * blocks + 7) / 8;
        }
    }
}

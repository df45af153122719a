using System.Buffers.Binary;
using System.Text;

namespace AlaeEngine.Cuda;

/// <summary>
/// Reads the function names and section names of a CUBIN (an ELF64 little-endian image), so the entry points and what
/// NVRTC put in it (e.g. -lineinfo's line tables) can be checked without a GPU to load the module on.
/// </summary>
internal static class CubinSymbols
{
    private const int SymTab = 2;       // SHT_SYMTAB
    private const int FuncType = 2;     // STT_FUNC

    public static HashSet<string> Functions(ReadOnlySpan<byte> elf)
    {
        var names = new HashSet<string>();
        var sections = Headers(elf);
        foreach (var sh in sections)
        {
            if (sh.Type != SymTab) continue;
            var strtab = elf.Slice(sections[sh.Link].Offset, sections[sh.Link].Size);
            for (long e = 0; e + 24 <= sh.Size; e += sh.EntrySize)
            {
                var sym = elf.Slice(checked((int)(sh.Offset + e)), 24);
                if ((sym[4] & 0xF) != FuncType) continue;
                names.Add(Name(strtab, (int)BinaryPrimitives.ReadUInt32LittleEndian(sym)));
            }
        }
        return names;
    }

    /// <summary>The names of the image's sections, e.g. ".text.binary_f32", ".nv_debug_line_sass".</summary>
    public static HashSet<string> Sections(ReadOnlySpan<byte> elf)
    {
        var sections = Headers(elf);
        int names = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3E..]);   // e_shstrndx
        var strtab = elf.Slice(sections[names].Offset, sections[names].Size);
        var result = new HashSet<string>();
        foreach (var s in sections) result.Add(Name(strtab, s.NameAt));
        return result;
    }

    private readonly record struct Header(int NameAt, uint Type, int Offset, int Size, int Link, long EntrySize);

    private static Header[] Headers(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF image (a CUBIN starts with \\x7FELF; PTX is text)");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF image");
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        var headers = new Header[shnum];
        for (int s = 0; s < shnum; s++)
        {
            var sh = elf.Slice(checked((int)(shoff + (long)s * shentsize)), 64);
            headers[s] = new((int)BinaryPrimitives.ReadUInt32LittleEndian(sh), BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]),
                checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..])), checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x20..])),
                (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x38..]));
        }
        return headers;
    }

    private static string Name(ReadOnlySpan<byte> strtab, int at)
    {
        var rest = strtab[at..];
        int end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }
}

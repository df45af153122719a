using System.Buffers.Binary;
using System.Text;

namespace AlaeEngine.Cuda;

/// <summary>
/// Reads the function names from the symbol table of a CUBIN (an ELF64 little-endian image), so the entry points of a
/// compiled kernel source can be checked without a GPU to load the module on.
/// </summary>
internal static class CubinSymbols
{
    private const int SymTab = 2;       // SHT_SYMTAB
    private const int FuncType = 2;     // STT_FUNC

    public static HashSet<string> Functions(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF image (a CUBIN starts with \\x7FELF; PTX is text)");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF image");
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        var names = new HashSet<string>();
        for (int s = 0; s < shnum; s++)
        {
            var sh = elf.Slice(checked((int)(shoff + (long)s * shentsize)), 64);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != SymTab) continue;
            var (symOff, symSize) = Extent(sh);
            long entSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x38..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var strSh = elf.Slice(checked((int)(shoff + (long)link * shentsize)), 64);
            var (strOff, strSize) = Extent(strSh);
            var strtab = elf.Slice(strOff, strSize);
            for (long e = 0; e + 24 <= symSize; e += entSize)
            {
                var sym = elf.Slice(checked((int)(symOff + e)), 24);
                if ((sym[4] & 0xF) != FuncType) continue;
                int nameAt = (int)BinaryPrimitives.ReadUInt32LittleEndian(sym);
                var rest = strtab[nameAt..];
                int end = rest.IndexOf((byte)0);
                names.Add(Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]));
            }
        }
        return names;
    }

    // (offset, size) of a section header's contents
    private static (int, int) Extent(ReadOnlySpan<byte> sh)
        => (checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..])), checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x20..])));
}

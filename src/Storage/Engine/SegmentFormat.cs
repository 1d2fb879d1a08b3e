using System.Buffers.Binary;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Layout of a sealed segment file <c>seg-&lt;n&gt;.lzs</c>:
/// <code>
/// header  : "MNSG" u8 version, u8 codec (versions 3–4; 0 before), 2 reserved     (8 bytes)
/// block*  : u32 compressed length, u32 raw length, u32 crc, 5 codec property bytes, compressed data
///           crc = crc32c(u32 block number + props + data) (versions 2–4; version 1 files: crc32c(props + data))
///           codec: LZMA (versions 1–2, and 4 with codec 0; props = the 5 LZMA property bytes) or Brotli (versions 3–4
///           with codec 1, props = codec id, quality, window, 2 zero bytes)
///           raw block = varint slot count, varint slot lengths, payloads
/// index   : Brotli( varint block count, varint block sizes, varint record count,
///                   per record sorted by key: varint shared prefix, varint suffix length, suffix,
///                   varint generation, 16-byte revision hash, u8 flags, varint lsn, varint block delta )
///           version 4 per record: key as above, varint generation, u8 flags, [16-byte revision hash unless flags has
///           <see cref="DerivedRevisionFlag"/>], varint lsn, varint block delta. A record with that flag stores no hash:
///           its revision is <see cref="DerivedRevision.TryCompute"/> of its payload (checked by the writer; recomputed
///           when the segment opens, and the generation must match).
/// footer  : u64 index offset, u32 index compressed length, u32 index raw length, u32 index crc32c,
///           u32 record count, u32 block count, u8 version, 3 reserved, "MNSF", u32 crc32c of the footer (40 bytes)
/// </code>
/// Keys and revisions live only in the index (read at open, so Brotli: fast to decode), payloads only in blocks.
/// </summary>
internal static class SegmentFormat
{
    public const uint HeaderMagic = 0x47534E4D;  // "MNSG"
    public const uint FooterMagic = 0x46534E4D;  // "MNSF"
    /// <summary>Newest version, written by default (<see cref="StoreOptions.OmitDerivedRevisions"/>): the codec in the
    /// header (as version 3) and no revision hash for records whose payload determines it (issue 14's bytes goal).
    /// 2 bound each block's crc to its block number, so blocks swapped within a file (each with a valid crc of its own)
    /// read as corrupt instead of as other records' data.</summary>
    public const byte Version = 4;

    /// <summary>LZMA segments with every hash stored, written with <see cref="StoreOptions.OmitDerivedRevisions"/> off.</summary>
    public const byte LzmaVersion = 2;

    /// <summary>Opt-in Brotli segments with every hash stored (<see cref="StoreOptions.OmitDerivedRevisions"/> off).</summary>
    public const byte BrotliVersion = 3;

    /// <summary>Index flags bit (version 4) of a record whose revision hash is left out (derived from its payload).
    /// <see cref="RecordFlags"/> never use it (callers' flags stay below 0x40; 0x80 is the directory's override).</summary>
    public const byte DerivedRevisionFlag = 0x40;

    /// <summary>Version written for <paramref name="codec"/>.</summary>
    public static byte VersionFor(BlockCodec codec, bool omitDerivedRevisions) =>
        omitDerivedRevisions ? Version : codec == BlockCodec.Lzma ? LzmaVersion : BrotliVersion;

    /// <summary>Codec of a segment from its header (versions 1–2 are LZMA).</summary>
    public static BlockCodec CodecOf(ReadOnlySpan<byte> header) => header[4] >= 3 ? (BlockCodec)header[5] : BlockCodec.Lzma;

    /// <summary>Oldest version still read.</summary>
    public const byte MinVersion = 1;

    public static bool IsSupported(byte version) => version is >= MinVersion and <= Version;

    /// <summary>Crc of block number <paramref name="block"/>: the LZMA properties and data, and from version 2 the block number.</summary>
    public static uint BlockCrc(byte version, int block, ReadOnlySpan<byte> props, ReadOnlySpan<byte> data)
    {
        uint state = ~0u;
        if (version >= 2)
        {
            Span<byte> number = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(number, block);
            state = Crc.Append(state, number);
        }
        return ~Crc.Append(Crc.Append(state, props), data);
    }
    public const int HeaderSize = 8;
    public const int BlockHeaderSize = 12 + LzmaBlockCodec.PropertiesSize;
    public const int FooterSize = 40;
    public const int BrotliQuality = 5;
    public const int BrotliWindow = 22;

    public static string FileName(int number) => $"seg-{number:D6}.lzs";

    internal readonly record struct Footer(long IndexOffset, int IndexLength, int IndexRawLength, uint IndexCrc, int RecordCount, int BlockCount);

    public static void WriteHeader(Span<byte> destination, BlockCodec codec, byte version)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, HeaderMagic);
        destination[4] = version;
        destination[5..8].Clear();
        if (codec != BlockCodec.Lzma) destination[5] = (byte)codec;
    }

    public static void WriteFooter(Span<byte> d, in Footer f, byte version)
    {
        BinaryPrimitives.WriteInt64LittleEndian(d, f.IndexOffset);
        BinaryPrimitives.WriteInt32LittleEndian(d[8..], f.IndexLength);
        BinaryPrimitives.WriteInt32LittleEndian(d[12..], f.IndexRawLength);
        BinaryPrimitives.WriteUInt32LittleEndian(d[16..], f.IndexCrc);
        BinaryPrimitives.WriteInt32LittleEndian(d[20..], f.RecordCount);
        BinaryPrimitives.WriteInt32LittleEndian(d[24..], f.BlockCount);
        d[28] = version;
        d[29..32].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(d[32..], FooterMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(d[36..], Crc.Compute(d[..36]));
    }

    public static Footer ReadFooter(ReadOnlySpan<byte> d, string path, long offset, long fileLength)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(d[32..]) != FooterMagic || Crc.Compute(d[..36]) != BinaryPrimitives.ReadUInt32LittleEndian(d[36..]))
            throw new CorruptDataException(path, offset, "segment footer missing or damaged (truncated file?)");
        if (!IsSupported(d[28]))
            throw new CorruptDataException(path, offset + 28, $"unsupported segment version {d[28]}");
        var f = new Footer(BinaryPrimitives.ReadInt64LittleEndian(d), BinaryPrimitives.ReadInt32LittleEndian(d[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(d[12..]), BinaryPrimitives.ReadUInt32LittleEndian(d[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(d[20..]), BinaryPrimitives.ReadInt32LittleEndian(d[24..]));
        if (f.IndexOffset < HeaderSize || f.IndexLength < 0 || f.IndexRawLength < 0 || f.RecordCount < 0 || f.BlockCount < 0 ||
            f.IndexOffset + f.IndexLength != fileLength - FooterSize)
            throw new CorruptDataException(path, offset, "segment footer points outside the file");
        return f;
    }
}

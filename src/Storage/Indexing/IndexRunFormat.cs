using System.Buffers.Binary;
using System.IO.Compression;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// The file format of a sorted run (<c>run-NNNNNN.ixr</c>): <c>magic | blocks | block index | trailer</c>.
/// Block: <c>u32 storedLength | u32 rawLength | u32 crc32c(block number, codec, rawLength, data) | u8 codec | data</c>;
/// raw data holds the block's entries front-coded against the previous entry of the block (the first shares nothing)
/// in five columns: <c>varint length of each of the first four | shared lengths | suffix lengths | key lengths |
/// sequences | suffix bytes</c> (varints, one per entry, but the last). Block index:
/// per block <c>varint firstEntryLength | first entry | varint offset | varint entries</c>. Trailer (32 bytes):
/// <c>u64 indexOffset | u32 indexLength | u32 crc32c(index) | u64 entryCount | end magic</c>.
/// </summary>
internal static class IndexRunFormat
{
    public static ReadOnlySpan<byte> Magic => "MNSIXR01"u8;

    public static ReadOnlySpan<byte> EndMagic => "MNSIXEND"u8;

    public const int TrailerSize = 32;

    public const int BlockHeaderSize = 13;

    /// <summary>Raw bytes per block before it is closed (see the README's "Secondary indexes" for why).</summary>
    public static int BlockSize { get; set; } = 16 * 1024;

    /// <summary>Largest raw block a reader accepts (a damaged length must not allocate gigabytes).</summary>
    public const int MaxRawBlock = 1 << 20;

    public const byte CodecNone = 0, CodecBrotli = 1;

    /// <summary>The codec new blocks use.</summary>
    public static byte Codec { get; set; } = CodecBrotli;

    /// <summary>Brotli quality of new blocks.</summary>
    public static int BrotliQuality { get; set; } = 5;

    public static uint BlockCrc(int blockNumber, byte codec, int rawLength, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[9];
        BinaryPrimitives.WriteInt32LittleEndian(head, blockNumber);
        head[4] = codec;
        BinaryPrimitives.WriteInt32LittleEndian(head[5..], rawLength);
        return ~Crc.Append(Crc.Append(~0u, head), data);
    }

    /// <summary>Compresses a raw block; returns the codec used (none when compression does not pay).</summary>
    public static byte Encode(ReadOnlySpan<byte> raw, byte[] destination, out int length)
    {
        if (Codec == CodecBrotli && BrotliEncoder.TryCompress(raw, destination, out length, quality: BrotliQuality, window: 16) && length < raw.Length)
            return CodecBrotli;
        raw.CopyTo(destination);
        length = raw.Length;
        return CodecNone;
    }

    /// <summary>Decodes a stored block's data into <paramref name="raw"/> (exactly rawLength bytes); false when malformed.</summary>
    public static bool Decode(byte codec, ReadOnlySpan<byte> data, Span<byte> raw)
    {
        switch (codec)
        {
            case CodecNone:
                if (data.Length != raw.Length) return false;
                data.CopyTo(raw);
                return true;
            case CodecBrotli:
                return BrotliDecoder.TryDecompress(data, raw, out int written) && written == raw.Length;
            default:
                return false;
        }
    }
}

using System.Buffers.Binary;
using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>What a log frame records.</summary>
internal enum FrameKind : byte
{
    Put = 1,
    ClearPending = 2,
}

/// <summary>
/// Log frame codec: <c>[u32 length][u32 crc32c][u64 lsn][u8 kind][u8 flags][u16 key length][key UTF-8][20-byte revision][payload]</c>.
/// <c>length</c> counts the bytes after the crc; the crc covers exactly those bytes, so a frame is verified in one pass.
/// </summary>
internal static class LogFrame
{
    public const int PrefixSize = 8;                    // length + crc
    public const int FixedSize = PrefixSize + 8 + 1 + 1 + 2 + Documents.Revision.EncodedSize;
    public const int MaxKeyBytes = ushort.MaxValue;
    /// <summary>Sanity bound used by recovery to reject absurd lengths quickly.</summary>
    public const int MaxFrameBytes = (256 << 20) - 64;   // so a whole frame fits the directory's 28-bit length

    public static int SizeOf(int keyBytes, int payloadBytes) => FixedSize + keyBytes + payloadBytes;

    /// <summary>Encodes a frame with lsn 0 and no crc; the committer stamps both (<see cref="Stamp"/>).</summary>
    public static int Encode(Span<byte> destination, FrameKind kind, RecordFlags flags, string key, Revision revision, ReadOnlySpan<byte> payload)
    {
        int keyBytes = Encoding.UTF8.GetBytes(key, destination[20..]);
        int size = SizeOf(keyBytes, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(size - PrefixSize));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], 0);
        destination[16] = (byte)kind;
        destination[17] = (byte)flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[18..], (ushort)keyBytes);
        // Key was written at offset 20 above; revision and payload follow it.
        int pos = 20 + keyBytes;
        revision.WriteTo(destination[pos..]);
        payload.CopyTo(destination[(pos + Documents.Revision.EncodedSize)..]);
        return size;
    }

    /// <summary>Sets the lsn and computes the crc of an encoded frame.</summary>
    public static void Stamp(Span<byte> frame, ulong lsn)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(frame[8..], lsn);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc.Compute(frame[PrefixSize..]));
    }

    /// <summary>Result of <see cref="TryParse"/>.</summary>
    public enum ParseStatus
    {
        Ok,
        /// <summary>The length field is zero: preallocated space, the clean end of the log.</summary>
        End,
        /// <summary>Too short, bad length or bad crc.</summary>
        Bad,
    }

    /// <summary>Parses the frame at the start of <paramref name="data"/>; <paramref name="size"/> is the whole frame's size.</summary>
    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out int size)
    {
        size = 0;
        if (data.Length < PrefixSize)
            return data.IndexOfAnyExcept((byte)0) < 0 ? ParseStatus.End : ParseStatus.Bad;
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length == 0)
            return BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) == 0 ? ParseStatus.End : ParseStatus.Bad;
        if (length < FixedSize - PrefixSize || length > MaxFrameBytes || length > data.Length - PrefixSize)
            return ParseStatus.Bad;
        var body = data.Slice(PrefixSize, (int)length);
        if (Crc.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..])) return ParseStatus.Bad;
        int keyBytes = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
        if (FixedSize + keyBytes > PrefixSize + length) return ParseStatus.Bad;
        byte kind = data[16];
        if (kind != (byte)FrameKind.Put && kind != (byte)FrameKind.ClearPending) return ParseStatus.Bad;
        size = PrefixSize + (int)length;
        return ParseStatus.Ok;
    }

    public static ulong Lsn(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt64LittleEndian(frame[8..]);
    public static FrameKind Kind(ReadOnlySpan<byte> frame) => (FrameKind)frame[16];
    public static RecordFlags Flags(ReadOnlySpan<byte> frame) => (RecordFlags)frame[17];
    public static ReadOnlySpan<byte> KeyBytes(ReadOnlySpan<byte> frame) => frame.Slice(20, BinaryPrimitives.ReadUInt16LittleEndian(frame[18..]));

    public static Revision Revision(ReadOnlySpan<byte> frame)
        => Documents.Revision.ReadFrom(frame[(20 + BinaryPrimitives.ReadUInt16LittleEndian(frame[18..]))..]);

    public static int PayloadStart(ReadOnlySpan<byte> frame) => FixedSize + BinaryPrimitives.ReadUInt16LittleEndian(frame[18..]);
}

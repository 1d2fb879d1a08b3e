using System.Runtime.InteropServices;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// The in-memory directory's value for one key: 48 bytes, no heap object besides the key string, so a million
/// keys fit in well under 200 MB. The location is either a log frame (file = log number, position = byte offset,
/// length = frame size) or a segment slot (file = segment number | <see cref="SegmentBit"/>, position = block,
/// length = slot).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal readonly struct DirectoryEntry
{
    public const uint SegmentBit = 0x8000_0000;

    /// <summary>Internal flag (never stored): the in-memory flags differ from the segment's copy (a ClearPending
    /// frame changed them), so sealing must re-home the record to persist the change.</summary>
    public const RecordFlags FlagsOverride = (RecordFlags)0x80;

    private readonly ulong _revHi;
    private readonly ulong _revLo;
    private readonly int _generation;
    public readonly uint File;
    public readonly long Position;
    public readonly ulong Lsn;
    public readonly int Length;
    private readonly RecordFlags _flags;

    public DirectoryEntry(Revision revision, RecordFlags flags, ulong lsn, uint file, long position, int length)
    {
        Span<byte> raw = stackalloc byte[Revision.EncodedSize];
        revision.WriteTo(raw);
        _generation = revision.Generation;
        _revHi = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(raw[4..]);
        _revLo = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(raw[12..]);
        _flags = flags;
        Lsn = lsn;
        File = file;
        Position = position;
        Length = length;
    }

    public Revision Revision => new(_generation, _revHi, _revLo);

    /// <summary>The record's flags as callers see them.</summary>
    public RecordFlags Flags => _flags & ~FlagsOverride;

    public bool HasOverride => (_flags & FlagsOverride) != 0;

    public bool InSegment => (File & SegmentBit) != 0;

    public int SegmentNumber => (int)(File & ~SegmentBit);

    public bool IsPending => (_flags & RecordFlags.Pending) != 0;

    public bool SameLocation(in DirectoryEntry other) => File == other.File && Position == other.Position && Length == other.Length;

    public DirectoryEntry WithFlags(RecordFlags flags) => new(Revision, flags, Lsn, File, Position, Length);

    public static DirectoryEntry InLog(Revision revision, RecordFlags flags, ulong lsn, int log, long offset, int size)
        => new(revision, flags, lsn, (uint)log, offset, size);

    public static DirectoryEntry InSegmentSlot(Revision revision, RecordFlags flags, ulong lsn, int segment, int block, int slot)
        => new(revision, flags, lsn, (uint)segment | SegmentBit, block, slot);
}

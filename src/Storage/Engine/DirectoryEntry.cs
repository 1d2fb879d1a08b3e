using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// The in-memory directory's value for one key, packed into 40 bytes (a million keys are the RSS budget's biggest
/// item): the revision, the lsn with the flags in its top byte, the file, and a location word. The location is either
/// a log frame (file = log number, position = byte offset, length = frame size) or a segment slot
/// (file = segment number | <see cref="SegmentBit"/>, position = block, length = slot).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal readonly struct DirectoryEntry
{
    public const uint SegmentBit = 0x8000_0000;
    private const int LengthBits = 28;          // frames are < 256 MiB (LogFrame.MaxFrameBytes)
    private const long MaxPosition = (1L << (64 - LengthBits)) - 1;
    private const int FlagsShift = 56;          // lsns stay below 2^56

    /// <summary>Internal flag (never stored): the in-memory flags differ from the segment's copy (a ClearPending
    /// frame changed them), so sealing must re-home the record to persist the change.</summary>
    public const RecordFlags FlagsOverride = (RecordFlags)0x80;

    private readonly ulong _revHi;
    private readonly ulong _revLo;
    private readonly ulong _lsnAndFlags;
    private readonly ulong _location;
    private readonly int _generation;
    public readonly uint File;

    public DirectoryEntry(Revision revision, RecordFlags flags, ulong lsn, uint file, long position, int length)
    {
        if (lsn >> FlagsShift != 0 || (ulong)position > MaxPosition || (uint)length >= 1u << LengthBits)
            throw new InvalidOperationException($"Directory entry out of range (lsn {lsn}, position {position}, length {length}).");
        Span<byte> raw = stackalloc byte[Revision.EncodedSize];
        revision.WriteTo(raw);
        _generation = revision.Generation;
        _revHi = BinaryPrimitives.ReadUInt64BigEndian(raw[4..]);
        _revLo = BinaryPrimitives.ReadUInt64BigEndian(raw[12..]);
        _lsnAndFlags = lsn | ((ulong)flags << FlagsShift);
        _location = ((ulong)position << LengthBits) | (uint)length;
        File = file;
    }

    public Revision Revision => new(_generation, _revHi, _revLo);

    public ulong Lsn => _lsnAndFlags & ((1UL << FlagsShift) - 1);

    /// <summary>Log offset or segment block.</summary>
    public long Position => (long)(_location >> LengthBits);

    /// <summary>Frame size or segment slot.</summary>
    public int Length => (int)(_location & ((1u << LengthBits) - 1));

    private RecordFlags RawFlags => (RecordFlags)(_lsnAndFlags >> FlagsShift);

    /// <summary>The record's flags as callers see them.</summary>
    public RecordFlags Flags => RawFlags & ~FlagsOverride;

    public bool HasOverride => (RawFlags & FlagsOverride) != 0;

    public bool InSegment => (File & SegmentBit) != 0;

    public int SegmentNumber => (int)(File & ~SegmentBit);

    public bool IsPending => (RawFlags & RecordFlags.Pending) != 0;

    /// <summary>A cleared key: no revision, flagged <see cref="RecordFlags.Deleted"/> (grain state cleared, a copy dropped);
    /// it holds no record, so <see cref="RecordStore.Count"/> leaves it out.</summary>
    public bool IsCleared => _generation == 0 && (RawFlags & RecordFlags.Deleted) != 0;

    public bool SameLocation(in DirectoryEntry other) => File == other.File && _location == other._location;

    public DirectoryEntry WithFlags(RecordFlags flags) => new(Revision, flags, Lsn, File, Position, Length);

    public static DirectoryEntry InLog(Revision revision, RecordFlags flags, ulong lsn, int log, long offset, int size)
        => new(revision, flags, lsn, (uint)log, offset, size);

    public static DirectoryEntry InSegmentSlot(Revision revision, RecordFlags flags, ulong lsn, int segment, int block, int slot)
        => new(revision, flags, lsn, (uint)segment | SegmentBit, block, slot);
}

using Microsoft.Win32.SafeHandles;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>The blocks of a segment while its index is parsed (before the <see cref="SegmentReader"/> exists).</summary>
internal sealed class SegmentBlockSource(SafeFileHandle handle, string path, byte version, BlockCodec codec)
{
    public string Path { get; } = path;
    public byte Version { get; } = version;

    /// <summary>Block table, set once the index's head is parsed and checked against the footer.</summary>
    public long[] Offsets { get; set; } = [];

    /// <summary>Block <paramref name="block"/> decoded at least up to <paramref name="slot"/>, verified (crc).</summary>
    public DecodedBlock Read(int block, int slot) => SegmentReader.DecodeBlock(handle, Path, Offsets, Version, codec, block, null, slot);
}

/// <summary>
/// Version-4 index records without a stored revision hash (<see cref="SegmentFormat.DerivedRevisionFlag"/>): held per
/// block until the index moves past that block, then the block is decoded once and each revision recomputed from its
/// payload (<see cref="DerivedRevision"/>) before the record reaches the visitor. A payload that no longer yields a
/// revision of the stored generation, or a block that fails its crc, is damage the open reports:
/// <see cref="CorruptDataException"/> naming the file and the block's offset (in older versions a damaged block failed
/// only the reads of its own records; here its records' revisions would be unknown, and the directory must never
/// hold a revision that was not written).
/// Records are visited in index order within a block but after the block's stored-hash records; the shard's visitor
/// does not depend on that order (a key occurs once per segment).
/// </summary>
internal sealed class SegmentDerivedRevisions(SegmentBlockSource blocks, SegmentIndexVisitor visitor)
{
    private readonly List<Pending> _pending = [];
    private byte[] _keys = new byte[4096];
    private int _keyBytes;
    private int _block = -1;

    private readonly record struct Pending(int KeyStart, int KeyLength, int Generation, RecordFlags Flags, ulong Lsn, int Slot);

    /// <summary>Records of the derived revisions recomputed so far (for tests and the open log).</summary>
    public int Count { get; private set; }


    public void Add(ReadOnlySpan<byte> key, int generation, RecordFlags flags, ulong lsn, int block, int slot)
    {
        if (block != _block) Flush();
        _block = block;
        if (_keys.Length - _keyBytes < key.Length) Array.Resize(ref _keys, Math.Max(_keys.Length * 2, _keyBytes + key.Length));
        key.CopyTo(_keys.AsSpan(_keyBytes));
        _pending.Add(new Pending(_keyBytes, key.Length, generation, flags, lsn, slot));
        _keyBytes += key.Length;
    }

    /// <summary>Decodes the held block, recomputes its revisions and visits its held records.</summary>
    public void Flush()
    {
        if (_pending.Count == 0) return;
        int lastSlot = _pending[^1].Slot;
        long offset = blocks.Offsets[_block];
        // A damaged block fails the open (CorruptDataException naming this file and the block's offset): without its
        // payloads its records' revisions are unknown, and a directory must never hold a revision that was not written.
        var decoded = blocks.Read(_block, lastSlot);
        try
        {
            foreach (var p in _pending)
            {
                if (p.Slot >= decoded.SlotCount)
                    throw new CorruptDataException(blocks.Path, offset, $"segment index names slot {p.Slot} of block {_block}, which has {decoded.SlotCount}");
                if (!DerivedRevision.TryCompute(decoded.Slot(p.Slot), out var revision) || revision.Generation != p.Generation)
                    throw new CorruptDataException(blocks.Path, offset,
                        $"block {_block} slot {p.Slot}: the payload does not give the record's revision (generation {p.Generation})");
                visitor(_keys.AsSpan(p.KeyStart, p.KeyLength), revision, p.Flags, p.Lsn, _block, p.Slot);
                Count++;
            }
        }
        finally
        {
            decoded.Release();
        }
        _pending.Clear();
        _keyBytes = 0;
    }
}

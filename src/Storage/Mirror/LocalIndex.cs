using System.Buffers.Binary;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Storage.Mirror;

/// <summary>
/// The revision index of one replica's local copy of a database: <see cref="IndexSegment.Count"/> segments kept
/// up to date by every write, so two replicas can compare per-segment digests (anti-entropy) and then only the ids
/// of segments that differ. Thread-safe.
/// </summary>
internal sealed class LocalIndex
{
    private readonly IndexSegment[] _segments = Enumerable.Range(0, IndexSegment.Count).Select(_ => new IndexSegment()).ToArray();
    private readonly Lock _lock = new();

    /// <summary>
    /// Identifies this index's sequence numbering. Sequences are assigned afresh when a store opens, so a
    /// checkpoint taken against another epoch (another mirror, or before a restart) is not comparable.
    /// </summary>
    public string Epoch { get; } = Guid.NewGuid().ToString("N")[..16];

    /// <summary>Sum of all segment sequences: grows with every change, so equal totals in one epoch mean "no change".</summary>
    public long Total()
    {
        lock (_lock) return _segments.Sum(s => s.Sequence);
    }

    /// <summary>Records the record's current leaves.</summary>
    public void Apply(DocumentRecord record)
    {
        var state = StateOf(record);
        lock (_lock) _segments[IndexSegment.SegmentOf(record.Id)].Apply(record.Id, record.Winner.Rev, record.Winner.Deleted, state);
    }

    /// <summary>Records a record known only by its directory header (no conflicts).</summary>
    public void Apply(string id, Revision winner, bool deleted)
    {
        lock (_lock) _segments[IndexSegment.SegmentOf(id)].Apply(id, winner, deleted);
    }

    /// <summary>The digest of every segment, in segment order.</summary>
    public string[] Digests()
    {
        lock (_lock) return _segments.Select(s => s.Digest).ToArray();
    }

    /// <summary>The sequence of every segment, in segment order (a checkpoint).</summary>
    public long[] Sequences()
    {
        lock (_lock) return _segments.Select(s => s.Sequence).ToArray();
    }

    /// <summary>Every id of a segment with its digest contribution, for a detailed comparison with another replica.</summary>
    public IReadOnlyList<(string Id, string Digest)> Entries(int segment)
    {
        lock (_lock)
        {
            var s = _segments[segment];
            return s.Entries.Select(e => (e.Id, s.EntryDigest(e.Id).ToString("x32", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        }
    }

    /// <summary>Entries changed in <paramref name="segment"/> after <paramref name="since"/>.</summary>
    public IReadOnlyList<IndexEntry> ChangesSince(int segment, long since, int limit)
    {
        lock (_lock) return _segments[segment].ChangesSince(since, limit);
    }

    /// <summary>A hash of every non-winning leaf, so digests see conflicts too (zero when there are none).</summary>
    private static UInt128 StateOf(DocumentRecord record)
    {
        UInt128 state = default;
        Span<byte> buffer = stackalloc byte[Revision.EncodedSize];
        for (int i = 1; i < record.Leaves.Count; i++)
        {
            record.Leaves[i].Rev.WriteTo(buffer);
            var mixed = BinaryPrimitives.ReadUInt128LittleEndian(buffer[4..]) ^ (UInt128)(uint)record.Leaves[i].Rev.Generation;
            state ^= mixed * 0x9E3779B97F4A7C15UL + (record.Leaves[i].Deleted ? 1UL : 2UL);
        }
        return state;
    }
}

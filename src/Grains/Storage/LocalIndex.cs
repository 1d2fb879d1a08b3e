using MyNoSql.Grains.Index;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Storage;

/// <summary>
/// This silo's own revision index of the records in its store: per database, <see cref="IndexSegment.Count"/>
/// segments with digests, so anti-entropy can compare two silos' copies segment by segment. Thread-safe.
/// </summary>
internal sealed class LocalIndex
{
    private readonly Dictionary<string, IndexSegment[]> _databases = new(StringComparer.Ordinal);
    // Each database's sequence space here: random per store opening and per re-creation after a drop, so a reader's
    // position from another one is never taken for this one's.
    private readonly Dictionary<string, long> _epochs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Records an id's winner and the fingerprint of its other leaves (<see cref="DocumentRecord.LeavesTag"/>).</summary>
    public void Apply(string database, string id, Revision winner, bool deleted, string? leaves)
    {
        lock (_gate)
        {
            if (!_databases.TryGetValue(database, out var segments))
            {
                segments = new IndexSegment[IndexSegment.Count];
                for (int i = 0; i < segments.Length; i++) segments[i] = new IndexSegment();
                _databases[database] = segments;
                _epochs[database] = Random.Shared.NextInt64(1, long.MaxValue);
            }
            segments[IndexSegment.SegmentOf(id)].Apply(id, winner, deleted, leaves);
        }
    }

    /// <summary>Forgets a record whose copy this store dropped (<c>--replicas</c>: its holders confirmed theirs).</summary>
    public void Forget(string database, string id)
    {
        lock (_gate)
        {
            if (_databases.TryGetValue(database, out var segments)) segments[IndexSegment.SegmentOf(id)].Remove(id);
        }
    }

    /// <summary>Whether this store holds any record (or tombstone) of <paramref name="database"/>.</summary>
    public bool Holds(string database)
    {
        lock (_gate) return _databases.ContainsKey(database);
    }

    /// <summary>Forgets every record of <paramref name="database"/> (it was dropped).</summary>
    public void Remove(string database)
    {
        lock (_gate)
        {
            _databases.Remove(database);
            _epochs.Remove(database);
        }
    }

    public string[] Databases()
    {
        lock (_gate) return [.. _databases.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>Records (tombstones included) of every database held: cheap (segment sizes), for the metrics gauges.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> RecordCounts()
    {
        lock (_gate)
        {
            var counts = new List<KeyValuePair<string, long>>(_databases.Count);
            foreach (var (database, segments) in _databases)
            {
                long records = 0;
                foreach (var segment in segments) records += segment.Size;
                counts.Add(new(database, records));
            }
            return counts;
        }
    }

    /// <summary>Live and deleted records of <paramref name="database"/> and the sum of its segment sequences (an update
    /// sequence that grows with every change this silo applied).</summary>
    public (long Live, long Deleted, long Sequence) Counts(string database)
    {
        lock (_gate)
        {
            if (!_databases.TryGetValue(database, out var segments)) return (0, 0, 0);
            long live = 0, deleted = 0, sequence = 0;
            foreach (var segment in segments)
            {
                sequence += segment.Sequence;
                foreach (var entry in segment.Entries)
                {
                    if (entry.Deleted) deleted++;
                    else live++;
                }
            }
            return (live, deleted, sequence);
        }
    }

    /// <summary>Digest, size and sequence of every segment (index = segment); all empty when the database is unknown.</summary>
    public SegmentDigest[] Digests(string database)
    {
        lock (_gate)
        {
            _databases.TryGetValue(database, out var segments);
            var result = new SegmentDigest[IndexSegment.Count];
            for (int i = 0; i < result.Length; i++)
            {
                var s = segments?[i];
                result[i] = new SegmentDigest(i, s?.Digest ?? new IndexSegment().Digest, s?.Size ?? 0, 0, s?.Sequence ?? 0);
            }
            return result;
        }
    }

    /// <summary>
    /// One segment's whole digest and each entry's digest contribution (<see cref="IndexSegment.EntryDigest"/>), taken
    /// together: what <c>--replicas</c> anti-entropy needs to digest the part of a segment two mirrors should both hold.
    /// </summary>
    public (string Digest, (string Id, UInt128 Hash)[] Entries) EntryDigests(string database, int segment)
    {
        lock (_gate)
        {
            if (!_databases.TryGetValue(database, out var segments)) return (new IndexSegment().Digest, []);
            var s = segments[segment];
            return (s.Digest, [.. s.Entries.Select(e => (e.Id, s.EntryDigest(e.Id)))]);
        }
    }

    /// <summary>Snapshot of one segment's raw entries, sequence order (empty when unknown).</summary>
    public IReadOnlyList<IndexEntry> RawEntries(string database, int segment)
    {
        lock (_gate)
        {
            return _databases.TryGetValue(database, out var segments) ? segments[segment].ChangesSince(0, int.MaxValue) : [];
        }
    }

    /// <summary>
    /// One segment's entries changed after <paramref name="since"/>, oldest change first, at most <paramref name="limit"/>:
    /// what an index segment grain tails. <see cref="SegmentChanges.Epoch"/> names this store's sequence space of the
    /// database; a reader's <paramref name="epoch"/> from another space starts from 0.
    /// </summary>
    public SegmentChanges ChangesSince(string database, int segment, long epoch, long since, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(segment);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(segment, IndexSegment.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_gate)
        {
            if (!_databases.TryGetValue(database, out var segments)) return new SegmentChanges(0, 0, [], false);
            long own = _epochs[database];
            return SegmentPage.Of(segments[segment], own, epoch == own ? since : 0, limit);
        }
    }

    /// <summary>Snapshot of one segment's entries (id, winner, deleted), sequence order.</summary>
    public IndexEntryInfo[] Entries(string database, int segment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(segment);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(segment, IndexSegment.Count);
        lock (_gate)
        {
            if (!_databases.TryGetValue(database, out var segments)) return [];
            return [.. segments[segment].ChangesSince(0, int.MaxValue).Select(SegmentPage.Info)];
        }
    }
}

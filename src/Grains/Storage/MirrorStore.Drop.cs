using System.Buffers.Binary;
using System.Collections.Concurrent;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using Orleans.Storage;

namespace MyNoSql.Grains.Storage;

/// <summary>
/// Dropping a database from this silo's copy (<c>DELETE /db/{db}</c>): a durable drop marker (<c>_drop/{db}</c>, the
/// hybrid-clock stamp of the drop), then every key of the database cleared and the store compacted so the bytes go.
/// From the marker on, a revision of that database stamped at or before the drop is refused by every write path of this
/// store (replication, anti-entropy, batched pushes and the record grains' own writes): a grain that was active during the
/// drop, or a mirror that was down and still holds the old copy, cannot bring it back. Revisions made after the drop
/// (stamps above the marker: every silo's clock observes it) are a new database and are kept.
/// </summary>
internal sealed partial class MirrorStore
{
    /// <summary>Prefix of the drop markers' keys.</summary>
    internal const string DropPrefix = "_drop/";

    // Every kind of per-database state the mirror's grains and services keep in this store: "{prefix}{db}" or "{prefix}{db}/…".
    private static readonly string[] s_databaseStatePrefixes =
        [MirrorKeys.RecordPrefix, "segment/" + MirrorKeys.SegmentGrainType + "/", "lock/lock/", "lock-copy/", "mergepolicy/mpol/",
         "mergepolicy-copy/", "indexcatalog/idxcat/"];

    private readonly ConcurrentDictionary<string, long> _drops = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _dropGate = new(1, 1);
    // Writes in flight per epoch: a drop sets its marker, flips the epoch and waits for the writes of the old one (which may
    // have checked for a marker before it was set) before it lists the keys to clear. Later writes see the marker.
    private readonly long[] _writesInFlight = new long[2];
    private int _writeEpoch;

    /// <summary>Enters a record write (before its drop check); pass the result to <see cref="ExitWrite"/>.</summary>
    private int EnterWrite()
    {
        int epoch = Volatile.Read(ref _writeEpoch);
        Interlocked.Increment(ref _writesInFlight[epoch]);
        return epoch;
    }

    private void ExitWrite(int epoch) => Interlocked.Decrement(ref _writesInFlight[epoch]);

    /// <summary>Waits until every record write that may have checked for drops before the marker was set has finished.</summary>
    private async Task WaitForEarlierWritesAsync(CancellationToken cancellationToken)
    {
        int old = Volatile.Read(ref _writeEpoch);
        Interlocked.Exchange(ref _writeEpoch, 1 - old);
        while (Interlocked.Read(ref _writesInFlight[old]) > 0) await Task.Delay(1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every database dropped on this silo and the stamp of its (latest) drop.</summary>
    public IReadOnlyDictionary<string, long> Drops => _drops;

    /// <summary>Whether a revision of <paramref name="database"/> stamped <paramref name="stamp"/> predates its drop.</summary>
    public bool PredatesDrop(string database, long stamp) => _drops.TryGetValue(database, out long at) && stamp <= at;

    /// <summary>Whether every leaf of <paramref name="record"/> predates the drop of <paramref name="database"/> (nothing of
    /// it was made since).</summary>
    public bool PredatesDrop(string database, DocumentRecord record) =>
        _drops.TryGetValue(database, out long at) && record.Leaves.All(l => l.Stamp <= at);

    /// <summary>Whether <paramref name="key"/> holds state of <paramref name="database"/>.</summary>
    internal static bool BelongsTo(string key, string database)
    {
        foreach (string prefix in s_databaseStatePrefixes)
        {
            if (key.Length < prefix.Length + database.Length || !key.StartsWith(prefix, StringComparison.Ordinal)
                || string.CompareOrdinal(key, prefix.Length, database, 0, database.Length) != 0) continue;
            if (key.Length == prefix.Length + database.Length || key[prefix.Length + database.Length] == '/') return true;
        }
        return false;
    }

    /// <summary>Reads the drop markers (at open).</summary>
    private async Task LoadDropsAsync(CancellationToken cancellationToken)
    {
        foreach (var header in _replica.Records.List(DropPrefix))
        {
            var (payload, _) = await _replica.ReadStateAsync(header.Key, cancellationToken).ConfigureAwait(false);
            if (payload is { Length: 8 } bytes) _drops[header.Key[DropPrefix.Length..]] = BinaryPrimitives.ReadInt64LittleEndian(bytes.Span);
        }
    }

    /// <summary>
    /// Drops <paramref name="database"/> from this copy as of <paramref name="stamp"/>: records the marker durably (unless a
    /// later one is known), clears every key of the database that was not written since the drop began, forgets it in the
    /// <see cref="LocalIndex"/> and compacts. Idempotent. Returns the number of keys cleared.
    /// </summary>
    public async Task<int> DropAsync(string database, long stamp, CancellationToken cancellationToken = default)
    {
        DatabaseName.Validate(database, nameof(database));
        await _dropGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _replica.Clock.Observe(stamp);
            if (!_drops.TryGetValue(database, out long known) || stamp > known)
            {
                // The marker first, in memory and on disk: from here on no write path takes a revision from before the drop.
                _drops[database] = stamp;
                string markerKey = DropPrefix + database;
                var (_, etag) = await ReadStateAsync(markerKey, cancellationToken).ConfigureAwait(false);
                byte[] payload = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(payload, stamp);
                await WriteStateAsync(markerKey, etag, payload, cancellationToken).ConfigureAwait(false);
            }
            await WaitForEarlierWritesAsync(cancellationToken).ConfigureAwait(false);
            int cleared = await ClearAsync(database, cancellationToken).ConfigureAwait(false);
            await ReindexAsync(database, cancellationToken).ConfigureAwait(false);
            if (cleared > 0) await _replica.Records.CompactAsync(cancellationToken).ConfigureAwait(false);
            return cleared;
        }
        finally
        {
            _dropGate.Release();
        }
    }

    /// <summary>Clears, in batches under the keys' locks, every key of the database as listed now that still holds what
    /// the listing saw; a key written meanwhile passed the drop check (it is newer than the drop) and stays.</summary>
    private async Task<int> ClearAsync(string database, CancellationToken cancellationToken)
    {
        var listed = _replica.Records.List().Where(h => BelongsTo(h.Key, database) && !IsClearedHeader(h)).ToList();
        int cleared = 0;
        foreach (var chunk in listed.Chunk(512))
        {
            using (await _replica.LockManyAsync(chunk.Select(h => h.Key), cancellationToken).ConfigureAwait(false))
            {
                var writes = chunk
                    .Where(h => _replica.Records.TryGetHeader(h.Key, out var now) && now.Sequence == h.Sequence)
                    .Select(h => new StoredRecord(h.Key, default, RecordFlags.Deleted, ReadOnlyMemory<byte>.Empty))
                    .ToList();
                await _replica.Records.WriteBatchAsync(writes, cancellationToken).ConfigureAwait(false);
                cleared += writes.Count;
            }
        }
        return cleared;
    }

    /// <summary>Forgets the database in the local index, then indexes again what it still holds (records made after the drop).</summary>
    private async Task ReindexAsync(string database, CancellationToken cancellationToken)
    {
        Index.Remove(database);
        foreach (var header in _replica.Records.List(MirrorKeys.DatabasePrefix(database)))
        {
            if (IsClearedHeader(header) || !MirrorKeys.TryParseRecord(header.Key, out _, out var id)) continue;
            if (await ReadRecordAsync(database, id, cancellationToken).ConfigureAwait(false) is { } record)
                Index.Apply(database, id, record.Winner.Rev, record.Winner.Deleted, record.LeavesTag);
        }
    }

    /// <summary>Refuses a grain's write of a record made entirely before its database was dropped.</summary>
    /// <exception cref="DatabaseDroppedException">The record predates the drop.</exception>
    private void ThrowIfPredatesDrop(string key, DocumentRecord? record)
    {
        if (record is null || _drops.IsEmpty || !MirrorKeys.TryParseRecord(key, out var database, out var id) || !PredatesDrop(database, record)) return;
        throw new DatabaseDroppedException(
            $"Database '{database}' was dropped; record '{id}' (revision {record.Winner.Rev}) was made before the drop and is not stored again.");
    }

    private static bool IsClearedHeader(RecordHeader header) => header.Revision.IsEmpty && (header.Flags & RecordFlags.Deleted) != 0;
}

using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// The key → record engine of one database directory: a fixed number of shards, each an append-only log of
/// checksummed frames (group commit) plus sealed LZMA segment files, an in-memory directory and a block cache.
/// Thread-safe. Callers serialise writes to the same key themselves (the document layer holds a per-key lock),
/// so the engine only guarantees that writes to one key become visible in call order.
/// </summary>
internal sealed partial class RecordStore : IAsyncDisposable
{
    /// <summary>Opens (or creates) the store in <paramref name="directory"/>; replays only the log tail.</summary>
    public static ValueTask<RecordStore> OpenAsync(string directory, StoreOptions options, CancellationToken cancellationToken = default)
        => new(OpenCoreAsync(directory, options, cancellationToken));

    /// <summary>The directory the store lives in.</summary>
    public string Directory => _directory;

    /// <summary>Number of keys holding a record, tombstones included; cleared keys (no revision, flagged
    /// <see cref="RecordFlags.Deleted"/>: a grain state cleared, a copy dropped under <c>--replicas</c>) are not counted.</summary>
    public long Count => _shards.Sum(s => (long)s.Count);

    /// <summary>Number of keys whose current version carries <see cref="RecordFlags.Pending"/>.</summary>
    public long PendingCount => _shards.Sum(s => s.PendingCount);

    /// <summary>Directory lookup only; never touches disk.</summary>
    public bool TryGetHeader(string key, out RecordHeader header)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(key);
        return ShardFor(key).TryGetHeader(key, out header);
    }

    /// <summary>Reads the current version of <paramref name="key"/> (log or cached/decoded block); null when unknown.</summary>
    /// <exception cref="CorruptDataException">The block holding the record failed its checksum.</exception>
    public ValueTask<StoredRecord?> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        // Reads are positional and short (one frame or one block decode); doing them inline avoids a thread hop.
        return new(ShardFor(key).Read(key));
    }

    /// <summary>Appends one version; returns when durable per <see cref="StoreOptions.Durability"/>.</summary>
    public ValueTask WriteAsync(StoredRecord record, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(record);
        cancellationToken.ThrowIfCancellationRequested();
        var shard = ShardFor(record.Key);
        return new(shard.EnqueueAsync(EncodePuts([record])));
    }

    /// <summary>Appends many versions with one sync per touched shard.</summary>
    public ValueTask WriteBatchAsync(IReadOnlyList<StoredRecord> records, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(records);
        cancellationToken.ThrowIfCancellationRequested();
        if (records.Count == 0) return ValueTask.CompletedTask;
        var groups = GroupByShard(records, r => r.Key);
        return new(Task.WhenAll(groups.Select(g => _shards[g.Key].EnqueueAsync(EncodePuts(g.Value)))));
    }

    /// <summary>
    /// Clears <see cref="RecordFlags.Pending"/> for each key whose current revision still equals the given one
    /// (a mirror acknowledged it). Durable like a write. Keys that moved on keep their flag.
    /// </summary>
    public ValueTask ClearPendingAsync(IReadOnlyList<(string Key, Revision Revision)> acknowledged, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(acknowledged);
        cancellationToken.ThrowIfCancellationRequested();
        // Keys already cleared or moved on need no frame (and no sync); the committer re-checks when applying.
        var relevant = acknowledged.Where(a => ShardFor(a.Key).IsPendingAt(a.Key, a.Revision)).ToList();
        if (relevant.Count == 0) return ValueTask.CompletedTask;
        var groups = GroupByShard(relevant, a => a.Key);
        return new(Task.WhenAll(groups.Select(g => _shards[g.Key].EnqueueAsync(EncodeClears(g.Value)))));
    }

    /// <summary>Snapshot of the keys starting with <paramref name="prefix"/>, ordinal order, with their headers.</summary>
    public IReadOnlyList<RecordHeader> List(string prefix = "")
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(prefix);
        var headers = new List<RecordHeader>();
        foreach (var shard in _shards) shard.CollectHeaders(prefix, headers);
        headers.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return headers;
    }

    /// <summary>Number of shards: each has its own lsn order (<see cref="RecordHeader.Sequence"/>).</summary>
    public int ShardCount => _shards.Length;

    /// <summary>The shard <paramref name="key"/> lives in (0 ≤ result &lt; <see cref="ShardCount"/>).</summary>
    public int ShardOf(string key) => KeyHash.ShardOf(key, _shards.Length);

    /// <summary>
    /// Snapshot of the keys of one shard starting with <paramref name="prefix"/> whose current version's
    /// <see cref="RecordHeader.Sequence"/> is above <paramref name="sequence"/>, in lsn order: what changed since a
    /// point (change feeds, secondary indexes catching up after a crash). Directory scan only; never touches disk.
    /// </summary>
    public IReadOnlyList<RecordHeader> ChangedSince(int shard, ulong sequence, string prefix = "")
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, _shards.Length);
        var headers = new List<RecordHeader>();
        _shards[shard].CollectChangedSince(sequence, prefix, headers);
        headers.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        return headers;
    }

    /// <summary>Snapshot of the headers of every pending key (the outbox), in no particular order.</summary>
    public IReadOnlyList<RecordHeader> ListPending()
    {
        ThrowIfDisposed();
        var headers = new List<RecordHeader>((int)Math.Min(PendingCount, int.MaxValue));
        foreach (var shard in _shards) shard.CollectPending(headers);
        return headers;
    }

    /// <summary>Seals every shard's log into segments now and rewrites segments that are mostly superseded.</summary>
    public Task CompactAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Task.WhenAll(_shards.Select(s => s.CompactAsync(rotateActive: true, cancellationToken)));
    }

    /// <summary>Flushes, seals per <see cref="StoreOptions.SealOnClose"/>, and closes every file.</summary>
    public ValueTask DisposeAsync() => new(DisposeCoreAsync());
}

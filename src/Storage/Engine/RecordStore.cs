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
        => throw new NotImplementedException();

    /// <summary>The directory the store lives in.</summary>
    public string Directory => throw new NotImplementedException();

    /// <summary>Number of keys (including tombstones).</summary>
    public long Count => throw new NotImplementedException();

    /// <summary>Number of keys whose current version carries <see cref="RecordFlags.Pending"/>.</summary>
    public long PendingCount => throw new NotImplementedException();

    /// <summary>Directory lookup only; never touches disk.</summary>
    public bool TryGetHeader(string key, out RecordHeader header) => throw new NotImplementedException();

    /// <summary>Reads the current version of <paramref name="key"/> (log or cached/decoded block); null when unknown.</summary>
    /// <exception cref="CorruptDataException">The block holding the record failed its checksum.</exception>
    public ValueTask<StoredRecord?> ReadAsync(string key, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Appends one version; returns when durable per <see cref="StoreOptions.Durability"/>.</summary>
    public ValueTask WriteAsync(StoredRecord record, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Appends many versions with one sync per touched shard.</summary>
    public ValueTask WriteBatchAsync(IReadOnlyList<StoredRecord> records, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>
    /// Clears <see cref="RecordFlags.Pending"/> for each key whose current revision still equals the given one
    /// (a mirror acknowledged it). Durable like a write. Keys that moved on keep their flag.
    /// </summary>
    public ValueTask ClearPendingAsync(IReadOnlyList<(string Key, Revision Revision)> acknowledged, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Snapshot of the keys starting with <paramref name="prefix"/>, ordinal order, with their headers.</summary>
    public IReadOnlyList<RecordHeader> List(string prefix = "") => throw new NotImplementedException();

    /// <summary>Snapshot of the headers of every pending key (the outbox), in no particular order.</summary>
    public IReadOnlyList<RecordHeader> ListPending() => throw new NotImplementedException();

    /// <summary>Seals every shard's log into segments now and rewrites segments that are mostly superseded.</summary>
    public Task CompactAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Flushes, seals per <see cref="StoreOptions.SealOnClose"/>, and closes every file.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}

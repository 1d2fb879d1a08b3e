using System.Collections.Concurrent;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using Orleans.Storage;

namespace MyNoSql.Grains.Storage;

/// <summary>
/// One silo's own copy of the mirror: a <see cref="RecordStore"/> (LZMA shards) under the silo's data directory,
/// shared by the <c>lzma-shards</c> grain storage (the grains' state) and by replication and anti-entropy
/// (which write this silo's copy of records whose grain lives elsewhere). Every write to a key runs under a
/// per-key lock and checks the caller's ETag, so a grain whose copy was changed underneath it by replication
/// gets an <see cref="InconsistentStateException"/>, re-reads and retries instead of overwriting. Thread-safe.
/// </summary>
internal sealed class MirrorStore : IAsyncDisposable
{
    private const int MaxRememberedEtags = 1 << 20;
    private readonly RecordStore _records;
    private readonly KeyLocks _locks = new();
    // ETags of recently read or written keys; a key not in here has its ETag computed from the stored payload.
    private readonly ConcurrentDictionary<string, string> _etags = new(StringComparer.Ordinal);

    private MirrorStore(RecordStore records) => _records = records;

    /// <summary>This silo's per-segment index of the records it holds (for anti-entropy).</summary>
    public LocalIndex Index { get; } = new();

    public string Directory => _records.Directory;

    public long Count => _records.Count;

    public static async Task<MirrorStore> OpenAsync(string directory, StoreOptions options, CancellationToken cancellationToken)
    {
        var records = await RecordStore.OpenAsync(directory, options, cancellationToken).ConfigureAwait(false);
        var store = new MirrorStore(records);
        foreach (var header in records.List(MirrorKeys.RecordPrefix))
        {
            if (!MirrorKeys.TryParseRecord(header.Key, out var database, out var id) || header.Revision.IsEmpty) continue;
            // Only records with other leaves are read (rare): the index digests cover every leaf, not just the winner.
            string? leaves = RecordCodec.MayHaveOtherLeaves(header.Flags)
                ? (await store.ReadRecordAsync(database, id, cancellationToken).ConfigureAwait(false))?.LeavesTag
                : null;
            store.Index.Apply(database, id, header.Revision, (header.Flags & RecordFlags.Deleted) != 0, leaves);
        }
        return store;
    }

    /// <summary>The stored payload and its ETag; (null, null) when absent or cleared.</summary>
    public async ValueTask<(ReadOnlyMemory<byte>? Payload, string? ETag)> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        if (!_records.TryGetHeader(key, out _)) return (null, null);
        var stored = await _records.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stored is null || stored.Payload.IsEmpty) return (null, null);
        string etag = PayloadHash.Of(stored.Payload.Span);
        Remember(key, etag);
        return (stored.Payload, etag);
    }

    /// <summary>
    /// Writes <paramref name="payload"/> (empty = cleared) if the stored ETag still equals <paramref name="expectedEtag"/>;
    /// returns the new ETag (null when cleared) once durable.
    /// </summary>
    /// <exception cref="InconsistentStateException">The key changed since the caller read it.</exception>
    public async ValueTask<string?> WriteAsync(string key, string? expectedEtag, ReadOnlyMemory<byte> payload, Revision revision, RecordFlags flags, CancellationToken cancellationToken = default)
    {
        using (await _locks.AcquireAsync(key, cancellationToken).ConfigureAwait(false))
        {
            string? current = await CurrentEtagAsync(key, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(current, expectedEtag, StringComparison.Ordinal))
                throw new InconsistentStateException($"State '{key}' changed in this mirror's store since it was read.", current, expectedEtag);
            await _records.WriteAsync(new StoredRecord(key, revision, flags, payload), cancellationToken).ConfigureAwait(false);
            string? etag = payload.IsEmpty ? null : PayloadHash.Of(payload.Span);
            Remember(key, etag);
            if (!revision.IsEmpty && MirrorKeys.TryParseRecord(key, out var database, out var id))
            {
                string? leaves = RecordCodec.MayHaveOtherLeaves(flags) ? RecordCodec.Decode(_records.Directory, id, payload).LeavesTag : null;
                Index.Apply(database, id, revision, (flags & RecordFlags.Deleted) != 0, leaves);
            }
            return etag;
        }
    }

    /// <summary>This silo's copy of a record; null when it holds none.</summary>
    /// <exception cref="CorruptDataException">The stored bytes are damaged.</exception>
    public async ValueTask<DocumentRecord?> ReadRecordAsync(string database, string id, CancellationToken cancellationToken = default)
    {
        var (payload, _) = await ReadAsync(MirrorKeys.Record(database, id), cancellationToken).ConfigureAwait(false);
        return payload is null ? null : RecordCodec.Decode(_records.Directory, id, payload.Value);
    }

    /// <summary>Merges a replicated leaf into this silo's copy of a record (durable before it returns).</summary>
    public async ValueTask<MergeResult> MergeAsync(string database, string id, RevisionLeaf leaf, CancellationToken cancellationToken = default)
    {
        string key = MirrorKeys.Record(database, id);
        using (await _locks.AcquireAsync(key, cancellationToken).ConfigureAwait(false))
        {
            var (payload, _) = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
            var current = payload is null ? null : RecordCodec.Decode(_records.Directory, id, payload.Value);
            var outcome = DocumentRules.Merge(current, id, leaf);
            if (outcome.Result == MergeResult.AlreadyKnown) return outcome.Result;
            var bytes = outcome.Record.Encode();
            await _records.WriteAsync(new StoredRecord(key, outcome.Record.Winner.Rev, RecordCodec.FlagsOf(outcome.Record), bytes), cancellationToken).ConfigureAwait(false);
            Remember(key, PayloadHash.Of(bytes));
            Index.Apply(database, id, outcome.Record.Winner.Rev, outcome.Record.Winner.Deleted, outcome.Record.LeavesTag);
            return outcome.Result;
        }
    }

    public ValueTask DisposeAsync() => _records.DisposeAsync();

    private async ValueTask<string?> CurrentEtagAsync(string key, CancellationToken cancellationToken)
    {
        if (_etags.TryGetValue(key, out var known)) return known.Length == 0 ? null : known;
        var (_, etag) = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
        return etag;
    }

    private void Remember(string key, string? etag)
    {
        // Bounded: forgetting is always safe (the ETag is then recomputed from the stored payload).
        if (_etags.Count >= MaxRememberedEtags) _etags.Clear();
        _etags[key] = etag ?? "";
    }
}

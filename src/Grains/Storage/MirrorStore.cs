using System.Globalization;
using MyNoSql.Storage.Diagnostics;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using Orleans.Storage;

namespace MyNoSql.Grains.Storage;

/// <summary>
/// One silo's own copy of the mirror: a thin ETag + <see cref="LocalIndex"/> layer over the <see cref="ReplicaStore"/>
/// peers use too (records under <see cref="MirrorKeys"/>), shared by the <c>lzma-shards</c> grain storage (the grains'
/// state) and by replication and anti-entropy (which write this silo's copy of records whose grain lives elsewhere).
/// An ETag is the engine's version stamp of the key (<see cref="RecordHeader.Sequence"/>, in hex), so checking one
/// needs neither a cache nor a payload read. A write checks the caller's ETag under the replica store's per-key lock,
/// so a grain whose copy was changed underneath it by replication gets an <see cref="InconsistentStateException"/>,
/// re-reads and retries instead of overwriting. Thread-safe.
/// </summary>
internal sealed partial class MirrorStore : IAsyncDisposable, IReplicaObserver
{
    /// <summary>Present once every record in the store carries <see cref="RecordFlags.HasOtherLeaves"/> where it applies.</summary>
    internal const string LeafFlagsMarker = "LEAF-FLAGS";
    private readonly ReplicaStore _replica;

    private MirrorStore(RecordStore records, int historyDepth, HybridClock? clock)
    {
        // History is this silo's own (DESIGN §8): replication and anti-entropy writes keep it at the configured depth, and
        // their stamps move this silo's clock.
        _replica = new ReplicaStore(records, "mirror store") { HistoryDepth = historyDepth, Clock = clock ?? HybridClock.System };
        _replica.AddObserver(this);
        // One store holds every database: the gauges report records and disk bytes per database, from the index.
        MyNoSqlMetrics.SplitByDatabase(records, Index.RecordCounts);
    }

    /// <summary>The replica store under this mirror store (secondary indexes and change feeds observe it).</summary>
    internal ReplicaStore Replica => _replica;

    /// <summary>This silo's per-segment index of the records it holds (for anti-entropy).</summary>
    public LocalIndex Index { get; } = new();

    public string Directory => _replica.Records.Directory;

    public long Count => _replica.Records.Count;

    /// <summary>Records whose flags the one-time scan of a store from before <see cref="RecordFlags.HasOtherLeaves"/>
    /// was persisted had to rewrite at open (0 once the store carries the marker).</summary>
    public int Reflagged { get; private set; }

    public static async Task<MirrorStore> OpenAsync(string directory, StoreOptions options, CancellationToken cancellationToken,
        int historyDepth = RecordHistory.DefaultDepth, HybridClock? clock = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var records = await RecordStore.OpenAsync(directory, options, cancellationToken).ConfigureAwait(false);
        try
        {
            return await LoadAsync(records, historyDepth, clock, logger, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await records.DisposeAsync().ConfigureAwait(false); // releases the store's lock and files (the host may set it aside)
            throw;
        }
    }

    private static async Task<MirrorStore> LoadAsync(RecordStore records, int historyDepth, HybridClock? clock, Microsoft.Extensions.Logging.ILogger? logger,
        CancellationToken cancellationToken)
    {
        var store = new MirrorStore(records, historyDepth, clock);
        if (logger is not null) store.Logger = logger;
        // Before HasOtherLeaves reached disk, a record whose losing branches were all resolved (deleted) looked like a
        // plain one after a restart. A store without the marker is read whole once and such records are rewritten.
        string marker = Path.Combine(records.Directory, LeafFlagsMarker);
        bool scanAll = !File.Exists(marker);
        foreach (var header in records.List(MirrorKeys.RecordPrefix))
        {
            if (!MirrorKeys.TryParseRecord(header.Key, out var database, out var id) || header.Revision.IsEmpty) continue;
            // Only records with other leaves are read (rare): the index digests cover every leaf, not just the winner.
            DocumentRecord? record = null;
            if (scanAll || ReplicaStore.HasOtherLeaves(header.Flags))
                record = await store.ReadRecordAsync(database, id, cancellationToken).ConfigureAwait(false);
            if (record is { HasOtherLeaves: true } && (header.Flags & RecordFlags.HasOtherLeaves) == 0)
            {
                using (await store._replica.LockAsync(header.Key, cancellationToken).ConfigureAwait(false))
                    await store._replica.WriteAsync(header.Key, record, RecordFlags.None, cancellationToken).ConfigureAwait(false);
                store.Reflagged++;
            }
            store.Index.Apply(database, id, header.Revision, (header.Flags & RecordFlags.Deleted) != 0, record?.LeavesTag);
        }
        await store.LoadDropsAsync(cancellationToken).ConfigureAwait(false);
        if (scanAll) await File.WriteAllTextAsync(marker, "records carry HasOtherLeaves\n", cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <summary>Opaque (non-record) state and its ETag; (null, null) when absent or cleared.</summary>
    public async ValueTask<(ReadOnlyMemory<byte>? Payload, string? ETag)> ReadStateAsync(string key, CancellationToken cancellationToken = default)
    {
        var (payload, version) = await _replica.ReadStateAsync(key, cancellationToken).ConfigureAwait(false);
        return (payload, ETagOf(version));
    }

    /// <summary>
    /// A record grain's state and its ETag (decoded once, here); (null, null) when absent or cleared. A damaged copy
    /// (noted, logged) reads as no record with the damage and the stored version's ETag, so the grain's rewrite of it
    /// from the other mirrors passes the ETag check (MirrorStore.Damage.cs).
    /// </summary>
    public async ValueTask<(DocumentRecord? Record, string? ETag, RecordDamage? Damage)> ReadRecordStateAsync(string key, CancellationToken cancellationToken = default)
    {
        string id = MirrorKeys.TryParseRecord(key, out _, out var parsed) ? parsed : key;
        try
        {
            var (record, version) = await _replica.ReadVersionAsync(key, id, cancellationToken).ConfigureAwait(false);
            return (record, ETagOf(version), null);
        }
        catch (CorruptDataException e)
        {
            var damage = NoteDamage(key, e);
            return (null, ETagOf(damage.Version), damage);
        }
    }

    /// <summary>
    /// Writes opaque state (empty = cleared) if the stored ETag still equals <paramref name="expectedEtag"/>;
    /// returns the new ETag (null when cleared) once durable.
    /// </summary>
    /// <exception cref="InconsistentStateException">The key changed since the caller read it.</exception>
    public async ValueTask<string?> WriteStateAsync(string key, string? expectedEtag, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var (written, version) = await _replica.WriteStateIfAsync(key, payload, VersionOf(expectedEtag), cancellationToken).ConfigureAwait(false);
        return Checked(key, expectedEtag, written, version);
    }

    /// <summary>
    /// Writes a record grain's state (null = cleared) if the stored ETag still equals <paramref name="expectedEtag"/>;
    /// returns the new ETag (null when cleared) once durable. The record is encoded once, by the replica store.
    /// </summary>
    /// <exception cref="InconsistentStateException">The key changed since the caller read it.</exception>
    public async ValueTask<string?> WriteRecordStateAsync(string key, string? expectedEtag, DocumentRecord? record, CancellationToken cancellationToken = default)
    {
        int epoch = EnterWrite();
        try
        {
            ThrowIfPredatesDrop(key, record);
            var (written, version) = await _replica.WriteIfAsync(key, record, VersionOf(expectedEtag), cancellationToken).ConfigureAwait(false);
            return Checked(key, expectedEtag, written, version);
        }
        finally
        {
            ExitWrite(epoch);
        }
    }

    /// <summary>Merges a replicated leaf into this silo's copy of a record (durable before it returns).</summary>
    public async ValueTask<MergeResult> MergeAsync(string database, string id, RevisionLeaf leaf, CancellationToken cancellationToken = default)
    {
        int epoch = EnterWrite();
        try
        {
            if (PredatesDrop(database, leaf.Stamp)) return MergeResult.AlreadyKnown; // the database was dropped after it (MirrorStore.Drop.cs)
            string key = MirrorKeys.Record(database, id);
            try
            {
                var (result, _) = await _replica.MergeAsync(key, id, [leaf], pending: false, cancellationToken).ConfigureAwait(false);
                return result;
            }
            catch (CorruptDataException e)
            {
                throw Refused(key, e);
            }
        }
        finally
        {
            ExitWrite(epoch);
        }
    }

    public ValueTask DisposeAsync() => _replica.Records.DisposeAsync();

    // Under the key's lock, after the write is durable: the index follows the store in write order.
    void IReplicaObserver.OnWritten(in ReplicaWrite write)
    {
        if (!_damaged.IsEmpty) _damaged.TryRemove(write.Key, out _); // the damaged bytes are superseded
        if (write.Record is { } record && MirrorKeys.TryParseRecord(write.Key, out var database, out var id))
            Index.Apply(database, id, record.Winner.Rev, record.Winner.Deleted, record.LeavesTag);
    }

    private static string? Checked(string key, string? expectedEtag, bool written, ulong version)
    {
        string? current = ETagOf(version);
        if (!written)
            throw new InconsistentStateException($"State '{key}' changed in this mirror's store since it was read.", current, expectedEtag);
        return current;
    }

    private static string? ETagOf(ulong version) => version == 0 ? null : version.ToString("x", CultureInfo.InvariantCulture);

    // An ETag this store did not make (another provider's, a hand-made one) matches no stored version.
    private static ulong VersionOf(string? etag) =>
        etag is null ? 0 : ulong.TryParse(etag, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) && v != 0 ? v : ulong.MaxValue;
}

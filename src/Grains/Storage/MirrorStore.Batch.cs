using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Storage;

internal sealed partial class MirrorStore
{
    /// <summary>
    /// Merges many records' leaves into this silo's copy with one durable batch write
    /// (<see cref="ReplicaStore.MergeManyAsync"/>): a peer's push applied by the gateway's silo, or a replication batch.
    /// One result per item, in order, with the record its key holds afterwards; with <paramref name="take"/>, null for an item
    /// it refused given what its key held under the lock (left alone), and for a revision of a dropped database made before its drop.
    /// </summary>
    public async ValueTask<(MergeResult? Result, DocumentRecord? Stored)[]> MergeManyAsync(string database,
        IReadOnlyList<(string Id, RevisionLeaf Leaf)> items, Func<DocumentRecord?, RevisionLeaf, bool>? take = null, CancellationToken cancellationToken = default)
    {
        int epoch = EnterWrite();
        try
        {
            return await _replica.MergeManyAsync([.. items.Select(i => (MirrorKeys.Record(database, i.Id), i.Id, i.Leaf))],
                _drops.ContainsKey(database) ? (stored, leaf) => !PredatesDrop(database, leaf.Stamp) && (take is null || take(stored, leaf)) : take,
                cancellationToken).ConfigureAwait(false);
        }
        catch (CorruptDataException e)
        {
            // The engine names the file and offset, not the key: the batch's records are read once more to note which.
            foreach (var (id, _) in items)
            {
                if (await ReadRecordAsync(database, id, cancellationToken).ConfigureAwait(false) is null && _damaged.ContainsKey(MirrorKeys.Record(database, id)))
                    throw Refused(MirrorKeys.Record(database, id), e);
            }
            throw;
        }
        finally
        {
            ExitWrite(epoch);
        }
    }

    /// <summary>Whether this silo's copy holds anything under the record's key (directory lookup only).</summary>
    public bool HoldsRecord(string database, string id) => _replica.VersionOf(MirrorKeys.Record(database, id)) != 0;

    /// <summary>
    /// Whether <paramref name="etag"/> (a grain's, from <see cref="ReadRecordStateAsync"/> or a write) is still the stored
    /// version of <paramref name="key"/>: a directory lookup, no payload read. An active record grain checks it before
    /// each call, so a batch or replication write underneath it makes it re-read instead of serving an older state.
    /// </summary>
    public bool IsCurrent(string key, string? etag) => VersionOf(etag) == _replica.VersionOf(key);
}

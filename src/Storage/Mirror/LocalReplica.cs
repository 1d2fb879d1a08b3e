using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Mirror;

/// <summary><see cref="IReplica"/> over this process's <see cref="DatabaseCatalog"/>.</summary>
internal sealed class LocalReplica(DatabaseCatalog catalog) : IReplica
{
    public async Task<string[]> GetDigestsAsync(string database, CancellationToken cancellationToken)
    {
        var store = await catalog.GetAsync(database).ConfigureAwait(false);
        return store.Index!.Digests();
    }

    public async Task<IReadOnlyList<(string Id, string Digest)>> GetEntriesAsync(string database, int segment, CancellationToken cancellationToken)
    {
        var store = await catalog.GetAsync(database).ConfigureAwait(false);
        return store.Index!.Entries(segment);
    }

    public async Task<IReadOnlyList<DocumentRecord>> ReadRecordsAsync(string database, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var store = await catalog.GetAsync(database).ConfigureAwait(false);
        var result = new List<DocumentRecord>(ids.Count);
        foreach (var id in ids)
        {
            if (await store.ReadRecordAsync(id, cancellationToken).ConfigureAwait(false) is { } record) result.Add(record);
        }
        return result;
    }

    public async Task MergeRecordsAsync(string database, IReadOnlyList<DocumentRecord> records, CancellationToken cancellationToken)
    {
        var store = await catalog.GetAsync(database).ConfigureAwait(false);
        foreach (var record in records)
            await store.MergeLeavesAsync(record.Id, record.Leaves, pending: false, cancellationToken).ConfigureAwait(false);
    }
}

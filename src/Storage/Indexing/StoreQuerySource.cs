using System.Runtime.CompilerServices;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// <see cref="IQuerySource"/> over one database's records (<see cref="IndexedRecords"/>) and its ready indexes. The
/// sorted id list of the full scan is built once and reused while no write happened since, so paging a full scan
/// costs a binary search per page instead of a sort. Documents read are kept composed by version
/// (<see cref="ComposedDocumentCache"/>): repeated queries parse them again but do not read them again.
/// </summary>
internal sealed class StoreQuerySource(IndexManager manager, IndexedRecords records) : IQuerySource
{
    /// <summary>Bytes of composed documents the query path keeps per replica store (<see cref="ComposedDocumentCache"/>).</summary>
    public const long DocumentCacheBytes = 4L << 20;

    // One cache per store, keyed by full key: a mirror's many databases share one budget.
    private static readonly ConditionalWeakTable<ReplicaStore, ComposedDocumentCache> Caches = [];
    private readonly ComposedDocumentCache _documents = Caches.GetValue(records.Replica, _ => new ComposedDocumentCache(DocumentCacheBytes));
    private volatile Tuple<long, IReadOnlyList<RecordHeader>>? _snapshot; // one reference: read and replaced atomically

    public string Context => records.Context;

    public IReadOnlyList<ISecondaryIndex> Indexes => manager.ReadyIndexes;

    public IEnumerable<string> LiveIds(string? after)
    {
        var headers = Headers();
        int start = 0;
        if (after is not null)
        {
            string afterKey = records.KeyOf(after);
            int lo = 0, hi = headers.Count;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (string.CompareOrdinal(headers[mid].Key, afterKey) <= 0) lo = mid + 1;
                else hi = mid;
            }
            start = lo;
        }
        for (int i = start; i < headers.Count; i++)
        {
            var header = headers[i];
            if ((header.Flags & RecordFlags.Deleted) == 0) yield return records.IdOf(header.Key);
        }
    }

    public async ValueTask<LiveDocument> ReadLiveAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        string key = records.KeyOf(id);
        if (!records.Records.TryGetHeader(key, out var header) || (header.Flags & RecordFlags.Deleted) != 0) return default;
        if (_documents.Get(key, header.Sequence) is { } kept) return new LiveDocument(DocumentCodec.ParseComposed(kept), header.Sequence);
        // The version comes with the record: an index entry of that version described exactly this body.
        var (record, version) = await records.Replica.ReadVersionAsync(key, id, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Winner.Deleted) return default;
        var composed = DocumentCodec.ComposeUtf8(id, record.Winner.Rev, record.Winner.Body.Span);
        if (version != 0) _documents.Put(key, version, composed);
        return new LiveDocument(DocumentCodec.ParseComposed(composed), version);
    }

    private IReadOnlyList<RecordHeader> Headers()
    {
        long writes = manager.WriteCount;
        var snapshot = _snapshot;
        if (snapshot is not null && snapshot.Item1 == writes) return snapshot.Item2;
        // Read the counter before listing: a write during the listing makes the next call list again.
        var headers = records.Records.List(records.KeyPrefix);
        _snapshot = Tuple.Create(writes, headers);
        return headers;
    }
}

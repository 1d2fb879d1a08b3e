using System.Text.Json.Nodes;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Indexing;
using MyNoSql.Storage.Diagnostics;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// The document layer of one database (a peer's): savedoc/delete/merge rules (<see cref="DocumentRules"/>) over the
/// <see cref="ReplicaStore"/> mirrors use too (key = id), so both kinds of replica read, merge and write records one
/// way. Writes to one id are serialised by a striped lock held until the write is durable, so a revision check and
/// its write are atomic; different ids share the engine's group commit.
/// </summary>
internal sealed partial class DocumentStore : IAsyncDisposable
{
    private readonly ReplicaStore _replica;
    private readonly int _maxDocumentSize;

    private DocumentStore(string name, RecordStore records, ReplicaStore replica, IndexManager indexes, int maxDocumentSize, long documentCacheBytes)
    {
        Name = name;
        Records = records;
        _replica = replica;
        Indexes = indexes;
        _maxDocumentSize = maxDocumentSize;
        ParsedDocuments = new ParsedDocumentCache(documentCacheBytes);
    }

    /// <summary>The database name, used in errors.</summary>
    public string Name { get; }

    /// <summary>The underlying engine.</summary>
    public RecordStore Records { get; }

    /// <summary>The replica store under this database (secondary indexes and change feeds observe it).</summary>
    internal ReplicaStore Replica => _replica;

    /// <summary>Winning revisions parsed by recent reads (<see cref="StoreOptions.DocumentCacheBytes"/>).</summary>
    internal ParsedDocumentCache ParsedDocuments { get; }

    /// <summary>The secondary indexes of this database (kept in step with every write, sync merges included).</summary>
    internal IndexManager Indexes { get; }

    /// <summary>The attachment bodies of this database (<c>&lt;db dir&gt;/attachments</c>), set once by the peer after
    /// opening; null only for stores opened without one (tests, tools). Closed with this store.</summary>
    internal AttachmentStore? Attachments { get; set; }

    /// <summary>Opens the records in <paramref name="directory"/> and the indexes in <paramref name="indexDirectory"/>
    /// (default: <c>{directory}/indexes</c>, beside the shard folders, which the engine never scans).</summary>
    /// <param name="name">The database name.</param>
    /// <param name="directory">The engine's folder.</param>
    /// <param name="options">Engine options.</param>
    /// <param name="maxDocumentSize">Largest body accepted.</param>
    /// <param name="indexDirectory">The indexes' folder (null: beside the shards).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <param name="historyDepth">Bodies of this many past revisions are kept per record (0: none).</param>
    /// <param name="clock">This replica's clock (default: the system's).</param>
    public static async ValueTask<DocumentStore> OpenAsync(string name, string directory, StoreOptions options, int maxDocumentSize, string? indexDirectory = null, CancellationToken cancellationToken = default,
        int historyDepth = RecordHistory.DefaultDepth, HybridClock? clock = null)
    {
        DatabaseName.Validate(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDocumentSize);
        ArgumentOutOfRangeException.ThrowIfNegative(historyDepth);
        SaveWarmUp.Start(); // beside the logs' zero-fill: the first save finds its code compiled
        var records = await RecordStore.OpenAsync(directory, options, cancellationToken).ConfigureAwait(false);
        try
        {
            var replica = new ReplicaStore(records, $"database '{name}'") { HistoryDepth = historyDepth, Clock = clock ?? HybridClock.System };
            var indexes = await IndexManager.OpenAsync(indexDirectory ?? Path.Combine(directory, "indexes"), replica, "", $"database '{name}'", cancellationToken).ConfigureAwait(false);
            return new DocumentStore(name, records, replica, indexes, maxDocumentSize, options.DocumentCacheBytes);
        }
        catch
        {
            await records.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>savedoc for a local write: the result is pending (in the outbox) until a mirror acknowledges it.</summary>
    public async ValueTask<JsonObject> SaveAsync(JsonObject document, CancellationToken cancellationToken = default)
    {
        var parsed = DocumentCodec.Parse(document, _maxDocumentSize);
        string id = parsed.Id ?? DocumentId.NewId();
        using (await _replica.LockAsync(id, cancellationToken).ConfigureAwait(false))
        {
            var current = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
            var outcome = DocumentRules.Save(Name, current, id, parsed.Rev, parsed.Body, IsPending(id), _replica.NewEdit());
            if (outcome.Changed)
                await PersistAsync(outcome.Record, RecordFlags.Pending, cancellationToken).ConfigureAwait(false);
            MyNoSqlMetrics.Saves.Add(1, MyNoSqlMetrics.Db(Name));
            return DocumentCodec.Compose(id, outcome.Leaf.Rev, outcome.Leaf.Body.Span);
        }
    }

    /// <summary>Reads the winning revision; null when absent or deleted. A record read before and not written since
    /// is not parsed again (<see cref="ParsedDocuments"/>).</summary>
    public async ValueTask<JsonObject?> ReadAsync(string id, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        MyNoSqlMetrics.Reads.Add(1, MyNoSqlMetrics.Db(Name));
        // Only live winners are cached, and a delete or any other write moves the version on: a hit is current.
        ulong version = ParsedDocuments.Capacity == 0 ? 0 : _replica.VersionOf(id);
        if (version != 0 && ParsedDocuments.TryGet(id, version, out var cached)) return JsonObject.Create(cached);
        var (record, readVersion) = await _replica.ReadVersionAsync(id, id, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Winner.Deleted) return null;
        var element = DocumentCodec.ComposeElement(id, record.Winner.Rev, record.Winner.Body.Span, out long parsedBytes);
        if (readVersion != 0) ParsedDocuments.Add(id, readVersion, element, parsedBytes); // keeps nothing at Capacity 0
        return JsonObject.Create(element);
    }

    /// <summary>The winning revision as the user's UTF-8 JSON; null when absent or deleted.</summary>
    public async ValueTask<byte[]?> ReadUtf8Async(string id, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        // One directory lookup: the read itself says whether the winner is a tombstone.
        var record = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
        MyNoSqlMetrics.Reads.Add(1, MyNoSqlMetrics.Db(Name));
        if (record is null || record.Winner.Deleted) return null;
        return DocumentCodec.ComposeUtf8(id, record.Winner.Rev, record.Winner.Body.Span);
    }

    /// <summary>Writes a tombstone for the current revision (or resolves a conflict leaf); returns its revision.</summary>
    public async ValueTask<Revision> DeleteAsync(string id, string? rev, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        using (await _replica.LockAsync(id, cancellationToken).ConfigureAwait(false))
        {
            var current = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
            var outcome = DocumentRules.Delete(Name, current, id, rev, IsPending(id), _replica.NewEdit());
            await PersistAsync(outcome.Record, RecordFlags.Pending, cancellationToken).ConfigureAwait(false);
            MyNoSqlMetrics.Saves.Add(1, MyNoSqlMetrics.Db(Name));
            return outcome.Leaf.Rev;
        }
    }

    /// <summary>The live losing revisions, each as the user's JSON with its own <c>rev</c>.</summary>
    public async ValueTask<IReadOnlyList<JsonObject>> GetConflictsAsync(string id, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        var record = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null) return [];
        return record.Conflicts.Select(l => DocumentCodec.Compose(id, l.Rev, l.Body.Span)).ToList();
    }

    /// <summary>Applies a replicated revision (with ancestry). <paramref name="pending"/> marks it for the outbox.</summary>
    public async ValueTask<MergeResult> MergeAsync(string id, RevisionLeaf incoming, bool pending, CancellationToken cancellationToken = default)
    {
        var (result, _) = await MergeLeavesAsync(id, [incoming], pending, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Applies every leaf of a record received from another replica in one write. Returns the strongest result
    /// (Conflict over Accepted over AlreadyKnown) and the record now stored.
    /// </summary>
    public async ValueTask<(MergeResult Result, DocumentRecord? Stored)> MergeLeavesAsync(string id, IReadOnlyList<RevisionLeaf> incoming, bool pending, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        return await _replica.MergeAsync(id, id, incoming, pending, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts a stored record back into the outbox (the mirrors no longer know it); false when the id is unknown.</summary>
    public async ValueTask<bool> MarkPendingAsync(string id, CancellationToken cancellationToken = default)
    {
        using (await _replica.LockAsync(id, cancellationToken).ConfigureAwait(false))
        {
            var record = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
            if (record is null) return false;
            await PersistAsync(record, RecordFlags.Pending, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>The whole stored record (every leaf), or null when the id was never stored.</summary>
    /// <exception cref="CorruptDataException">The stored bytes are damaged.</exception>
    public ValueTask<DocumentRecord?> ReadRecordAsync(string id, CancellationToken cancellationToken = default) =>
        _replica.ReadAsync(id, id, cancellationToken);

    /// <summary>Live (not deleted) ids starting with <paramref name="prefix"/>, ordinal order.</summary>
    public IEnumerable<string> ListLiveIds(string prefix = "")
    {
        foreach (var header in Records.List(prefix))
        {
            if ((header.Flags & RecordFlags.Deleted) == 0) yield return header.Key;
        }
    }

    /// <summary>Closes the indexes (each memtable written to a run), then the records.</summary>
    public async ValueTask DisposeAsync()
    {
        ParsedDocuments.Clear();
        try
        {
            await Indexes.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            try
            {
                if (Attachments is { } attachments) await attachments.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                await Records.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>True while the record holds local edits no mirror acknowledged: new edits keep their whole ancestry.</summary>
    private bool IsPending(string id) => Records.TryGetHeader(id, out var header) && (header.Flags & RecordFlags.Pending) != 0;

    private ValueTask PersistAsync(DocumentRecord record, RecordFlags extra, CancellationToken cancellationToken) =>
        _replica.WriteAsync(record.Id, record, extra, cancellationToken);
}

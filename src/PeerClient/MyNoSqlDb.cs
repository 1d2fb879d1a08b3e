using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json.Nodes;
using MyNoSql.Local;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Sync;

namespace MyNoSql;

/// <summary>
/// An embedded MyNoSql database. Writes are local and never wait for the network: every local write is durable when
/// its call returns (with the default durability) and is recorded in the outbox until a mirror acknowledges it.
/// Reads answer from the local copy, except that a read may first ask a reachable mirror for the record (one it does
/// not hold, or one whose last pull is older than <see cref="MyNoSqlOptions.ReadFreshness"/>); mirrors that failed
/// are skipped until they answer again. All members are safe to call concurrently.
/// </summary>
public sealed partial class MyNoSqlDb : IAsyncDisposable
{
    private readonly DocumentStore _store;
    private readonly string _directory;
    private readonly SemaphoreSlim _metadataGate = new(1, 1);
    private readonly SyncEngine _sync;
    private readonly SyncLoop _loop;
    private PeerMetadata _metadata;
    private int _disposed;

    private MyNoSqlDb(string directory, PeerMetadata metadata, DocumentStore store, MyNoSqlOptions options)
    {
        _directory = directory;
        _metadata = metadata;
        _store = store;
        _sync = new SyncEngine(store, () => Volatile.Read(ref _metadata), UpdateMetadataAsync, options);
        _loop = new SyncLoop(_sync, () => Volatile.Read(ref _metadata).Mirrors.Count > 0, options.SyncInterval);
        store.Replica.MergePolicy = CurrentMergePolicy;
    }

    /// <summary>opendb: opens (creating if needed) the database <paramref name="name"/> under <see cref="MyNoSqlOptions.DataDirectory"/>.</summary>
    /// <param name="name">1–64 chars of [a-z0-9_-], starting with a letter.</param>
    /// <param name="options">Data directory, durability, cache and size limits; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <exception cref="ArgumentException">Invalid name or options.</exception>
    /// <exception cref="DatabaseLockedException">Another process (or another handle in this process) has the database
    /// open; one lock file (<c>store/store.lock</c>) guards it, released by the OS if the holder dies.</exception>
    /// <exception cref="CorruptDataException">A file failed its checksum in a way that would lose acknowledged data.</exception>
    public static async Task<MyNoSqlDb> OpenAsync(string name, MyNoSqlOptions? options = null, CancellationToken cancellationToken = default)
    {
        DatabaseName.Validate(name, nameof(name));
        options ??= new MyNoSqlOptions();
        ValidateOptions(options);
        string directory = Path.GetFullPath(Path.Combine(options.DataDirectory, name));
        Directory.CreateDirectory(directory);
        var storeOptions = new StoreOptions
        {
            Name = name,
            Durability = options.Durability,
            BlockCacheBytes = options.CacheSizeBytes,
            DocumentCacheBytes = options.DocumentCacheBytes,
            LogSealThresholdBytes = options.LogSealThresholdBytes ?? new StoreOptions().LogSealThresholdBytes,
            SealOnClose = options.SealOnClose,
            InlineCommits = true, // a local save commits on the caller's thread when its shard is idle
        };
        // One lock: the engine's (store/store.lock), taken first, guards the peer's files too; a second opener, in this
        // process or another, gets DatabaseLockedException from it before anything is read.
        var store = await DocumentStore.OpenAsync(name, Path.Combine(directory, "store"), storeOptions, options.MaxDocumentSize,
            Path.Combine(directory, "indexes"), cancellationToken, options.HistoryDepth, new HybridClock(options.TimeProvider)).ConfigureAwait(false);
        try
        {
            store.Attachments = AttachmentStore.Open(Path.Combine(directory, "attachments"), new AttachmentStoreOptions { MaxAttachmentBytes = options.MaxAttachmentBytes });
            var metadata = await PeerMetadata.LoadAsync(directory, cancellationToken).ConfigureAwait(false);
            DeleteLegacyLock(directory);
            return new MyNoSqlDb(directory, metadata, store, options)
            {
                AttachmentLogger = options.LoggerFactory?.CreateLogger("MyNoSql.Attachments") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
            };
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Versions before one lock kept a second, empty lock file beside the store; it guards nothing now.</summary>
    private static void DeleteLegacyLock(string directory)
    {
        try { File.Delete(Path.Combine(directory, "LOCK")); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>The database name.</summary>
    public string Name => _store.Name;

    /// <summary>Peer (default) or Mirror; remembered on disk.</summary>
    public DbMode Mode => _metadata.Mode;

    /// <summary>setdbmode: Peer fetches only records the application wrote or read; Mirror keeps a full replica.
    /// Switching a database in use from Peer to Mirror makes the next sync rounds list the mirrors' whole index again
    /// and download every record the peer lacks (within <see cref="MyNoSqlOptions.SyncPrefixes"/>). Switching from
    /// Mirror to Peer stops downloading records the peer does not hold; the records it already holds stay on disk and
    /// keep being updated (this version does not evict them).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined mode.</exception>
    public async Task SetModeAsync(DbMode mode, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Use DbMode.Peer or DbMode.Mirror.");
        bool backfill = false;
        await UpdateMetadataAsync(m =>
        {
            // The checkpoint is past the records Peer mode skipped: pull from the beginning to find them.
            backfill = m.Mode != DbMode.Mirror && mode == DbMode.Mirror && m.SyncCheckpoint is not null;
            if (backfill) _sync.ResetCheckpoint(m);
            m.Mode = mode;
        }, cancellationToken).ConfigureAwait(false);
        if (backfill) _loop.Wake();
    }

    /// <summary>addpeer: validates a mirror's base URL (http://, https:// or orleans://host:port), asks it for every
    /// mirror of its cluster (<c>GET /mirrors</c>) and remembers them all on disk. Offline (or when the mirror does not
    /// answer within 5 s), the URL is remembered and the others are learnt at a later round. A mirror removed by <see cref="RemovePeerAsync"/> is known again.</summary>
    /// <exception cref="ArgumentException">Not a valid mirror URL.</exception>
    public async Task AddPeerAsync(string url, CancellationToken cancellationToken = default)
    {
        string normalized = MirrorUrl.Normalize(url, _sync.Transports);
        ThrowIfDisposed();
        await _sync.AddMirrorAsync(normalized, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
    }

    /// <summary>Forgets a mirror, on disk too: rounds and reads no longer use it, and learning the cluster's mirrors
    /// does not add it back (<see cref="AddPeerAsync"/> does). Mirrors gone for long are also pruned by themselves
    /// (<see cref="MyNoSqlOptions.MirrorPruneAfter"/>).</summary>
    /// <returns>True when the mirror was known.</returns>
    /// <exception cref="ArgumentException">Not a valid mirror URL.</exception>
    public async Task<bool> RemovePeerAsync(string url, CancellationToken cancellationToken = default)
    {
        string normalized = MirrorUrl.Normalize(url, _sync.Transports);
        ThrowIfDisposed();
        return await _sync.RemoveMirrorAsync(normalized, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>savedoc: returns a copy with <c>id</c> and <c>rev</c> once durable (with the default durability). No
    /// <c>id</c> → a new time-ordered id. Content equal to the current revision writes nothing and returns its <c>rev</c>.</summary>
    /// <exception cref="RevisionConflictException">The record exists and <c>rev</c> is missing, malformed or not current, or
    /// it is deleted and <c>rev</c> is a revision other than its tombstone's (a writer that has not seen the delete).
    /// Nothing was written.</exception>
    /// <exception cref="ArgumentException">Invalid id, too deep, or larger than <see cref="MyNoSqlOptions.MaxDocumentSize"/>.</exception>
#pragma warning disable RS0026 // DESIGN §9 adds SaveDocAsync(record, SaveOptions) beside it
    public async Task<JsonObject> SaveDocAsync(JsonObject record, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(record);
        ThrowIfDisposed();
        var saved = await _store.SaveAsync(record, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
        return saved;
    }

    /// <summary>Saves many records with one sync per shard. All or nothing against errors: every record is validated
    /// and every rev checked before anything is written (a crash while it writes may keep part of the batch, each
    /// record whole). A repeated id applies in order within the batch.</summary>
    /// <exception cref="RevisionConflictException">Any record's <c>rev</c> is stale. Nothing was written.</exception>
    /// <exception cref="ArgumentException">Any record is invalid. Nothing was written.</exception>
    public async Task<IReadOnlyList<JsonObject>> SaveDocsAsync(IEnumerable<JsonObject> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ThrowIfDisposed();
        var list = records as IReadOnlyList<JsonObject> ?? records.ToList();
        var saved = await _store.SaveManyAsync(list, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
        return saved;
    }

    /// <summary>readdoc: the record's winning revision, or null when absent or deleted. A record this peer does not
    /// hold is fetched from a mirror (each in turn) and kept. A record it holds is first refreshed from a mirror when
    /// the last complete pull is older than <see cref="MyNoSqlOptions.ReadFreshness"/>. A mirror that failed (refused,
    /// or did not answer within the read's time limit) is skipped until it answers again: reads re-check it in the
    /// background (exponential back-off per mirror) and never wait on it, so with none reachable the local answer comes
    /// at once; the error is recorded in <see cref="GetSyncStatus"/>. Only the first read that asks a mirror which
    /// hangs (accepts connections, never answers) waits the read's time limit (2 s).</summary>
    /// <exception cref="ArgumentException">Invalid id.</exception>
    /// <exception cref="CorruptDataException">The block holding the record is damaged (file and offset named).</exception>
#pragma warning disable RS0026 // DESIGN §8 adds ReadDocAsync(id, rev) beside it
    public async Task<JsonObject?> ReadDocAsync(string id, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ThrowIfDisposed();
        var local = await _store.ReadAsync(id, cancellationToken).ConfigureAwait(false);
        if (_metadata.Mirrors.Count == 0) return local;
        if (local is null && !_store.Records.TryGetHeader(id, out _))
        {
            if (!await _sync.FetchOnDemandAsync(id, cancellationToken).ConfigureAwait(false)) return null;
            return await _store.ReadAsync(id, cancellationToken).ConfigureAwait(false);
        }
        if (!_sync.NeedsRefresh(id) || !await _sync.RefreshAsync(id, cancellationToken).ConfigureAwait(false)) return local;
        _loop.Wake(); // a mirror answers but the pull is old: a round soon spares the next reads their request
        return await _store.ReadAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes by writing a tombstone (which replicates like any revision); returns the tombstone's revision.
    /// Giving the revision of a live conflict loser (<see cref="GetConflictsAsync"/>) deletes that loser instead,
    /// which resolves that conflict and leaves the winner as it is.</summary>
    /// <exception cref="DocumentNotFoundException">No such record, or already deleted (with the tombstone's revision).</exception>
    /// <exception cref="RevisionConflictException"><paramref name="rev"/> is neither the current revision nor a live
    /// loser's (on a deleted record: a revision from before the delete). Nothing was written.</exception>
    public async Task<string> DeleteDocAsync(string id, string rev, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var tombstone = await _store.DeleteAsync(id, rev, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
        RequestAttachmentCollection();
        return tombstone.ToString();
    }

    // DESIGN §3 names both shapes, ListIdsAsync(prefix) and ListIdsAsync(prefix, after, limit); each keeps its optional token.
#pragma warning disable RS0026
    /// <summary>Live ids this peer holds that start with <paramref name="prefix"/>, in ordinal order (a snapshot taken
    /// at the first MoveNext).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="prefix"/> is null.</exception>
    public async IAsyncEnumerable<string> ListIdsAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ThrowIfDisposed();
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested(); // also when nothing matches
        foreach (string id in _store.ListLiveIds(prefix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return id;
        }
    }

    /// <summary>A page of live ids, as the gateway's <c>GET /db/{db}/docs?prefix=P&amp;after=ID&amp;limit=N</c>: ids
    /// that start with <paramref name="prefix"/> and sort ordinally after <paramref name="after"/> (null: from the
    /// first), at most <paramref name="limit"/>, in ordinal order. Pass the last id of a page as the next page's
    /// <paramref name="after"/>; a page shorter than <paramref name="limit"/> is the last.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="prefix"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="after"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    public IAsyncEnumerable<string> ListIdsAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (after is not null) ArgumentException.ThrowIfNullOrEmpty(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ThrowIfDisposed();
        return Page(cancellationToken);

        async IAsyncEnumerable<string> Page([EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested(); // also when nothing matches
            int count = 0;
            foreach (string id in _store.ListLiveIds(prefix))
            {
                if (after is not null && string.CompareOrdinal(id, after) <= 0) continue;
                ct.ThrowIfCancellationRequested();
                yield return id;
                if (++count == limit) yield break;
            }
        }
    }

    /// <summary>One full sync round now: push the outbox, pull index changes since the checkpoint, fetch what
    /// changed (every record in Mirror mode, records this peer holds in Peer mode; only ids under
    /// <see cref="MyNoSqlOptions.SyncPrefixes"/> when set). Mirrors are tried in turn, the one used last first and
    /// those that failed lately last.</summary>
    /// <exception cref="MyNoSqlException">No mirror is configured or none could be reached.</exception>
    /// <exception cref="CredentialRejectedException">A mirror rejected <see cref="MyNoSqlOptions.ApiKey"/> (401/403);
    /// the round stopped, the outbox is kept.</exception>
    public Task SyncAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        _sync.PolicyDue();
        return _sync.RunAsync(cancellationToken);
    }

    /// <summary>Pending writes (the outbox), last successful round, mirror in use, last error, known mirrors.</summary>
    public SyncStatus GetSyncStatus()
    {
        ThrowIfDisposed();
        var m = _metadata;
        var (lastSuccess, mirrorInUse, lastError) = _sync.Status;
        return new SyncStatus(_store.Records.PendingCount, lastSuccess, mirrorInUse, lastError, m.Mirrors.ToArray());
    }

    /// <summary>The live losing revisions of a record (empty when none), each with its own <c>rev</c>. They are kept
    /// until the application deletes each by its rev (<see cref="DeleteDocAsync"/>); saving over the winner does not
    /// resolve them.</summary>
    public async Task<IReadOnlyList<JsonObject>> GetConflictsAsync(string id, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return await _store.GetConflictsAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Seals the write-ahead logs into compressed segments now (also done in the background and on close); first
    /// drops the kept history of records deleted longer ago than the mirrors' tombstone horizon; then removes attachment
    /// bodies no kept revision refers to any more.</summary>
    /// <exception cref="CorruptDataException">A deleted record's stored bytes are damaged (file and offset named): the
    /// rest was swept and compacted all the same.</exception>
    public async Task CompactAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        // Deleted records keep their history (undo brings them back) until the mirrors' tombstone horizon (30 days
        // unless a mirror said otherwise): past it their bodies go, before the engine compacts.
        var horizon = TimeSpan.FromSeconds(_metadata.TombstoneHorizonSeconds ?? DefaultTombstoneHorizonSeconds);
        // A damaged record is skipped, so the rest is still swept and compacted; its error is reported at the end.
        CorruptDataException? damage = null;
        await _store.Replica.DropExpiredHistoryAsync(horizon, _store.Replica.Clock.Now, (_, e) => damage ??= e, cancellationToken: cancellationToken).ConfigureAwait(false);
        await _store.Records.CompactAsync(cancellationToken).ConfigureAwait(false);
        await CollectAttachmentsAsync(cancellationToken).ConfigureAwait(false);
        if (damage is not null) ExceptionDispatchInfo.Throw(damage);
    }

    /// <summary>The mirrors' default tombstone horizon, used until a mirror has said its own.</summary>
    private const long DefaultTombstoneHorizonSeconds = 30 * 86400;

    /// <summary>Flushes, compacts the log tail and releases the database lock.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Volatile.Read(ref _changes)?.Wake(); // live change feeds see the close at once and end
        try
        {
            await _loop.DisposeAsync().ConfigureAwait(false);
            await StopAttachmentCollectionAsync().ConfigureAwait(false);
            // A round still running (an explicit SyncAsync) finishes its current request or times out first.
            await SaveSyncStatusOnCloseAsync().ConfigureAwait(false);
            _sync.Dispose();
            await _store.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _metadataGate.Dispose();
            _collectStop.Dispose();
        }
    }

    internal DocumentStore Store => _store;

    internal static void ValidateOptions(MyNoSqlOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
            throw new ArgumentException("MyNoSqlOptions.DataDirectory must name a folder.", nameof(options));
        if (File.Exists(options.DataDirectory))
            throw new ArgumentException($"MyNoSqlOptions.DataDirectory '{options.DataDirectory}' is a file, not a folder.", nameof(options));
        if (options.SyncInterval <= TimeSpan.Zero && options.SyncInterval != Timeout.InfiniteTimeSpan)
            throw new ArgumentException($"MyNoSqlOptions.SyncInterval must be positive or Timeout.InfiniteTimeSpan (was {options.SyncInterval}).", nameof(options));
        if (options.SyncRequestTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"MyNoSqlOptions.SyncRequestTimeout must be positive (was {options.SyncRequestTimeout}).", nameof(options));
        if (options.MaxDocumentSize <= 0)
            throw new ArgumentException($"MyNoSqlOptions.MaxDocumentSize must be positive (was {options.MaxDocumentSize}).", nameof(options));
        if (options.MaxAttachmentBytes < 0)
            throw new ArgumentException($"MyNoSqlOptions.MaxAttachmentBytes cannot be negative (was {options.MaxAttachmentBytes}).", nameof(options));
        if (options.CacheSizeBytes < 0)
            throw new ArgumentException($"MyNoSqlOptions.CacheSizeBytes cannot be negative (was {options.CacheSizeBytes}).", nameof(options));
        if (options.DocumentCacheBytes < 0)
            throw new ArgumentException($"MyNoSqlOptions.DocumentCacheBytes cannot be negative (was {options.DocumentCacheBytes}).", nameof(options));
        if (options.ReadFreshness < TimeSpan.Zero && options.ReadFreshness != Timeout.InfiniteTimeSpan)
            throw new ArgumentException($"MyNoSqlOptions.ReadFreshness must be zero or positive, or Timeout.InfiniteTimeSpan (was {options.ReadFreshness}).", nameof(options));
        if (options.MirrorPruneAfter <= TimeSpan.Zero && options.MirrorPruneAfter != Timeout.InfiniteTimeSpan)
            throw new ArgumentException($"MyNoSqlOptions.MirrorPruneAfter must be positive or Timeout.InfiniteTimeSpan (was {options.MirrorPruneAfter}).", nameof(options));
        if (options.HistoryDepth < 0)
            throw new ArgumentException($"MyNoSqlOptions.HistoryDepth cannot be negative (was {options.HistoryDepth}).", nameof(options));
        if (options.ReadProbeTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"MyNoSqlOptions.ReadProbeTimeout must be positive (was {options.ReadProbeTimeout}).", nameof(options));
        options.ValidateCredential();
        options.ValidateTransports();
        if (!Enum.IsDefined(options.Durability))
            throw new ArgumentException($"MyNoSqlOptions.Durability {options.Durability} is not defined.", nameof(options));
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}

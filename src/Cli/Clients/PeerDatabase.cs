using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace MyNoSql.Cli.Clients;

/// <summary>A local peer: <see cref="MyNoSqlDb"/> with <c>DataDirectory</c> = <c>--data DIR</c>.</summary>
internal sealed class PeerDatabase : IDatabaseClient
{
    private readonly MyNoSqlDb _db;
    private readonly string _directory;

    private PeerDatabase(MyNoSqlDb db, string directory)
    {
        _db = db;
        _directory = directory;
    }

    /// <summary>Opens <paramref name="name"/> under <paramref name="directory"/>. One-shot commands run no background
    /// sync rounds (<paramref name="background"/> false): a write waits in the outbox for <c>sync</c> or the next
    /// program that opens the database with its mirrors. <paramref name="requestTimeout"/> (<c>--timeout</c>) bounds
    /// every request the peer sends its mirrors: a sync round's, <c>sync --mirror</c>'s discovery, and a read that
    /// fetches a record the peer does not hold.</summary>
    public static async Task<PeerDatabase> OpenAsync(string directory, string name, string? apiKey, bool background, TimeSpan requestTimeout, CancellationToken ct)
    {
        var options = new MyNoSqlOptions
        {
            DataDirectory = directory,
            ApiKey = apiKey,
            SyncInterval = background ? new MyNoSqlOptions().SyncInterval : Timeout.InfiniteTimeSpan,
            SyncRequestTimeout = requestTimeout,
        };
        var db = await MyNoSqlDb.OpenAsync(name, options, ct).ConfigureAwait(false);
        return new PeerDatabase(db, Path.GetFullPath(directory));
    }

    public string Database => _db.Name;

    public string Target => $"local peer {_directory}";

    public MyNoSqlDb Db => _db;

    public Task<JsonObject> PutAsync(JsonObject record, CancellationToken ct) => _db.SaveDocAsync(record, ct);

    public async Task<IReadOnlyList<RecordRefusal>> SaveBatchAsync(IReadOnlyList<JsonObject> records, CancellationToken ct)
    {
        var refused = new List<RecordRefusal>();
        await SaveRangeAsync(records, 0, records.Count, refused, ct).ConfigureAwait(false);
        return refused;
    }

    /// <summary>SaveDocsAsync is all or nothing: a refused range is split in halves until each refused record stands
    /// alone, so every other record is saved, in file order, at about one more batch per refusal and halving.</summary>
    private async Task SaveRangeAsync(IReadOnlyList<JsonObject> records, int start, int count, List<RecordRefusal> refused, CancellationToken ct)
    {
        try
        {
            var range = start == 0 && count == records.Count ? records : records.Skip(start).Take(count).ToList();
            await _db.SaveDocsAsync(range, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or RevisionConflictException)
        {
            if (count == 1)
            {
                var (code, reason) = ErrorMap.Map(e);
                refused.Add(new RecordRefusal(start, code, reason));
                return;
            }
            int half = count / 2;
            await SaveRangeAsync(records, start, half, refused, ct).ConfigureAwait(false);
            await SaveRangeAsync(records, start + half, count - half, refused, ct).ConfigureAwait(false);
        }
    }

    public Task<JsonObject?> GetAsync(string id, CancellationToken ct) => _db.ReadDocAsync(id, ct);

    public Task<string> DeleteAsync(string id, string rev, CancellationToken ct) => _db.DeleteDocAsync(id, rev, ct);

    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken ct) => _db.ListIdsAsync(prefix, ct);

    public Task<FindResult> FindAsync(JsonObject query, CancellationToken ct) => _db.FindAsync(query, FindScope.Local, ct);

    public async IAsyncEnumerable<JsonObject> ExportAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var change in _db.ChangesAsync(since: null, selector: null, includeDocs: true, live: false, ct).ConfigureAwait(false))
        {
            if (!change.Deleted && change.Doc is JsonObject doc) yield return doc;
        }
    }

    public Task<long?> CountAsync(CancellationToken ct) => Task.FromResult<long?>(null);

    public Task<IReadOnlyList<RevisionInfo>> HistoryAsync(string id, CancellationToken ct) => _db.GetHistoryAsync(id, ct);

    public Task<JsonObject> UndoRedoAsync(string id, bool redo, CancellationToken ct) => redo ? _db.RedoAsync(id, ct) : _db.UndoAsync(id, ct);

    public async Task<JsonObject> SyncAsync(IProgress<string>? progress, CancellationToken ct)
    {
        if (_db.GetSyncStatus().Mirrors.Count == 0)
            throw CliException.Usage($"database '{Database}' in {_directory} knows no mirror: give --mirror URL once (it is remembered).");
        progress?.Report("syncing");
        try
        {
            await _db.SyncAsync(ct).ConfigureAwait(false);
        }
        catch (CredentialRejectedException e)
        {
            throw new CliException(ExitCodes.BadInput, $"sync of '{Database}': {e.Message} (check --api-key)", e);
        }
        catch (MyNoSqlException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"sync of '{Database}' failed: {e.Message}", e);
        }
        return await StatusAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Adds a mirror (remembered on disk): <c>sync DB --data DIR --mirror URL</c>.</summary>
    public Task AddMirrorAsync(string url, CancellationToken ct) => _db.AddPeerAsync(url, ct);

    public Task<JsonObject> StatusAsync(CancellationToken ct)
    {
        var s = _db.GetSyncStatus();
        var mirrors = new JsonArray();
        foreach (string m in s.Mirrors) mirrors.Add(m);
        return Task.FromResult(new JsonObject
        {
            ["db"] = Database,
            ["data"] = _directory,
            ["mode"] = _db.Mode.ToString().ToLowerInvariant(),
            ["pending_writes"] = s.PendingWrites,
            ["last_success"] = s.LastSuccess?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["mirror_in_use"] = s.MirrorInUse,
            ["last_error"] = s.LastError,
            ["mirrors"] = mirrors,
        });
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();
}

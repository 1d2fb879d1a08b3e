using System.Text.Json.Nodes;

namespace MyNoSql;

/// <summary>An embedded MyNoSql database: local reads and writes that never wait for the network.</summary>
public sealed partial class MyNoSqlDb : IAsyncDisposable
{
    /// <summary>Opens (creating if needed) the database <paramref name="name"/> (1–64 chars of [a-z0-9_-], starting with a letter).</summary>
    /// <exception cref="ArgumentException">Invalid name or options.</exception>
    /// <exception cref="DatabaseLockedException">Another process has the database open.</exception>
    public static Task<MyNoSqlDb> OpenAsync(string name, MyNoSqlOptions? options = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The database name.</summary>
    public string Name => throw new NotImplementedException();

    /// <summary>Peer (default) or Mirror; remembered on disk.</summary>
    public DbMode Mode => throw new NotImplementedException();

    /// <summary>setdbmode.</summary>
    public Task SetModeAsync(DbMode mode, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>addpeer: validates and remembers a mirror's base URL (http://, https:// or orleans://).</summary>
    public Task AddPeerAsync(string url, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>savedoc: returns a copy with <c>id</c> and <c>rev</c>, once durable.</summary>
    /// <exception cref="RevisionConflictException">The record exists and <c>rev</c> is not its current revision.</exception>
    /// <exception cref="ArgumentException">Invalid id or document, or larger than the maximum size.</exception>
    public Task<JsonObject> SaveDocAsync(JsonObject record, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Saves many records with one sync per shard; all or nothing.</summary>
    public Task<IReadOnlyList<JsonObject>> SaveDocsAsync(IEnumerable<JsonObject> records, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>readdoc: the record, or null when absent or deleted.</summary>
    public Task<JsonObject?> ReadDocAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes by writing a tombstone; returns the tombstone's revision.</summary>
    public Task<string> DeleteDocAsync(string id, string rev, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Live ids starting with <paramref name="prefix"/>, in ordinal order.</summary>
    public IAsyncEnumerable<string> ListIdsAsync(string prefix = "", CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>One full sync round now.</summary>
    public Task SyncAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Pending writes, last success, mirror in use, last error.</summary>
    public SyncStatus GetSyncStatus() => throw new NotImplementedException();

    /// <summary>The losing conflict revisions of a record, kept until resolved.</summary>
    public Task<IReadOnlyList<JsonObject>> GetConflictsAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}

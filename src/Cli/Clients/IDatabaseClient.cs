using System.Text.Json.Nodes;

namespace MyNoSql.Cli.Clients;

/// <summary>One database, either a local peer (<c>--data</c>) or a mirror over HTTP (<c>--mirror</c>). Every CLI and
/// shell command goes through this, so both targets behave the same.</summary>
internal interface IDatabaseClient : IAsyncDisposable
{
    /// <summary>The database name.</summary>
    string Database { get; }

    /// <summary>What this is, for messages: "local peer DIR" or "mirror URL".</summary>
    string Target { get; }

    /// <summary>savedoc: the saved record (with id and rev).</summary>
    Task<JsonObject> PutAsync(JsonObject record, CancellationToken ct);

    /// <summary>Many records (an import batch): every record the database accepts is saved, the others are returned
    /// with why (a conflict, an invalid record), in batch order. The peer writes a batch at once (one sync per shard).</summary>
    /// <exception cref="CliException">The database cannot be reached (exit code 3): an unknown part may be saved.</exception>
    Task<IReadOnlyList<RecordRefusal>> SaveBatchAsync(IReadOnlyList<JsonObject> records, CancellationToken ct);

    /// <summary>The record, or null when absent or deleted.</summary>
    Task<JsonObject?> GetAsync(string id, CancellationToken ct);

    /// <summary>Deletes; returns the tombstone's rev.</summary>
    Task<string> DeleteAsync(string id, string rev, CancellationToken ct);

    /// <summary>Live ids starting with <paramref name="prefix"/>, ordinal order.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken ct);

    /// <summary>One page of a Mango query (DESIGN §7).</summary>
    Task<FindResult> FindAsync(JsonObject query, CancellationToken ct);

    /// <summary>Every live record, in change order.</summary>
    IAsyncEnumerable<JsonObject> ExportAsync(CancellationToken ct);

    /// <summary>The number of live records when cheaply known (progress bars), else null.</summary>
    Task<long?> CountAsync(CancellationToken ct);

    /// <summary>Kept revisions, newest first.</summary>
    Task<IReadOnlyList<RevisionInfo>> HistoryAsync(string id, CancellationToken ct);

    /// <summary>Undo (<paramref name="redo"/> false) or redo: the new revision.</summary>
    Task<JsonObject> UndoRedoAsync(string id, bool redo, CancellationToken ct);

    /// <summary>One sync round (local peers only).</summary>
    Task<JsonObject> SyncAsync(IProgress<string>? progress, CancellationToken ct);

    /// <summary>Peer: pending writes, mirror in use, last error. Mirror: the database's info.</summary>
    Task<JsonObject> StatusAsync(CancellationToken ct);
}

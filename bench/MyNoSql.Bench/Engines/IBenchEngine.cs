using System.Text.Json.Nodes;

namespace MyNoSql.Bench.Engines;

/// <summary>One engine under test. Every engine stores the same JSON text and returns JsonObjects on reads.</summary>
internal interface IBenchEngine : IAsyncDisposable
{
    /// <summary>Writes one document in its own durable transaction.</summary>
    Task SaveAsync(string id, JsonObject document);

    /// <summary>Writes documents in one transaction.</summary>
    Task SaveBatchAsync(IReadOnlyList<(string Id, JsonObject Document)> batch);

    /// <summary>Reads and parses one document.</summary>
    Task<JsonObject?> ReadAsync(string id);

    /// <summary>Brings the files to rest (MyNoSql: <c>CompactAsync</c>, which seals the logs; the others: nothing, SQLite
    /// checkpoints on close), so a following close leaves the steady-state size on disk.</summary>
    Task SettleAsync() => Task.CompletedTask;
}

internal enum EngineKind { MyNoSql, Sqlite, LiteDb }

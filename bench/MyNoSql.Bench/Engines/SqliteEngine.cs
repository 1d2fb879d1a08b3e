using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace MyNoSql.Bench.Engines;

/// <summary>
/// SQLite (Microsoft.Data.Sqlite): <c>docs(id TEXT PRIMARY KEY, body TEXT)</c> (a rowid table: WITHOUT ROWID stored
/// 1–2 KB rows in 3.6× their size, an unfair baseline), WAL, synchronous=FULL (durable) or NORMAL (relaxed).
/// Each concurrent caller gets its own open connection with prepared statements, reused across calls.
/// </summary>
internal sealed class SqliteEngine(string connectionString, bool durable) : IBenchEngine
{
    private readonly ConcurrentBag<Connection> _idle = [];

    private sealed class Connection : IAsyncDisposable
    {
        public required SqliteConnection Db { get; init; }
        public required SqliteCommand Upsert { get; init; }
        public required SqliteCommand Select { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Upsert.DisposeAsync();
            await Select.DisposeAsync();
            await Db.DisposeAsync();
        }
    }

    public static async Task<IBenchEngine> OpenAsync(string dir, bool durable)
    {
        Directory.CreateDirectory(dir);
        string cs = ConnectionStringFor(dir);
        await using var c = new SqliteConnection(cs);
        await c.OpenAsync();
        await Exec(c, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS docs(id TEXT PRIMARY KEY, body TEXT NOT NULL);");
        return new SqliteEngine(cs, durable);
    }

    /// <summary>The connection string of the database in <paramref name="dir"/> (the query bench opens its own connection).</summary>
    public static string ConnectionStringFor(string dir) =>
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "bench.db"), Pooling = false }.ToString();

    private async Task<Connection> TakeAsync()
    {
        if (_idle.TryTake(out var c)) return c;
        var db = new SqliteConnection(connectionString);
        await db.OpenAsync();
        await Exec(db, durable ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        var upsert = db.CreateCommand();
        upsert.CommandText = "INSERT OR REPLACE INTO docs(id, body) VALUES ($id, $body)";
        upsert.Parameters.Add("$id", SqliteType.Text);
        upsert.Parameters.Add("$body", SqliteType.Text);
        upsert.Prepare();
        var select = db.CreateCommand();
        select.CommandText = "SELECT body FROM docs WHERE id = $id";
        select.Parameters.Add("$id", SqliteType.Text);
        select.Prepare();
        return new Connection { Db = db, Upsert = upsert, Select = select };
    }

    public async Task SaveAsync(string id, JsonObject document) => await SaveBatchAsync([(id, document)]);

    public async Task SaveBatchAsync(IReadOnlyList<(string Id, JsonObject Document)> batch)
    {
        var c = await TakeAsync();
        try
        {
            using var tx = c.Db.BeginTransaction();
            c.Upsert.Transaction = tx;
            foreach (var (id, doc) in batch)
            {
                c.Upsert.Parameters[0].Value = id;
                c.Upsert.Parameters[1].Value = doc.ToJsonString();
                c.Upsert.ExecuteNonQuery();
            }
            tx.Commit();
            c.Upsert.Transaction = null;
        }
        finally
        {
            _idle.Add(c);
        }
    }

    public async Task<JsonObject?> ReadAsync(string id)
    {
        var c = await TakeAsync();
        try
        {
            c.Select.Parameters[0].Value = id;
            var body = (string?)c.Select.ExecuteScalar();
            return body is null ? null : JsonNode.Parse(body)!.AsObject();
        }
        finally
        {
            _idle.Add(c);
        }
    }

    public static async Task Exec(SqliteConnection c, string sql)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Fold the WAL into the main file so "bytes on disk after close" is SQLite's steady-state size.
        if (_idle.TryPeek(out var any)) await Exec(any.Db, "PRAGMA wal_checkpoint(TRUNCATE);");
        while (_idle.TryTake(out var c)) await c.DisposeAsync();
    }
}

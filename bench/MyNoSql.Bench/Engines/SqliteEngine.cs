using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace MyNoSql.Bench.Engines;

/// <summary>SQLite (Microsoft.Data.Sqlite): <c>docs(id TEXT PRIMARY KEY, body TEXT)</c> (a rowid table: WITHOUT ROWID
/// stores 1–2 KB rows in 3.6× their size, an unfair baseline), WAL,
/// synchronous=FULL (durable) or NORMAL (relaxed). One connection per caller from the pool.</summary>
internal sealed class SqliteEngine(string connectionString, bool durable) : IBenchEngine
{
    // Open connections with their pragmas set, reused by callers (one per concurrent caller at most).
    private readonly System.Collections.Concurrent.ConcurrentBag<SqliteConnection> _idle = [];

    public static async Task<IBenchEngine> OpenAsync(string dir, bool durable)
    {
        Directory.CreateDirectory(dir);
        string cs = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "bench.db"), Pooling = true }.ToString();
        await using var c = new SqliteConnection(cs);
        await c.OpenAsync();
        await Exec(c, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS docs(id TEXT PRIMARY KEY, body TEXT NOT NULL);");
        return new SqliteEngine(cs, durable);
    }

    private async Task<Lease> ConnectAsync()
    {
        if (!_idle.TryTake(out var c))
        {
            c = new SqliteConnection(connectionString);
            await c.OpenAsync();
            await Exec(c, durable ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        }
        return new Lease(this, c);
    }

    private readonly struct Lease(SqliteEngine owner, SqliteConnection connection) : IAsyncDisposable
    {
        public SqliteConnection C => connection;
        public ValueTask DisposeAsync() { owner._idle.Add(connection); return ValueTask.CompletedTask; }
    }

    public async Task SaveAsync(string id, JsonObject document)
    {
        await using var lease = await ConnectAsync();
        var c = lease.C;
        await using var tx = c.BeginTransaction();
        await Upsert(c, tx, id, document.ToJsonString());
        await tx.CommitAsync();
    }

    public async Task SaveBatchAsync(IReadOnlyList<(string Id, JsonObject Document)> batch)
    {
        await using var lease = await ConnectAsync();
        var c = lease.C;
        await using var tx = c.BeginTransaction();
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT OR REPLACE INTO docs(id, body) VALUES ($id, $body)";
        var pid = cmd.Parameters.Add("$id", SqliteType.Text);
        var pbody = cmd.Parameters.Add("$body", SqliteType.Text);
        foreach (var (id, doc) in batch)
        {
            pid.Value = id;
            pbody.Value = doc.ToJsonString();
            await cmd.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }

    public async Task<JsonObject?> ReadAsync(string id)
    {
        await using var lease = await ConnectAsync();
        await using var cmd = lease.C.CreateCommand();
        cmd.CommandText = "SELECT body FROM docs WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        var body = (string?)await cmd.ExecuteScalarAsync();
        return body is null ? null : JsonNode.Parse(body)!.AsObject();
    }

    private static async Task Upsert(SqliteConnection c, SqliteTransaction tx, string id, string body)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT OR REPLACE INTO docs(id, body) VALUES ($id, $body)";
        cmd.Parameters.AddWithValue("$id", id);
        cmd.Parameters.AddWithValue("$body", body);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task Exec(SqliteConnection c, string sql)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Fold the WAL into the main file so "bytes on disk after close" is SQLite's steady-state size.
        if (_idle.TryPeek(out var any)) await Exec(any, "PRAGMA wal_checkpoint(TRUNCATE);");
        while (_idle.TryTake(out var c)) await c.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}

using System.Text.Json.Nodes;

namespace MyNoSql.Bench.Engines;

internal sealed class MyNoSqlEngine(MyNoSqlDb db) : IBenchEngine
{
    /// <summary>The database name; its files live under <c>{dir}/{DatabaseName}</c>.</summary>
    public const string DatabaseName = "bench";

    public static async Task<IBenchEngine> OpenAsync(string dir, bool durable) =>
        new MyNoSqlEngine(await MyNoSqlDb.OpenAsync(DatabaseName, new MyNoSqlOptions
        {
            DataDirectory = dir,
            Durability = durable ? DurabilityMode.Durable : DurabilityMode.Relaxed,
        }));

    /// <summary>The peer database (the query bench reaches its document store through it).</summary>
    public MyNoSqlDb Db => db;

    public Task SaveAsync(string id, JsonObject document) => db.SaveDocAsync(document);

    public Task SaveBatchAsync(IReadOnlyList<(string Id, JsonObject Document)> batch) => db.SaveDocsAsync(batch.Select(b => b.Document));

    public Task<JsonObject?> ReadAsync(string id) => db.ReadDocAsync(id);

    public Task SettleAsync() => db.CompactAsync();

    public ValueTask DisposeAsync() => db.DisposeAsync();
}

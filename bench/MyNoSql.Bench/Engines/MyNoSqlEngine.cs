using System.Text.Json.Nodes;

namespace MyNoSql.Bench.Engines;

internal sealed class MyNoSqlEngine(MyNoSqlDb db) : IBenchEngine
{
    public static async Task<IBenchEngine> OpenAsync(string dir, bool durable) =>
        new MyNoSqlEngine(await MyNoSqlDb.OpenAsync("bench", new MyNoSqlOptions
        {
            DataDirectory = dir,
            Durability = durable ? DurabilityMode.Durable : DurabilityMode.Relaxed,
        }));

    public Task SaveAsync(string id, JsonObject document) => db.SaveDocAsync(document);

    public Task SaveBatchAsync(IReadOnlyList<(string Id, JsonObject Document)> batch) => db.SaveDocsAsync(batch.Select(b => b.Document));

    public Task<JsonObject?> ReadAsync(string id) => db.ReadDocAsync(id);

    public ValueTask DisposeAsync() => db.DisposeAsync();
}

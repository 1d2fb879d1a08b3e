using System.Text.Json.Nodes;
using LiteDB;

namespace MyNoSql.Bench.Engines;

/// <summary>LiteDB 5: one collection of BsonDocuments keyed by _id; reads are converted to JsonObject
/// (through LiteDB's JSON serializer) so every engine returns the same type.</summary>
internal sealed class LiteDbEngine(LiteDatabase db) : IBenchEngine
{
    private readonly ILiteCollection<BsonDocument> _docs = db.GetCollection("docs");

    public static Task<IBenchEngine> OpenAsync(string dir, bool durable)
    {
        Directory.CreateDirectory(dir);
        // LiteDB always commits durably (no relaxed mode); "Connection=direct" is its fastest mode.
        var db = new LiteDatabase($"Filename={FileIn(dir)};Connection=direct");
        return Task.FromResult<IBenchEngine>(new LiteDbEngine(db));
    }

    /// <summary>The data file in <paramref name="dir"/>.</summary>
    public static string FileIn(string dir) => Path.Combine(dir, "bench.litedb");

    /// <summary>The database; callers lock on it, as every method here does (direct mode is not thread-safe).</summary>
    public LiteDatabase Database => db;

    /// <summary>The documents.</summary>
    public ILiteCollection<BsonDocument> Collection => _docs;

    /// <summary>A stored document as a JsonObject (through LiteDB's JSON serializer), as reads return it.</summary>
    public static JsonObject ToJson(BsonDocument doc) => JsonNode.Parse(LiteDB.JsonSerializer.Serialize(doc))!.AsObject();

    private static BsonDocument ToBson(string id, JsonObject document)
    {
        var bson = LiteDB.JsonSerializer.Deserialize(document.ToJsonString()).AsDocument;
        bson.Remove("id");
        bson["_id"] = id;
        return bson;
    }

    public Task SaveAsync(string id, JsonObject document)
    {
        lock (db) _docs.Upsert(ToBson(id, document));
        return Task.CompletedTask;
    }

    public Task SaveBatchAsync(IReadOnlyList<(string Id, JsonObject Document)> batch)
    {
        var docs = batch.Select(b => ToBson(b.Id, b.Document)).ToList();
        lock (db) _docs.Upsert(docs);
        return Task.CompletedTask;
    }

    public Task<JsonObject?> ReadAsync(string id)
    {
        BsonDocument? doc;
        lock (db) doc = _docs.FindById(id);
        return Task.FromResult(doc is null ? null : ToJson(doc));
    }

    public ValueTask DisposeAsync()
    {
        db.Dispose();
        return ValueTask.CompletedTask;
    }
}

using System.Text.Json.Nodes;
using LiteDB;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// LiteDB 5 has no compound indexes and uses one index per query, so the ["type","date"] index is one expression
/// index on <c>$.type + '|' + $.date</c> (dates are fixed-width ISO strings, '|' sorts after every type letter):
/// {"type": T, "date": {"$gte": D}} becomes <c>key BETWEEN 'T|D' AND 'T|~'</c>, ordered by the same expression
/// descending (so the index serves the order too). Results go through LiteDB's JSON serializer to JsonObject, as its reads do.
/// </summary>
internal sealed class QueryLiteDb(LiteDbEngine store, string dir) : QueryTarget(store)
{
    private const string Key = "$.type + '|' + $.date";

    // '~' (0x7E) sorts after every character of an ISO date, so "T|~" bounds every date of type T from above.
    private const string AfterEveryDate = "~";

    public static async Task<QueryTarget> OpenAsync(string dir, bool durable) =>
        new QueryLiteDb((LiteDbEngine)await LiteDbEngine.OpenAsync(dir, durable), dir);

    public override Task CreateTypeDateIndexAsync()
    {
        lock (store.Database)
        {
            long before = DataFileBytes();
            store.Collection.EnsureIndex("type_date", Key);
            TypeDateIndexBytes = DataFileBytes() - before;
            TypeDateIndexBytesHow = "data file growth over EnsureIndex, after a checkpoint on each side";
        }
        return Task.CompletedTask;
    }

    public override Task CreateCustomerIndexAsync()
    {
        lock (store.Database) store.Collection.EnsureIndex("customer", "$.customer");
        return Task.CompletedTask;
    }

    public override Task<IReadOnlyList<JsonObject>> RecentAsync(string type, string since, int limit)
    {
        List<BsonDocument> docs;
        lock (store.Database) docs = RecentQuery(type, since).Limit(limit).ToList();
        return Task.FromResult<IReadOnlyList<JsonObject>>(docs.Select(LiteDbEngine.ToJson).ToList());
    }

    public override Task<long> CountTypeAsync(string type)
    {
        lock (store.Database) return Task.FromResult((long)store.Collection.Count($"{Key} BETWEEN @0 AND @1", type + "|", type + "|" + AfterEveryDate));
    }

    public override Task<IReadOnlyList<JsonObject>> ScanCustomerAsync(string customer, int limit)
    {
        List<BsonDocument> docs;
        lock (store.Database) docs = store.Collection.Query().Where("$.customer = @0", customer).Limit(limit).ToList();
        return Task.FromResult<IReadOnlyList<JsonObject>>(docs.Select(LiteDbEngine.ToJson).ToList());
    }

    public override Task<string> PlanAsync(string type, string since)
    {
        lock (store.Database) return Task.FromResult(LiteDB.JsonSerializer.Serialize(RecentQuery(type, since).Limit(100).GetPlan()));
    }

    public override string IdOf(JsonObject document) => (string)document["_id"]!;

    private ILiteQueryable<BsonDocument> RecentQuery(string type, string since) =>
        store.Collection.Query().Where($"{Key} BETWEEN @0 AND @1", type + "|" + since, type + "|" + AfterEveryDate).OrderByDescending(Key);

    /// <summary>The data file's size with the log folded in (a checkpoint), so a difference is pages the index took.</summary>
    private long DataFileBytes()
    {
        store.Database.Checkpoint();
        return new FileInfo(LiteDbEngine.FileIn(dir)).Length;
    }
}

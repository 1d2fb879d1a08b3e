using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// One engine in the query bench: its document store (loads and saves go through the same <see cref="IBenchEngine"/>
/// as the other scenarios) plus that engine's equivalent of the ["type","date"] index and of each measured query.
/// Every query returns parsed <see cref="JsonObject"/>s, so every engine pays for materialising its answer.
/// </summary>
internal abstract class QueryTarget(IBenchEngine store) : IBenchEngine
{
    /// <summary>The name of the two-field index in every engine.</summary>
    public const string TypeDateIndex = "by-type-date";

    /// <summary>The name of the second index of the "2 indexes" save figure.</summary>
    public const string CustomerIndex = "by-customer";

    /// <summary>The engine's store, for loads and saves.</summary>
    protected IBenchEngine Store => store;

    /// <summary>Bytes the ["type","date"] index takes on disk, measured by <see cref="CreateTypeDateIndexAsync"/>.</summary>
    public long? TypeDateIndexBytes { get; protected set; }

    /// <summary>How <see cref="TypeDateIndexBytes"/> was measured (reported beside it).</summary>
    public string? TypeDateIndexBytesHow { get; protected set; }

    /// <summary>Creates the ["type","date"] index over the documents already stored (and measures its size).</summary>
    public abstract Task CreateTypeDateIndexAsync();

    /// <summary>Creates the ["customer"] index.</summary>
    public abstract Task CreateCustomerIndexAsync();

    /// <summary>{"type": type, "date": {"$gte": since}} sorted by date descending, at most <paramref name="limit"/> documents.</summary>
    public abstract Task<IReadOnlyList<JsonObject>> RecentAsync(string type, string since, int limit);

    /// <summary>The number of documents with {"type": type}.</summary>
    public abstract Task<long> CountTypeAsync(string type);

    /// <summary>{"customer": customer}, at most <paramref name="limit"/> documents, no usable index: a full scan.</summary>
    public abstract Task<IReadOnlyList<JsonObject>> ScanCustomerAsync(string customer, int limit);

    /// <summary>How the engine runs <see cref="RecentAsync"/> (its query plan), printed once.</summary>
    public abstract Task<string> PlanAsync(string type, string since);

    /// <summary>The id of a document this engine returned (LiteDB keeps it in <c>_id</c>).</summary>
    public virtual string IdOf(JsonObject document) => (string)document["id"]!;

    public Task SaveAsync(string id, JsonObject document) => store.SaveAsync(id, document);

    public Task SaveBatchAsync(IReadOnlyList<(string Id, JsonObject Document)> batch) => store.SaveBatchAsync(batch);

    public Task<JsonObject?> ReadAsync(string id) => store.ReadAsync(id);

    public virtual ValueTask DisposeAsync() => store.DisposeAsync();
}

using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;
using MyNoSql.Storage.Indexing;
using MyNoSql.Storage.Query;

namespace MyNoSql.Bench;

/// <summary>
/// The MyNoSql peer with its secondary indexes, measured through the public API (<c>MyNoSqlDb.CreateIndexAsync /
/// FindAsync / CountAsync / Explain</c>); the profile (<see cref="QueryProfile"/>) reaches the peer's own
/// <see cref="IndexManager"/> and query source to time each stage.
/// </summary>
internal sealed class QueryMyNoSql : QueryTarget
{
    private readonly IndexManager _indexes;
    private readonly string _indexDirectory;

    private QueryMyNoSql(MyNoSqlEngine engine, IndexManager indexes, string indexDirectory) : base(engine)
    {
        Engine = engine;
        _indexes = indexes;
        _indexDirectory = indexDirectory;
    }

    /// <summary>The peer (the profile reads its store's statistics).</summary>
    public MyNoSqlEngine Engine { get; }

    /// <summary>What the queries run over.</summary>
    public IQuerySource Source => _indexes.QuerySource;

    /// <summary>Where this bench keeps the peer's index files (beside its <c>store</c> directory).</summary>
    public static string IndexDirectory(string dir) => Path.Combine(dir, MyNoSqlEngine.DatabaseName, "indexes");

    public static async Task<QueryTarget> OpenAsync(string dir, bool durable)
    {
        var engine = (MyNoSqlEngine)await MyNoSqlEngine.OpenAsync(dir, durable);
        try
        {
            return new QueryMyNoSql(engine, engine.Db.Store.Indexes, IndexDirectory(dir));
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    public override async Task CreateTypeDateIndexAsync()
    {
        await Engine.Db.CreateIndexAsync(TypeDateIndex, ["type", "date"]);
        TypeDateIndexBytes = Measure.DirectoryBytes(_indexDirectory);
        TypeDateIndexBytesHow = "every file in the index directory right after CreateIndexAsync";
    }

    public override async Task CreateCustomerIndexAsync() => await Engine.Db.CreateIndexAsync(CustomerIndex, ["customer"]);

    public override async Task<IReadOnlyList<JsonObject>> RecentAsync(string type, string since, int limit)
    {
        var result = await Engine.Db.FindAsync(Recent(type, since, limit));
        // A full scan here would measure the wrong thing: say so rather than report it.
        if (result.Index != TypeDateIndex)
            throw new InvalidOperationException($"the planner used {result.Index ?? "no index"} instead of {TypeDateIndex}: {result.Warning}");
        return result.Docs;
    }

    public override async Task<long> CountTypeAsync(string type) =>
        await Engine.Db.CountAsync(new JsonObject { ["type"] = type });

    public override async Task<IReadOnlyList<JsonObject>> ScanCustomerAsync(string customer, int limit)
    {
        var query = new JsonObject { ["selector"] = new JsonObject { ["customer"] = customer }, ["limit"] = limit };
        return (await Engine.Db.FindAsync(query)).Docs;
    }

    public override Task<string> PlanAsync(string type, string since) =>
        Task.FromResult(Engine.Db.Explain(Recent(type, since, 100)).ToJsonString());

    /// <summary>The Mango form of the measured query (the other engines translate exactly this).</summary>
    public static JsonObject Recent(string type, string since, int limit) => new()
    {
        ["selector"] = new JsonObject { ["type"] = type, ["date"] = new JsonObject { ["$gte"] = since } },
        ["sort"] = new JsonArray(new JsonObject { ["date"] = "desc" }),
        ["limit"] = limit,
    };
}

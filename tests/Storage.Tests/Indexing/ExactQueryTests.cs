using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Indexing;
using MyNoSql.Storage.Query;
using MyNoSql.Storage.Tests.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Indexing;

/// <summary>
/// Exact plans (the selector is only equalities and bounds the index ranges express) skip the selector re-check and,
/// for counts, the reads: their answers must still equal a brute-force evaluation over every live document, through
/// random saves, updates, deletes and memtable flushes and merges.
/// </summary>
public class ExactQueryTests
{
    private static readonly IndexDefinition ByTypeDate = new("by-type-date", ["type", "date"]);
    private static readonly string[] Types = ["order", "invoice", "note"];

    private static JsonObject Doc(string id, Random r)
    {
        var doc = new JsonObject { ["id"] = id };
        int t = r.Next(5);
        if (t < 3) doc["type"] = Types[t];
        else if (t == 3) doc["type"] = r.Next(2); // a number: collates below every string
        if (r.Next(6) > 0) doc["date"] = $"2026-0{r.Next(1, 4)}-{r.Next(10, 14)}";
        return doc;
    }

    private static IEnumerable<JsonObject> Selectors(Random r)
    {
        string type = Types[r.Next(Types.Length)], date = $"2026-0{r.Next(1, 4)}-{r.Next(10, 14)}";
        yield return new JsonObject { ["type"] = type };
        yield return new JsonObject { ["type"] = type, ["date"] = new JsonObject { ["$gte"] = date } };
        yield return new JsonObject { ["type"] = type, ["date"] = new JsonObject { ["$gt"] = date, ["$lte"] = "2026-03-12" } };
        yield return new JsonObject { ["type"] = type, ["date"] = date };
        yield return new JsonObject { ["type"] = new JsonObject { ["$gte"] = "invoice" } };
    }

    [Fact]
    public async Task Exact_finds_and_counts_equal_a_full_evaluation_under_random_writes_and_deletes()
    {
        using var dir = new TempDirectory();
        var store = await DocumentStore.OpenAsync("db", dir.Path, Small(durability: DurabilityMode.Relaxed), 1 << 20);
        try
        {
            await store.Indexes.CreateAsync(ByTypeDate);
            var index = store.Indexes.Find(ByTypeDate.Name)!;
            index.FlushThreshold = 16;
            index.MergeThreshold = 2;
            var source = store.Indexes.QuerySource;
            var r = new Random(7);
            for (int step = 0; step < 600; step++)
            {
                string id = $"k{r.Next(80):D2}";
                string? rev = (await store.ReadAsync(id))?["rev"]?.GetValue<string>();
                if (rev is not null && r.Next(4) == 0) await store.DeleteAsync(id, rev);
                else
                {
                    var doc = Doc(id, r);
                    if (rev is not null) doc["rev"] = rev;
                    await store.SaveAsync(doc);
                }
                if (step % 25 != 24) continue;
                foreach (var json in Selectors(r))
                {
                    var query = MangoQuery.Parse(new JsonObject { ["selector"] = json, ["sort"] = new JsonArray(new JsonObject { ["type"] = "desc" }, new JsonObject { ["date"] = "desc" }), ["limit"] = 1000 });
                    Assert.True(QueryEngine.Explain(source, query)["exact"]!.GetValue<bool>(), json.ToJsonString());
                    var expected = new List<string>();
                    foreach (string live in source.LiveIds(null))
                    {
                        var doc = await store.ReadAsync(live); // not through the query source and its document cache
                        if (doc is not null && query.Selector.Matches(doc)) expected.Add(live);
                    }
                    Assert.Equal(expected.Count, await QueryEngine.CountAsync(source, query.Selector));
                    var found = (await QueryEngine.FindAsync(source, query)).Docs.Select(d => d["id"]!.GetValue<string>()).Order(StringComparer.Ordinal);
                    Assert.Equal(expected.Order(StringComparer.Ordinal), found);
                }
            }
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public void Selectors_with_other_operators_repeated_equalities_or_unindexed_fields_are_not_exact()
    {
        var source = new Query.InMemoryQuerySource([new JsonObject { ["id"] = "a", ["type"] = "order", ["date"] = "2026" }]);
        source.AddIndex("by-type-date", "type", "date");
        foreach (string json in new[]
        {
            """{"type": "order", "total": 5}""",
            """{"type": {"$in": ["order"]}}""",
            """{"type": "order", "date": {"$ne": "2026"}}""",
            """{"$and": [{"type": "order"}, {"type": "note"}]}""",
            """{"type": "order", "date": {"$gte": "2026", "$eq": "2026"}}""",
            """{"$or": [{"type": "order"}, {"type": "note"}]}""",
            """{"type": {"a": 1}}""",
            """{"date": {"$gte": "2026"}}""",
        })
        {
            var query = MangoQuery.Parse(new JsonObject { ["selector"] = JsonNode.Parse(json) });
            Assert.False(QueryEngine.Explain(source, query)["exact"]!.GetValue<bool>(), json);
        }
        Assert.True(QueryEngine.Explain(source, MangoQuery.Parse(new JsonObject { ["selector"] = JsonNode.Parse("""{"type": "order", "date": {"$gte": "2026", "$lt": "2027"}}""") }))["exact"]!.GetValue<bool>());
    }
}

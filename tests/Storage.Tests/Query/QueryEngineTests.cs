using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>Planner choices (through explain), unions in sort order, laziness, bookmarks, projection, stale entries.</summary>
public sealed class QueryEngineTests
{
    private static InMemoryQuerySource Orders(int count = 200)
    {
        var docs = Enumerable.Range(0, count).Select(i => JsonNode.Parse($$$"""
            {"id":"o{{{i:D4}}}","rev":"1-{{{i:x32}}}","type":"{{{(i % 3 == 0 ? "invoice" : "order")}}}","total":{{{i % 50}}},"date":"2026-01-{{{i % 97:D3}}}","n":{"x":{{{i % 7}}},"y":"y"}}
            """)!.AsObject());
        var source = new InMemoryQuerySource(docs);
        source.AddIndex("by-type-date", "type", "date");
        source.AddIndex("by-total", "total");
        source.AddIndex("by-type-total", "type", "total");
        return source;
    }

    private static MangoQuery Q(string json) => MangoQuery.Parse(JsonNode.Parse(json)!.AsObject());

    private static async Task<List<JsonObject>> All(InMemoryQuerySource source, string json)
    {
        var query = JsonNode.Parse(json)!.AsObject();
        var docs = new List<JsonObject>();
        while (true)
        {
            var page = await QueryEngine.FindAsync(source, MangoQuery.Parse(query));
            docs.AddRange(page.Docs);
            if (page.Bookmark is null) return docs;
            query["bookmark"] = page.Bookmark;
        }
    }

    [Theory]
    [InlineData("""{"selector":{"type":"order","total":{"$gte":10,"$lt":20}}}""", "by-type-total", 1, true)]
    [InlineData("""{"selector":{"type":"order"},"sort":[{"date":"desc"}]}""", "by-type-date", 1, false)]
    [InlineData("""{"selector":{"total":{"$gt":5}}}""", "by-total", 0, true)]
    [InlineData("""{"selector":{"total":{"$in":[1,2]},"type":"order"}}""", "by-type-total", 2, false)]
    [InlineData("""{"selector":{"type":"order","total":{"$gte":10}},"use_index":"by-type-date"}""", "by-type-date", 1, false)]
    public void Planner_prefers_equality_then_range_then_sort(string query, string index, int equality, bool range)
    {
        var plan = QueryEngine.Explain(Orders(), Q(query));
        Assert.Equal(index, plan["index"]!.GetValue<string>());
        Assert.Equal(equality, plan["equality_fields"]!.GetValue<int>());
        Assert.Equal(range, plan["range"]!.GetValue<bool>());
        Assert.False(plan["full_scan"]!.GetValue<bool>());
        Assert.Null(plan["warning"]);
    }

    [Fact]
    public async Task The_design_example_answers_in_date_order()
    {
        const string query = """
            {"selector": {"type": "order", "total": {"$gte": 10}},
             "sort": [{"date": "desc"}], "limit": 50, "fields": ["id", "total"]}
            """;
        var source = Orders();
        var typeDateOnly = new InMemoryQuerySource(source.Documents);
        typeDateOnly.AddIndex("by-type-date", "type", "date");
        // Equality then a range outranks a served sort (by-type-total); with by-type-date alone the sort is served.
        foreach (var (s, index) in new[] { (source, "by-type-total"), (typeDateOnly, "by-type-date") })
        {
            var page = await QueryEngine.FindAsync(s, Q(query));
            Assert.Equal(index, page.Index);
            Assert.Equal(index == "by-type-date", QueryEngine.Explain(s, Q(query))["sort_served"]!.GetValue<bool>());
            Assert.Null(page.Warning);
            Assert.Equal(50, page.Docs.Count);
            Assert.NotNull(page.Bookmark);
            Assert.All(page.Docs, d => Assert.Equal(["id", "rev", "total"], d.Select(p => p.Key)));
            var dates = page.Docs.Select(d => source.Documents.Single(x => x["id"]!.GetValue<string>() == d["id"]!.GetValue<string>())["date"]!.GetValue<string>()).ToList();
            Assert.Equal(dates.OrderDescending(StringComparer.Ordinal), dates);
        }
    }

    [Fact]
    public void Explain_shows_ranges_sort_and_selector()
    {
        var plan = QueryEngine.Explain(Orders(), Q("""{"selector":{"type":"order","date":{"$gt":"2026-01-010"}},"sort":[{"type":"desc"},{"date":"desc"}],"limit":5,"skip":1}"""));
        Assert.Equal("by-type-date", plan["index"]!.GetValue<string>());
        Assert.Equal(["type", "date"], plan["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal("type = \"order\", date > \"2026-01-010\"", Assert.Single(plan["ranges"]!.AsArray())!.GetValue<string>());
        Assert.True(plan["sort_served"]!.GetValue<bool>());
        Assert.True(plan["descending"]!.GetValue<bool>());
        Assert.Equal(5, plan["limit"]!.GetValue<int>());
        Assert.Equal(1, plan["skip"]!.GetValue<int>());
        Assert.Equal("""{"$and":[{"type":{"$eq":"order"}},{"date":{"$gt":"2026-01-010"}}]}""", plan["selector"]!.ToJsonString());
    }

    [Fact]
    public async Task Without_a_usable_index_it_scans_and_warns()
    {
        var source = Orders();
        var result = await QueryEngine.FindAsync(source, Q("""{"selector":{"n.x":3,"total":{"$exists":true}},"sort":["date"]}"""));
        Assert.Null(result.Index);
        Assert.Contains("\"n.x\"", result.Warning, StringComparison.Ordinal);
        Assert.Contains("\"date\"", result.Warning, StringComparison.Ordinal);
        Assert.Equal(25, result.Docs.Count);
        Assert.True(QueryEngine.Explain(source, Q("""{"selector":{"n.x":3}}"""))["full_scan"]!.GetValue<bool>());
        var ignored = await QueryEngine.FindAsync(source, Q("""{"selector":{"type":"order"},"use_index":"nope"}"""));
        Assert.Contains("use_index 'nope'", ignored.Warning, StringComparison.Ordinal);
        Assert.NotNull(ignored.Index); // the best index still serves it
    }

    [Fact]
    public async Task An_index_serves_a_pure_sort_lazily()
    {
        var source = Orders();
        source.ResetReads();
        var result = await QueryEngine.FindAsync(source, Q("""{"selector":{},"sort":[{"total":"desc"}],"limit":3}"""));
        Assert.Equal("by-total", result.Index);
        Assert.Null(result.Warning);
        Assert.All(result.Docs, d => Assert.Equal(49, d["total"]!.GetValue<int>()));
        Assert.True(source.Reads <= 4, $"{source.Reads} reads");
    }

    [Fact]
    public async Task Equality_range_sort_desc_limit_reads_only_the_page()
    {
        var source = Orders(2000);
        var index = (InMemoryIndex)source.Indexes[2];
        source.ResetReads();
        var result = await QueryEngine.FindAsync(source, Q("""{"selector":{"type":"order","total":{"$gte":10,"$lt":40}},"sort":[{"total":"desc"}],"limit":10}"""));
        Assert.Equal("by-type-total", result.Index);
        Assert.Equal(10, result.Docs.Count);
        Assert.All(result.Docs, d => Assert.Equal(39, d["total"]!.GetValue<int>()));
        Assert.True(source.Reads <= 11, $"{source.Reads} reads");
        Assert.True(index.Yielded <= 11, $"{index.Yielded} entries");
        Assert.NotNull(result.Bookmark);
    }

    [Fact]
    public async Task In_and_or_unions_come_back_in_sort_order()
    {
        var source = Orders();
        var explain = QueryEngine.Explain(source, Q("""{"selector":{"type":{"$in":["order","invoice"]}},"sort":["type","date"]}"""));
        Assert.Equal("by-type-date", explain["index"]!.GetValue<string>());
        Assert.True(explain["sort_served"]!.GetValue<bool>());
        Assert.Equal(3, explain["ranges"]!.AsArray().Count); // two values and "type is an array"
        var docs = await All(source, """{"selector":{"type":{"$in":["order","invoice"]}},"sort":["type","date"],"limit":7}""");
        Assert.Equal(200, docs.Count);
        AssertOrdered(docs, ["type", "date"], descending: false);

        string or = """{"selector":{"$or":[{"type":"order","date":{"$lt":"2026-01-020"}},{"type":"invoice","date":{"$gte":"2026-01-090"}}]},"sort":[{"type":"desc"},{"date":"desc"}],"limit":4}""";
        explain = QueryEngine.Explain(source, Q(or));
        Assert.Equal("by-type-date", explain["index"]!.GetValue<string>());
        Assert.Equal(2, explain["ranges"]!.AsArray().Count);
        Assert.True(explain["sort_served"]!.GetValue<bool>());
        docs = await All(source, or);
        Assert.Equal(source.Documents.Count(d => MangoOracle.Matches(JsonNode.Parse(or)!["selector"]!.AsObject(), d)), docs.Count);
        AssertOrdered(docs, ["type", "date"], descending: true);
    }

    private static void AssertOrdered(List<JsonObject> docs, string[] fields, bool descending)
    {
        for (int i = 1; i < docs.Count; i++)
        {
            int c = 0;
            foreach (var f in fields)
                if ((c = MangoOracle.Compare(docs[i - 1][f], docs[i][f])) != 0) break;
            Assert.True(descending ? c >= 0 : c <= 0, $"{docs[i - 1].ToJsonString()} then {docs[i].ToJsonString()}");
        }
    }

    [Fact]
    public async Task Bookmarks_page_through_and_refuse_another_query()
    {
        var source = Orders();
        var first = await QueryEngine.FindAsync(source, Q("""{"selector":{"type":"order"},"sort":["date"],"limit":10}"""));
        Assert.NotNull(first.Bookmark);
        var e = await Assert.ThrowsAsync<BadQueryException>(async () =>
            await QueryEngine.FindAsync(source, Q($$"""{"selector":{"type":"invoice"},"sort":["date"],"bookmark":"{{first.Bookmark}}"}""")));
        Assert.Equal("bookmark", e.Part);
        e = await Assert.ThrowsAsync<BadQueryException>(async () =>
            await QueryEngine.FindAsync(source, Q($$"""{"selector":{"type":"order"},"sort":[{"date":"desc"}],"bookmark":"{{first.Bookmark}}"}""")));
        Assert.Equal("bookmark", e.Part);
        e = await Assert.ThrowsAsync<BadQueryException>(async () =>
            await QueryEngine.FindAsync(source, Q("""{"selector":{"type":"order"},"bookmark":"not-a-bookmark!"}""")));
        Assert.Equal("bookmark", e.Part);

        foreach (var sort in new[] { """["date"]""", """[{"n.x":"desc"},"total"]""", "[]" })
        {
            var all = await All(source, $$$"""{"selector":{"type":"order","total":{"$gt":3}},"sort":{{{sort}}},"limit":9}""");
            var expected = source.Documents.Where(d => d["type"]!.GetValue<string>() == "order" && d["total"]!.GetValue<int>() > 3).ToList();
            Assert.Equal(expected.Count, all.Count);
            Assert.Equal(expected.Count, all.Select(d => d["id"]!.GetValue<string>()).Distinct().Count());
        }
    }

    [Fact]
    public async Task A_bookmark_of_another_plan_is_refused()
    {
        var source = new InMemoryQuerySource(Orders().Documents);
        string query = """{"selector":{"n.x":{"$gt":2}},"sort":["n.x"],"limit":5}""";
        var first = await QueryEngine.FindAsync(source, Q(query));
        Assert.Null(first.Index);
        source.AddIndex("by-x", "n.x"); // now the index serves the sort: its order is not the in-memory one
        var next = JsonNode.Parse(query)!.AsObject();
        next["bookmark"] = first.Bookmark;
        var e = await Assert.ThrowsAsync<BadQueryException>(async () => await QueryEngine.FindAsync(source, MangoQuery.Parse(next)));
        Assert.Equal("bookmark", e.Part);
    }

    [Fact]
    public async Task Mixed_directions_sort_in_memory()
    {
        var docs = await All(Orders(), """{"selector":{"type":"invoice"},"sort":[{"n.x":"desc"},{"total":"asc"}],"limit":6}""");
        Assert.Equal(67, docs.Count);
        for (int i = 1; i < docs.Count; i++)
        {
            int x0 = docs[i - 1]["n"]!["x"]!.GetValue<int>(), x1 = docs[i]["n"]!["x"]!.GetValue<int>();
            Assert.True(x0 > x1 || (x0 == x1 && docs[i - 1]["total"]!.GetValue<int>() <= docs[i]["total"]!.GetValue<int>()));
        }
    }

    [Fact]
    public async Task Skip_applies_before_the_page_and_limit_zero_reads_nothing()
    {
        var source = Orders();
        var all = await QueryEngine.FindAsync(source, Q("""{"selector":{"total":{"$lt":2}},"sort":["id"],"limit":100}"""));
        var skipped = await QueryEngine.FindAsync(source, Q("""{"selector":{"total":{"$lt":2}},"sort":["id"],"skip":3,"limit":2}"""));
        Assert.Equal(all.Docs.Skip(3).Take(2).Select(d => d["id"]!.GetValue<string>()), skipped.Docs.Select(d => d["id"]!.GetValue<string>()));
        source.ResetReads();
        var none = await QueryEngine.FindAsync(source, Q("""{"selector":{},"limit":0}"""));
        Assert.Empty(none.Docs);
        Assert.Null(none.Bookmark);
        Assert.Equal(0, source.Reads);
    }

    [Fact]
    public async Task Fields_project_nested_paths_and_keep_id_and_rev()
    {
        var result = await QueryEngine.FindAsync(Orders(), Q("""{"selector":{"id":"o0005"},"fields":["total","n.x","missing","n.nope"]}"""));
        var doc = Assert.Single(result.Docs);
        Assert.Equal("""{"id":"o0005","rev":"1-00000000000000000000000000000005","total":5,"n":{"x":5}}""", doc.ToJsonString());
    }

    [Fact]
    public async Task Stale_and_absent_index_entries_are_skipped()
    {
        var source = Orders();
        source.PutWithoutIndexing("o0001", null);
        source.PutWithoutIndexing("o0002", JsonNode.Parse("""{"id":"o0002","rev":"2-x","type":"invoice","total":2}""")!.AsObject());
        var docs = await All(source, """{"selector":{"type":"order","total":{"$lte":2}},"limit":1}""");
        Assert.DoesNotContain(docs, d => d["id"]!.GetValue<string>() is "o0001" or "o0002");
        Assert.Equal(source.Documents.Count(d => d["type"]!.GetValue<string>() == "order" && d["total"]!.GetValue<int>() <= 2), docs.Count);
        Assert.Equal(docs.Count, await QueryEngine.CountAsync(source, Selector.Parse(JsonNode.Parse("""{"type":"order","total":{"$lte":2}}""")!.AsObject())));
    }

    [Fact]
    public async Task Count_narrows_through_an_index()
    {
        var source = Orders();
        source.ResetReads();
        long n = await QueryEngine.CountAsync(source, Selector.Parse(JsonNode.Parse("""{"total":{"$in":[7,8]}}""")!.AsObject()));
        Assert.Equal(8, n);
        Assert.Equal(8, source.Reads);
    }

    [Fact]
    public async Task Digit_segments_index_into_arrays_in_selector_sort_fields_and_indexes()
    {
        var docs = new[]
        {
            """{"id":"a","rev":"1-a","nums":[3,4,5],"items":[{"q":1},{"q":4}]}""",
            """{"id":"b","rev":"1-b","nums":[9,1],"items":[{"q":4}]}""",
            """{"id":"c","rev":"1-c","nums":{"0":3,"1":0},"items":{"1":{"q":4}}}""",
            """{"id":"d","rev":"1-d","nums":[],"items":[]}""",
            """{"id":"e","rev":"1-e","nums":3,"items":"x"}""",
        }.Select(d => JsonNode.Parse(d)!.AsObject()).ToList();
        var scan = new InMemoryQuerySource(docs);
        var indexed = new InMemoryQuerySource(docs);
        indexed.AddIndex("by-num0", "nums.0");
        indexed.AddIndex("by-item1", "items.1.q");
        foreach (var (selector, expected, index) in new[]
        {
            ("""{"nums.0":3}""", "a c", "by-num0"),
            ("""{"nums.0":{"$gt":3}}""", "b", "by-num0"),
            ("""{"items.1.q":4}""", "a c", "by-item1"),
            ("""{"items.1.q":{"$exists":false}}""", "b d e", null),
        })
        {
            string query = $$"""{"selector":{{selector}},"sort":["id"]}""";
            var full = await QueryEngine.FindAsync(scan, Q(query));
            Assert.Null(full.Index);
            Assert.Equal(expected, string.Join(' ', full.Docs.Select(d => d["id"]!.GetValue<string>())));
            var narrowed = await QueryEngine.FindAsync(indexed, Q(query));
            Assert.Equal(index, narrowed.Index);
            Assert.Equal(expected, string.Join(' ', narrowed.Docs.Select(d => d["id"]!.GetValue<string>())));
        }
        // Sort by a position (a missing one sorts first), and project one: the copy is nested by the path's names, as CouchDB's.
        var sorted = await QueryEngine.FindAsync(scan, Q("""{"selector":{},"sort":["nums.1","id"],"fields":["items.1.q"]}"""));
        Assert.Equal("d e c b a", string.Join(' ', sorted.Docs.Select(d => d["id"]!.GetValue<string>())));
        Assert.Equal("""{"id":"a","rev":"1-a","items":{"1":{"q":4}}}""", sorted.Docs[^1].ToJsonString());
        var served = await QueryEngine.FindAsync(indexed, Q("""{"selector":{"nums.0":{"$gte":0}},"sort":["nums.0"]}"""));
        Assert.Equal("by-num0", served.Index);
        Assert.Equal("a c b", string.Join(' ', served.Docs.Select(d => d["id"]!.GetValue<string>())));
    }
}

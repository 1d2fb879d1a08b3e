using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;
using MyNoSql.Storage.Tests.Fuzz;
using Xunit.Abstractions;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>
/// The query engine against <see cref="MangoOracle"/> over random documents and random queries using every operator:
/// without indexes and with random indexes, random sorts, limits and skips, following bookmarks page by page until
/// null. Ties in the sort may come back in any order (an index orders them by its remaining fields), so pages are
/// compared by their sort values, and the union of all pages by ids.
/// </summary>
public sealed class QueryEnginePropertyTests(ITestOutputHelper output)
{
    private const int MaxPages = 30;

    [Fact]
    public async Task Engine_agrees_with_the_oracle_with_and_without_indexes()
    {
        int seed = FuzzSettings.Seed(output, "query engine vs oracle");
        int databases = FuzzSettings.Cases(5), queries = 400;
        var random = new Random(seed);
        var gen = new RandomMango(random);
        int checkedQueries = 0, indexed = 0, nonEmpty = 0;
        for (int db = 0; db < databases; db++)
        {
            var source = new InMemoryQuerySource(Enumerable.Range(0, 250).Select(gen.Document));
            var indexSets = Enumerable.Range(0, 3)
                .Select(_ => Enumerable.Range(0, 1 + random.Next(4)).Select(i => new InMemoryIndex($"ix{i}", gen.IndexFields(), source.Documents)).ToList())
                .ToList();
            for (int q = 0; q < queries; q++)
            {
                var selector = gen.Selector();
                var sort = gen.Sort();
                int limit = gen.Limit(), skip = gen.Skip();
                JsonArray? fields = random.Next(5) == 0 ? ["a", "n.x"] : null;
                string context = $"seed {seed}, db {db}, query {q}: {new JsonObject { ["selector"] = selector.DeepClone(), ["sort"] = sort.DeepClone(), ["limit"] = limit, ["skip"] = skip }.ToJsonString()}";

                var expected = source.Documents.Where(d => MangoOracle.Matches(selector, d)).ToList();
                var sortSpec = sort.Select(s => s is JsonObject o ? (o.First().Key, o.First().Value!.GetValue<string>() == "desc") : (s!.GetValue<string>(), false)).ToList();
                expected.Sort((x, y) => CompareBySort(x, y, sortSpec));
                if (expected.Count > 0) nonEmpty++;

                source.ClearIndexes();
                await RunAndCheck(source, selector, sort, limit, skip, fields, expected, sortSpec, context + " [no index]");
                source.UseIndexes(indexSets[q % indexSets.Count]);
                var plan = QueryEngine.Explain(source, Query(selector, sort, limit, skip, fields, null));
                if (plan["index"] is not null) indexed++;
                await RunAndCheck(source, selector, sort, limit, skip, fields, expected, sortSpec, context + $" [indexes {string.Join(" ", indexSets[q % indexSets.Count].Select(x => "[" + string.Join(",", x.Definition.Fields) + "]"))}, plan {plan.ToJsonString()}]");
                Assert.Equal(expected.Count, await QueryEngine.CountAsync(source, Selector.Parse(selector)));
                checkedQueries++;
            }
        }
        output.WriteLine($"{checkedQueries} queries checked ({nonEmpty} with matches), {indexed} ran through an index");
        Assert.True(indexed > checkedQueries / 10, "too few queries used an index to test the planner");
    }

    private static MangoQuery Query(JsonObject selector, JsonArray sort, int limit, int skip, JsonArray? fields, string? bookmark)
    {
        var q = new JsonObject { ["selector"] = selector.DeepClone(), ["sort"] = sort.DeepClone(), ["limit"] = limit, ["skip"] = skip };
        if (fields is not null) q["fields"] = fields.DeepClone();
        if (bookmark is not null) q["bookmark"] = bookmark;
        return MangoQuery.Parse(q);
    }

    private static async Task RunAndCheck(InMemoryQuerySource source, JsonObject selector, JsonArray sort, int limit, int skip, JsonArray? fields,
        List<JsonObject> expected, List<(string Field, bool Desc)> sortSpec, string context)
    {
        var byId = expected.ToDictionary(d => d["id"]!.GetValue<string>());
        var seen = new List<string>();
        string? bookmark = null;
        int pages = 0, firstSkip = Math.Min(skip, expected.Count);
        do
        {
            var result = await QueryEngine.FindAsync(source, Query(selector, sort, limit, pages == 0 ? skip : 0, fields, bookmark));
            Assert.True(result.Docs.Count <= limit, context);
            if (bookmark is not null) Assert.True(result.Docs.Count > 0, $"a bookmark led to an empty page: {context}");
            Assert.Equal(result.Index is null, result.Warning is not null && result.Warning.StartsWith("No index", StringComparison.Ordinal));
            foreach (var doc in result.Docs)
            {
                string id = doc["id"]!.GetValue<string>();
                Assert.True(byId.TryGetValue(id, out var full), $"{id} should not match: {context}");
                Assert.DoesNotContain(id, seen);
                if (fields is not null) Assert.All(doc.Select(p => p.Key), k => Assert.Contains(k, new[] { "id", "rev", "a", "n" }));
                else Assert.Same(full, doc);
                int position = firstSkip + seen.Count;
                Assert.True(position < expected.Count, $"too many results: {context}");
                if (sortSpec.Count > 0)
                    Assert.True(CompareBySort(full!, expected[position], sortSpec, byId: false) == 0,
                        $"position {position}: got {full!.ToJsonString()}, expected sort values of {expected[position].ToJsonString()}: {context}");
                seen.Add(id);
            }
            bookmark = result.Bookmark;
        }
        while (bookmark is not null && ++pages < MaxPages);
        if (bookmark is null) Assert.True(expected.Count - firstSkip == seen.Count, $"expected {expected.Count - firstSkip} results over all pages, got {seen.Count}: {context}");
        if (skip == 0 && bookmark is null) Assert.Equal(expected.Select(d => d["id"]!.GetValue<string>()).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    private static int CompareBySort(JsonObject x, JsonObject y, List<(string Field, bool Desc)> sort, bool byId = true)
    {
        foreach (var (field, desc) in sort)
        {
            int c = MangoOracle.CompareSortValue(MangoOracle.Get(x, field), MangoOracle.Get(y, field));
            if (c != 0) return desc ? -c : c;
        }
        return byId ? string.CompareOrdinal(x["id"]!.GetValue<string>(), y["id"]!.GetValue<string>()) : 0;
    }
}

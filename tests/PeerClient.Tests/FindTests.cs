using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

/// <summary>The peer's query API (DESIGN §7): FindAsync with and without an index, paging, typed results, count, explain, bad queries.</summary>
public class FindTests
{
    private sealed record TypedOrder(string Id, string Type, int Total, string Date);

    [Fact]
    public async Task Find_uses_an_index_pages_by_bookmark_and_follows_every_write()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("shop", dir.Options());
        for (int i = 0; i < 60; i++)
            await db.SaveDocAsync(Order(i));
        var query = Query("""{"selector":{"type":"order","total":{"$gte":100}},"sort":[{"date":"desc"}],"limit":7,"fields":["id","total"]}""");
        var expected = Enumerable.Range(0, 60).Where(i => i % 3 == 0 && i * 10 >= 100).OrderByDescending(i => i).Select(i => $"o{i:D3}").ToList();

        var scan = await db.FindAsync(query);
        Assert.Null(scan.Index);
        Assert.NotNull(scan.Warning);

        await db.CreateIndexAsync("by-type-date", ["type", "date"]);
        var ids = new List<string>();
        var page = await db.FindAsync(query);
        Assert.Equal("by-type-date", page.Index);
        Assert.Null(page.Warning);
        Assert.Equal(["id", "rev", "total"], page.Docs[0].Select(p => p.Key).Order(StringComparer.Ordinal));
        while (true)
        {
            ids.AddRange(page.Docs.Select(d => (string)d["id"]!));
            if (page.Bookmark is null) break;
            query["bookmark"] = page.Bookmark;
            page = await db.FindAsync(query);
        }
        Assert.Equal(expected, ids);

        // Writes acknowledged before the call are reflected: an update that leaves the range, a delete, a new match.
        var first = (await db.ReadDocAsync("o057"))!;
        first["total"] = 1;
        await db.SaveDocAsync(first);
        var second = (await db.ReadDocAsync("o054"))!;
        await db.DeleteDocAsync("o054", (string)second["rev"]!);
        await db.SaveDocAsync(Order(300));
        query.Remove("bookmark");
        query["limit"] = 100;
        var after = (await db.FindAsync(query)).Docs.Select(d => (string)d["id"]!).ToList();
        Assert.Equal(["o300", .. expected.Where(id => id is not "o057" and not "o054")], after);
        Assert.Equal(after.Count, await db.CountAsync(query["selector"]!.AsObject()));
    }

    [Fact]
    public async Task Typed_find_reads_every_page_and_explain_names_the_index()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("shop", dir.Options());
        for (int i = 0; i < 45; i++) await db.SaveDocAsync(Order(i));
        await db.CreateIndexAsync("by-type-date", ["type", "date"]);
        var query = Query("""{"selector":{"type":"order"},"sort":[{"date":"asc"}],"limit":4}""");

        var orders = new List<TypedOrder>();
        await foreach (var order in db.FindAsync<TypedOrder>(query)) orders.Add(order);
        Assert.Equal(Enumerable.Range(0, 45).Where(i => i % 3 == 0).Select(i => $"o{i:D3}"), orders.Select(o => o.Id));
        Assert.All(orders, o => Assert.Equal("order", o.Type));

        var plan = db.Explain(query);
        Assert.Equal("by-type-date", (string?)plan["index"]);
    }

    [Theory]
    [InlineData("""{"selector":{"total":{"$bogus":1}}}""", "$bogus")]
    [InlineData("""{"selector":[]}""", "selector")]
    [InlineData("""{"selector":{},"limit":100000}""", "limit")]
    [InlineData("""{"selector":{},"sort":[{"a":"up"}]}""", "sort")]
    [InlineData("""{"selector":{},"bookmark":"nonsense"}""", "bookmark")]
    public async Task A_bad_query_is_an_ArgumentException_naming_the_part(string json, string part)
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("shop", dir.Options());
        await db.SaveDocAsync(Order(1));
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(() => db.FindAsync(Query(json)));
        Assert.Contains(part, e.Message, StringComparison.Ordinal);
        Assert.NotNull(await db.ReadDocAsync("o001")); // nothing stored is touched
    }

    private static JsonObject Order(int i) => new()
    {
        ["id"] = $"o{i:D3}",
        ["type"] = i % 3 == 0 ? "order" : "note",
        ["total"] = i * 10,
        ["date"] = $"2026-{1 + i / 28:D2}-{1 + i % 28:D2}T{i % 24:D2}:00:00Z",
    };

    private static JsonObject Query(string json) => JsonNode.Parse(json)!.AsObject();
}

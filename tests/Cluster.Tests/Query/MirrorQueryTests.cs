using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Query.QueryApi;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>
/// Queries on the mirrors over HTTP (DESIGN §7): cluster-wide indexes used by every mirror, read-your-writes through
/// the same gateway, bookmark paging, explain, listing and deleting indexes, and a mirror that was down when an index
/// was created building it when it comes back.
/// </summary>
[Collection(QueryClusterCollection.Name)]
public sealed class MirrorQueryTests(QueryClusterFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_index_created_through_one_mirror_is_used_by_every_mirror()
    {
        const string db = "q-everywhere";
        var http = fixture.Http;
        for (int i = 0; i < 30; i++)
            await PutAsync(http, fixture.Url(i % 3), db, $"doc-{i:D2}", $$"""{"type":"{{(i % 2 == 0 ? "order" : "item")}}","n":{{i}}}""");

        var created = await CreateIndexAsync(http, fixture.Url(0), db, """{"name":"by-type","fields":["type"]}""");
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal("created", Api.Str(created.Body, "result"));
        Assert.Equal("by-type", Api.Str(created.Body, "name"));
        // The same definition again, through another mirror and in CouchDB's shape: a no-op.
        var again = await CreateIndexAsync(http, fixture.Url(1), db, """{"index":{"fields":["type"]},"name":"by-type","type":"json"}""");
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal("exists", Api.Str(again.Body, "result"));
        // The name taken with other fields: 409, nothing replaced.
        Assert.Equal("conflict", Api.AssertError(HttpStatusCode.Conflict,
            await CreateIndexAsync(http, fixture.Url(2), db, """{"name":"by-type","fields":["n"]}""")));

        for (int m = 0; m < 3; m++)
        {
            var (status, list) = await Api.SendAsync(http, HttpMethod.Get, $"{fixture.Url(m)}/db/{db}/_index");
            Assert.Equal(HttpStatusCode.OK, status);
            var index = Assert.Single(list!["indexes"]!.AsArray());
            Assert.Equal("by-type", (string)index!["name"]!);
            Assert.Equal(["type"], index["fields"]!.AsArray().Select(f => (string)f!));
        }

        foreach (int m in new[] { 1, 2, 0 })
        {
            await WaitUntilAsync(async () =>
            {
                var found = await FindOkAsync(http, fixture.Url(m), db, """{"selector":{"type":"order"},"limit":100}""");
                return ((string?)found["index"] == "by-type" && Ids(found).Count == 15, found.ToJsonString());
            }, Timeout, $"mirror {m} answering from index by-type");
            var answer = await FindOkAsync(http, fixture.Url(m), db, """{"selector":{"type":"order"},"limit":100}""");
            Assert.Equal(Enumerable.Range(0, 15).Select(i => $"doc-{2 * i:D2}"), Ids(answer).Order(StringComparer.Ordinal));
            Assert.All(answer["docs"]!.AsArray(), d => Assert.Equal("order", (string)d!["type"]!));
        }
    }

    [Fact]
    public async Task A_find_through_a_gateway_reflects_every_write_that_gateway_acknowledged()
    {
        const string db = "q-ryw";
        var http = fixture.Http;
        await CreateIndexAsync(http, fixture.Url(0), db, """{"name":"by-n","fields":["n"]}""");
        for (int i = 0; i < 45; i++)
        {
            string url = fixture.Url(i % 3);
            string id = $"ryw-{i}";
            var saved = await PutAsync(http, url, db, id, $$"""{"n":{{i}},"v":"first"}""");
            var found = await FindOkAsync(http, url, db, $$$"""{"selector":{"n":{{{i}}}}}""");
            var doc = Assert.Single(found["docs"]!.AsArray());
            Assert.Equal((string)saved["rev"]!, (string)doc!["rev"]!);

            // An update and then a delete through the same gateway: each is seen by the very next query.
            var updated = await PutAsync(http, url, db, id, $$"""{"n":{{i}},"v":"second","rev":"{{saved["rev"]}}"}""");
            found = await FindOkAsync(http, url, db, $$$"""{"selector":{"n":{{{i}}},"v":"second"}}""");
            Assert.Equal((string)updated["rev"]!, (string)Assert.Single(found["docs"]!.AsArray())!["rev"]!);
            if (i % 5 == 0)
            {
                var (status, _) = await Api.SendAsync(http, HttpMethod.Delete, $"{url}/db/{db}/doc/{id}?rev={Uri.EscapeDataString((string)updated["rev"]!)}");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Empty((await FindOkAsync(http, url, db, $$$"""{"selector":{"n":{{{i}}}}}"""))["docs"]!.AsArray());
            }
        }
        var all = await FindOkAsync(http, fixture.Url(1), db, """{"selector":{"n":{"$gte":0}},"limit":1000}""");
        await WaitUntilAsync(async () =>
        {
            var everywhere = await FindOkAsync(http, fixture.Url(2), db, """{"selector":{"n":{"$gte":0}},"limit":1000}""");
            return (Ids(everywhere).Count == 36, everywhere.ToJsonString());
        }, Timeout, "every mirror holding the 36 live records");
        Assert.True(Ids(all).Count <= 36);
    }

    [Fact]
    public async Task Bookmarks_page_through_every_match_exactly_once()
    {
        const string db = "q-page";
        var http = fixture.Http;
        for (int i = 0; i < 23; i++) await PutAsync(http, fixture.Url(0), db, $"p{i:D2}", $$"""{"kind":"page","n":{{i}}}""");
        foreach (var withIndex in new[] { false, true })
        {
            if (withIndex) Assert.Equal(HttpStatusCode.OK, (await CreateIndexAsync(http, fixture.Url(1), db, """{"name":"by-kind-n","fields":["kind","n"]}""")).Status);
            var seen = new List<string>();
            string? bookmark = null;
            for (int page = 0; page < 10; page++)
            {
                string query = bookmark is null
                    ? """{"selector":{"kind":"page"},"limit":5}"""
                    : $$"""{"selector":{"kind":"page"},"limit":5,"bookmark":{{JsonValue.Create(bookmark).ToJsonString()}}}""";
                var found = await FindOkAsync(http, fixture.Url(0), db, query);
                Assert.True(Ids(found).Count <= 5);
                seen.AddRange(Ids(found));
                bookmark = (string?)found["bookmark"];
                if (bookmark is null || Ids(found).Count == 0) break;
            }
            Assert.Equal(Enumerable.Range(0, 23).Select(i => $"p{i:D2}"), seen.Order(StringComparer.Ordinal));
            Assert.Equal(seen.Count, seen.Distinct().Count());
        }
    }

    [Fact]
    public async Task Explain_lists_and_delete_work_over_http()
    {
        const string db = "q-admin";
        var http = fixture.Http;
        await PutAsync(http, fixture.Url(0), db, "a", """{"color":"red","size":3}""");
        Assert.Equal(HttpStatusCode.OK, (await CreateIndexAsync(http, fixture.Url(0), db, """{"name":"by-color","fields":["color"]}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await CreateIndexAsync(http, fixture.Url(0), db, """{"index":{"fields":[{"size":"asc"}]},"name":"by-size"}""")).Status);

        var (status, plan) = await Api.SendAsync(http, HttpMethod.Post, $"{fixture.Url(1)}/db/{db}/_explain", Api.Json("""{"selector":{"color":"red"}}"""));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("by-color", (string?)Assert.IsType<JsonObject>(plan)["index"]);

        var (_, list) = await Api.SendAsync(http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/_index");
        Assert.Equal(["by-color", "by-size"], list!["indexes"]!.AsArray().Select(i => (string)i!["name"]!));
        Assert.Equal(["size"], list["indexes"]![1]!["fields"]!.AsArray().Select(f => (string)f!));

        var (deleted, ok) = await Api.SendAsync(http, HttpMethod.Delete, $"{fixture.Url(1)}/db/{db}/_index/by-color");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.True((bool)ok!["ok"]!);
        Assert.Equal("not_found", Api.AssertError(HttpStatusCode.NotFound,
            await Api.SendAsync(http, HttpMethod.Delete, $"{fixture.Url(2)}/db/{db}/_index/by-color")));
        (_, list) = await Api.SendAsync(http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/_index");
        Assert.Equal(["by-size"], list!["indexes"]!.AsArray().Select(i => (string)i!["name"]!));

        // Without its index the query scans: still the right answer, with index null and a warning.
        for (int m = 0; m < 3; m++)
        {
            var found = await FindOkAsync(http, fixture.Url(m), db, """{"selector":{"color":"red"}}""");
            Assert.Equal(["a"], Ids(found));
            Assert.Null((string?)found["index"]);
            Assert.False(string.IsNullOrEmpty((string?)found["warning"]));
        }
    }

    [Fact]
    public async Task A_database_nobody_wrote_answers_nothing_and_leaves_no_index_files()
    {
        const string db = "q-nothing-here";
        var found = await FindOkAsync(fixture.Http, fixture.Url(1), db, """{"selector":{"a":1}}""");
        Assert.Empty(found["docs"]!.AsArray());
        Assert.Null((string?)found["bookmark"]);
        Assert.False(Directory.Exists(Path.Combine(fixture.Cluster.Slots[1].Data, "indexes", db)));
    }

    [Fact]
    public async Task A_mirror_down_when_an_index_was_created_builds_it_when_it_comes_back()
    {
        const string db = "q-restart";
        var http = fixture.Http;
        var cluster = fixture.Cluster;
        for (int i = 0; i < 10; i++) await PutAsync(http, fixture.Url(0), db, $"r{i}", $$"""{"shape":"{{(i < 4 ? "round" : "square")}}"}""");
        await WaitUntilAsync(async () =>
        {
            var local = await Api.LocalCopyAsync(http, fixture.Url(2), db);
            return ((int)local["records"]! == 10, local.ToJsonString());
        }, Timeout, "mirror 2 holding the records");

        Assert.Equal(0, await cluster.Mirrors[2].StopAsync(TimeSpan.FromSeconds(60)));
        await cluster.WaitForMirrorsAsync(2, TimeSpan.FromSeconds(60));
        Assert.Equal("created", Api.Str((await CreateIndexAsync(http, fixture.Url(1), db, """{"name":"by-shape","fields":["shape"]}""")).Body, "result"));

        cluster.StartMirror(2);
        await cluster.Mirrors[2].WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
        await cluster.WaitForMirrorsAsync(3, TimeSpan.FromSeconds(60));
        // At start, before any query, the mirror reconciles with the catalog and records the version it applied.
        string known = Path.Combine(cluster.Slots[2].Data, "indexes", "_catalog", db + ".json");
        await WaitUntilAsync(() => Task.FromResult((File.Exists(known) && File.ReadAllText(known).Contains("by-shape", StringComparison.Ordinal),
            File.Exists(known) ? File.ReadAllText(known) : "(no file)")), Timeout, "mirror 2 applying the catalog at start");
        var found = await FindOkAsync(http, fixture.Url(2), db, """{"selector":{"shape":"round"}}""");
        Assert.Equal("by-shape", (string?)found["index"]);
        Assert.Equal(["r0", "r1", "r2", "r3"], Ids(found).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Digit_segments_index_into_arrays_in_full_scans_and_through_an_index_on_every_mirror()
    {
        const string db = "q-positions";
        var http = fixture.Http;
        await PutAsync(http, fixture.Url(0), db, "p1", """{"nums":[3,4,5],"items":[{"q":1},{"q":4}]}""");
        await PutAsync(http, fixture.Url(1), db, "p2", """{"nums":[4,3],"items":[{"q":4}]}""");
        await PutAsync(http, fixture.Url(2), db, "p3", """{"nums":{"0":3},"items":{"1":{"q":4}}}""");
        await PutAsync(http, fixture.Url(0), db, "p4", """{"nums":3,"items":[]}""");
        const string byFirst = """{"selector":{"nums.0":3},"limit":100}""";
        const string bySecondItem = """{"selector":{"items.1.q":4},"limit":100}""";
        var scanned = await FindOkAsync(http, fixture.Url(0), db, byFirst);
        Assert.Null((string?)scanned["index"]);
        Assert.Equal(["p1", "p3"], Ids(scanned).Order(StringComparer.Ordinal));
        Assert.Equal(["p1", "p3"], Ids(await FindOkAsync(http, fixture.Url(1), db, bySecondItem)).Order(StringComparer.Ordinal));

        Assert.Equal(HttpStatusCode.OK, (await CreateIndexAsync(http, fixture.Url(1), db, """{"name":"by-first","fields":["nums.0"]}""")).Status);
        for (int m = 0; m < 3; m++)
        {
            await WaitUntilAsync(async () =>
            {
                var found = await FindOkAsync(http, fixture.Url(m), db, byFirst);
                return ((string?)found["index"] == "by-first", found.ToJsonString());
            }, Timeout, $"mirror {m} answering from index by-first");
            Assert.Equal(["p1", "p3"], Ids(await FindOkAsync(http, fixture.Url(m), db, byFirst)).Order(StringComparer.Ordinal));
            var sorted = await FindOkAsync(http, fixture.Url(m), db, """{"selector":{"nums.0":{"$gte":0}},"sort":["nums.0"],"fields":["nums.0"]}""");
            Assert.Equal("by-first", (string?)sorted["index"]);
            Assert.Equal(["p1", "p3", "p2"], Ids(sorted));
            Assert.Equal(3, (int)sorted["docs"]![0]!["nums"]!["0"]!);
        }
    }
}

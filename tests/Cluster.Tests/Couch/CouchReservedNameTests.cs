using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Couch.CouchApi;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Couch;

/// <summary>
/// Names each side reserves (README "Mapping" and "Ids starting with _"), on real mirror processes: a record's <c>_</c>
/// fields and a document's <c>id</c>/<c>rev</c> fields cross /couch escaped and come back exactly, in both directions
/// and through every route that reads or writes documents; records whose id starts with <c>_</c> are not served through
/// /couch, and /couch writes no such id.
/// </summary>
[Collection(HttpClusterCollection.Name)]
public sealed class CouchReservedNameTests(HttpClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    // A record's body as a native writer made it, and the same record as /couch must show it (every _ name gains a ~,
    // every ~id/~rev loses one; _attachments aside, nothing else changes, order kept).
    private const string NativeBody =
        """{"a":1,"_foo":1,"_id":"zzz","_rev":"9-abc","_deleted":true,"_revisions":{"start":5,"ids":["a","b"]},"_conflicts":["1-x"],"~id":"uid","~rev":"r","~_bar":2,"~~id":3,"~x":4,"z":0}""";
    private const string CouchBody =
        """{"a":1,"~_foo":1,"~_id":"zzz","~_rev":"9-abc","~_deleted":true,"~_revisions":{"start":5,"ids":["a","b"]},"~_conflicts":["1-x"],"id":"uid","rev":"r","~~_bar":2,"~id":3,"~x":4,"z":0}""";

    [Fact]
    public async Task Native_underscore_fields_are_escaped_in_every_couch_read_and_come_back_exactly()
    {
        string db = NewDb("cesc");
        var made = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/u", NativeBody, HttpStatusCode.Created);
        string rev1 = Str(made, "rev");
        string couch = $$"""{"_id":"u","_rev":"{{rev1}}",{{CouchBody[1..]}}""";
        string url = $"{fixture.Url(1)}/couch/{db}";

        Assert.Equal(couch, (await OkAsync(Http, HttpMethod.Get, $"{url}/u"))!.ToJsonString());
        Assert.Equal(couch, (await OkAsync(Http, HttpMethod.Get, $"{url}/u?open_revs=all"))![0]!["ok"]!.ToJsonString());
        Assert.Equal(couch, (await OkAsync(Http, HttpMethod.Get, $"{url}/_all_docs?include_docs=true"))!["rows"]![0]!["doc"]!.ToJsonString());
        Assert.Equal(couch, (await OkAsync(Http, HttpMethod.Get, $"{url}/_changes?include_docs=true"))!["results"]![0]!["doc"]!.ToJsonString());
        var bulkGet = await OkAsync(Http, HttpMethod.Post, $"{url}/_bulk_get", """{"docs":[{"id":"u"}]}""");
        Assert.Equal(couch, bulkGet!["results"]![0]!["docs"]![0]!["ok"]!.ToJsonString());

        // Back through a normal save: the record is the native one again, with only the edited field changed.
        var edited = JsonNode.Parse(couch)!.AsObject();
        edited["z"] = 1;
        string rev2 = Str(await OkAsync(Http, HttpMethod.Put, $"{url}/u", edited.ToJsonString(), HttpStatusCode.Created), "rev");
        Assert.Equal($$"""{"id":"u","rev":"{{rev2}}",{{NativeBody[1..^2]}}1}""",
            (await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/u"))!.ToJsonString());

        // And as a replicator pushes it (new_edits=false).
        string h3 = Hash();
        edited["z"] = 2;
        edited["_rev"] = $"3-{h3}";
        edited["_revisions"] = new JsonObject { ["start"] = 3, ["ids"] = new JsonArray(h3, rev2[2..], rev1[2..]) };
        await PushAsync(Http, fixture.Url(1), db, edited);
        Assert.Equal($$"""{"id":"u","rev":"3-{{h3}}",{{NativeBody[1..^2]}}2}""",
            (await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/u"))!.ToJsonString());
    }

    [Fact]
    public async Task Couch_documents_with_id_and_rev_fields_are_stored_and_come_back_exactly()
    {
        string db = NewDb("cidf");
        string url = $"{fixture.Url(0)}/couch/{db}";
        const string fields = """{"id":"app-id","rev":7,"~_x":1,"~id":"t","~y":0,"n":1}""";
        string rev = Str(await OkAsync(Http, HttpMethod.Put, $"{url}/c", fields, HttpStatusCode.Created), "rev");
        Assert.Equal($$"""{"id":"c","rev":"{{rev}}","~id":"app-id","~rev":7,"_x":1,"~~id":"t","~y":0,"n":1}""",
            (await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/c"))!.ToJsonString());
        Assert.Equal($$"""{"_id":"c","_rev":"{{rev}}",{{fields[1..]}}""", (await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/c"))!.ToJsonString());

        // A replicator's push and a bulk save of such documents are stored too (they were refused as doc_validation).
        string h = Hash();
        await PushAsync(Http, fixture.Url(1), db, Doc("p", 1, h, [], new JsonObject { ["id"] = "x", ["rev"] = "y" }));
        Assert.Equal($$"""{"_id":"p","_rev":"1-{{h}}","id":"x","rev":"y"}""", (await OkAsync(Http, HttpMethod.Get, $"{url}/p"))!.ToJsonString());
        var bulk = await OkAsync(Http, HttpMethod.Post, $"{url}/_bulk_docs", """{"docs":[{"_id":"b","id":1}]}""", HttpStatusCode.Created);
        Assert.True((bool)bulk![0]!["ok"]!);
        Assert.Equal(1, (int)(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/b"))!["~id"]!);

        // Selectors name fields as the documents show them.
        foreach (var selector in new[] { """{"id":"app-id"}""", """{"$or":[{"~_x":1}]}""", """{"_id":"c","rev":{"$gt":6}}""", """{"~id":"t"}""" })
        {
            var changes = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/couch/{db}/_changes?filter=_selector", $$"""{"selector":{{selector}}}""");
            Assert.Equal(["c"], changes!["results"]!.AsArray().Select(r => Str(r, "id")));
        }
    }

    [Fact]
    public async Task Records_whose_id_starts_with_underscore_are_not_served_through_couch()
    {
        string db = NewDb("cund");
        string native = $"{fixture.Url(0)}/db/{db}/doc";
        string underRev = Str(await OkAsync(Http, HttpMethod.Put, $"{native}/_under", """{"v":1}""", HttpStatusCode.Created), "rev");
        foreach (var id in new[] { "ok1", "_design%2Ffoo", "_local%2Ffoo", "ok2" })
            await OkAsync(Http, HttpMethod.Put, $"{native}/{id}", """{"v":1}""", HttpStatusCode.Created);
        string url = $"{fixture.Url(1)}/couch/{db}";

        var changes = await OkAsync(Http, HttpMethod.Get, $"{url}/_changes?include_docs=true&style=all_docs");
        Assert.Equal(["ok1", "ok2"], changes!["results"]!.AsArray().Select(r => Str(r, "id")).Order(StringComparer.Ordinal));
        // A batch of one at a time, as a replicator pages: never an empty batch before the end, and only the live ids.
        var paged = new List<string>();
        string since = "0";
        for (int i = 0; i < 10; i++)
        {
            var page = (await OkAsync(Http, HttpMethod.Get, $"{url}/_changes?limit=1&since={Uri.EscapeDataString(since)}"))!["results"]!.AsArray();
            if (page.Count == 0) break;
            paged.Add(Str(page[0], "id"));
            since = Str(page[0], "seq");
        }
        Assert.Equal(["ok1", "ok2"], paged.Order(StringComparer.Ordinal));
        Assert.Equal(["ok1", "ok2"], (await OkAsync(Http, HttpMethod.Get, $"{url}/_all_docs"))!["rows"]!.AsArray().Select(r => Str(r, "id")));
        var keyed = await OkAsync(Http, HttpMethod.Post, $"{url}/_all_docs", """{"keys":["_under","ok1"]}""");
        Assert.Equal("not_found", Str(keyed!["rows"]![0], "error"));
        Assert.Equal("ok1", Str(keyed["rows"]![1], "id"));

        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{url}/_under")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{url}/_under?open_revs=all")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{url}/_design/foo")));
        var bulkGet = await OkAsync(Http, HttpMethod.Post, $"{url}/_bulk_get", """{"docs":[{"id":"_under"},{"id":"_design/foo"}]}""");
        Assert.All(bulkGet!["results"]!.AsArray(), r => Assert.Equal("not_found", Str(r!["docs"]![0]!["error"], "error")));

        // Only those records: the feed's last_seq moves past them.
        string hidden = NewDb("cund");
        foreach (var id in new[] { "_a", "_b", "_c" })
            await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{hidden}/doc/{id}", """{"v":1}""", HttpStatusCode.Created);
        var none = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{hidden}/_changes");
        Assert.Empty(none!["results"]!.AsArray());
        string last = Str(none, "last_seq");
        Assert.True(long.Parse(last[..last.IndexOf('-')], System.Globalization.CultureInfo.InvariantCulture) >= 3, last);
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{hidden}/doc/later", """{"v":1}""", HttpStatusCode.Created);
        var after = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{hidden}/_changes?since={Uri.EscapeDataString(last)}");
        Assert.Equal(["later"], after!["results"]!.AsArray().Select(r => Str(r, "id")));

        // Nor written through /couch: CouchDB's answer for a reserved id; nothing stored changes.
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Put, $"{url}/_bogus", Json("""{"v":1}"""))));
        var refused = await SendAsync(Http, HttpMethod.Post, url, Json("""{"_id":"_bogus","v":1}"""));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, refused));
        Assert.Equal("Only reserved document ids may start with underscore.", Str(refused.Body, "reason"));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Delete, $"{url}/_under?rev={underRev}")));
        Assert.Equal("forbidden", AssertError(HttpStatusCode.Forbidden, await SendAsync(Http, HttpMethod.Put, $"{url}/_design/x", Json("{}"))));
        var bulk = (await OkAsync(Http, HttpMethod.Post, $"{url}/_bulk_docs",
            """{"docs":[{"_id":"_local/zz","v":1},{"_id":"_bogus"},{"_id":"_design/d"},{"_id":"fine"}]}""", HttpStatusCode.Created))!.AsArray();
        Assert.Equal(["bad_request", "bad_request", "forbidden"], bulk.Take(3).Select(r => Str(r, "error")));
        Assert.Equal(["_local/zz", "_bogus", "_design/d"], bulk.Take(3).Select(r => Str(r, "id")));
        Assert.True((bool)bulk[3]!["ok"]!);
        foreach (var id in new[] { "_local%2Fzz", "_bogus", "_design%2Fd" })
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{url}/_local/zz")).Status);
        Assert.Equal(underRev, Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/_under"), "rev"));
    }
}

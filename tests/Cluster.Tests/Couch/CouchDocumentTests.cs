using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Couch.CouchApi;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Couch;

/// <summary>
/// The server, database, document, <c>_local</c> and <c>_all_docs</c> routes of /couch on real mirror processes, and
/// CouchDB-shaped 400s for bad input that leave what is stored unchanged.
/// </summary>
[Collection(HttpClusterCollection.Name)]
public sealed class CouchDocumentTests(HttpClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task The_welcome_names_couchdb_and_the_mirrors_stable_uuid_and_databases_answer_as_couchdb()
    {
        var welcome = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/");
        Assert.Equal("Welcome", Str(welcome, "couchdb"));
        Assert.Equal(Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/"), "uuid"), Str(welcome, "uuid"));
        Assert.Equal(Str(welcome, "uuid"), Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch"), "uuid"));
        Assert.Equal("MyNoSql", Str(welcome!["vendor"], "name"));
        Assert.NotEqual(Str(welcome, "uuid"), Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/"), "uuid"));

        string db = NewDb("cdb");
        Assert.True((bool)(await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/couch/{db}", expected: HttpStatusCode.Created))!["ok"]!);
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/couch/{db}/x", """{"v":1}""", HttpStatusCode.Created);
        Assert.Equal("file_exists", AssertError(HttpStatusCode.PreconditionFailed, await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/couch/{db}")));
        var info = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}");
        Assert.Equal(db, Str(info, "db_name"));
        Assert.Equal(1, (int)info!["doc_count"]!);
        Assert.False(string.IsNullOrEmpty(Str(info, "update_seq")));
        var commit = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/couch/{db}/_ensure_full_commit", "{}", HttpStatusCode.Created);
        Assert.True((bool)commit!["ok"]!);
        Assert.Equal("illegal_database_name", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/Bad$Name")));
    }

    [Fact]
    public async Task Documents_save_update_delete_with_couchdb_answers_and_are_the_native_records()
    {
        string db = NewDb("cdoc");
        string url = $"{fixture.Url(0)}/couch/{db}";
        var created = await OkAsync(Http, HttpMethod.Put, $"{url}/d1", """{"title":"a","n":1}""", HttpStatusCode.Created);
        Assert.True((bool)created!["ok"]!);
        string rev1 = Str(created, "rev");
        Assert.Equal(rev1, Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/d1"), "rev"));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Put, $"{url}/d1", Json("""{"title":"stale"}"""))));
        var updated = await OkAsync(Http, HttpMethod.Put, $"{url}/d1", $$"""{"_rev":"{{rev1}}","title":"b","n":2}""", HttpStatusCode.Created);
        string rev2 = Str(updated, "rev");
        Assert.StartsWith("2-", rev2);
        var read = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/d1");
        Assert.Equal($$"""{"_id":"d1","_rev":"{{rev2}}","title":"b","n":2}""", read!.ToJsonString());
        var posted = await OkAsync(Http, HttpMethod.Post, url, """{"generated":true}""", HttpStatusCode.Created);
        Assert.False(string.IsNullOrEmpty(Str(posted, "id")));

        var deleted = await OkAsync(Http, HttpMethod.Delete, $"{url}/d1?rev={rev2}");
        Assert.StartsWith("3-", Str(deleted, "rev"));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{url}/d1")));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/d1")).Status);
        // A bulk save answers per document, in order; a bad one does not stop the others.
        var bulk = await OkAsync(Http, HttpMethod.Post, $"{url}/_bulk_docs", """{"docs":[{"_id":"b1","v":1},{"_id":"b2","_foo":1},{"_id":"b3","v":3}]}""", HttpStatusCode.Created);
        var rows = bulk!.AsArray();
        Assert.True((bool)rows[0]!["ok"]!);
        Assert.Equal("doc_validation", Str(rows[1], "error"));
        Assert.True((bool)rows[2]!["ok"]!);
    }

    [Fact]
    public async Task Local_checkpoints_are_kept_apart_seen_through_every_gateway_and_never_in_changes_or_all_docs()
    {
        string db = NewDb("cloc");
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/real", """{"v":1}""", HttpStatusCode.Created);
        var first = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/_local/repl-1", """{"last_seq":"s1","session_id":"x"}""", HttpStatusCode.Created);
        Assert.Equal("0-1", Str(first, "rev"));
        Assert.Equal("_local/repl-1", Str(first, "id"));
        var seen = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/_local/repl-1");
        Assert.Equal("""{"_id":"_local/repl-1","_rev":"0-1","last_seq":"s1","session_id":"x"}""", seen!.ToJsonString());
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict,
            await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/couch/{db}/_local/repl-1", Json("""{"last_seq":"s2"}"""))));
        var second = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/couch/{db}/_local/repl-1", """{"_rev":"0-1","last_seq":"s2"}""", HttpStatusCode.Created);
        Assert.Equal("0-2", Str(second, "rev"));

        var changes = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes");
        Assert.Equal(["real"], changes!["results"]!.AsArray().Select(r => Str(r, "id")));
        var all = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/_all_docs");
        Assert.Equal(["real"], all!["rows"]!.AsArray().Select(r => Str(r, "id")));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/_local%2Frepl-1")).Status);
        await OkAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/couch/{db}/_local/repl-1?rev=0-2");
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_local/repl-1")));
    }

    [Fact]
    public async Task All_docs_lists_ranges_and_keys_with_docs_in_id_order()
    {
        string db = NewDb("call");
        var body = new JsonObject { ["docs"] = new JsonArray([.. new[] { "c", "a", "e", "b", "d" }.Select(id => (JsonNode)new JsonObject { ["_id"] = id, ["v"] = id })]) };
        await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/couch/{db}/_bulk_docs", body.ToJsonString(), HttpStatusCode.Created);
        string url = $"{fixture.Url(1)}/couch/{db}/_all_docs";
        var all = await OkAsync(Http, HttpMethod.Get, url);
        Assert.Equal(["a", "b", "c", "d", "e"], all!["rows"]!.AsArray().Select(r => Str(r, "id")));
        var range = await OkAsync(Http, HttpMethod.Get, $"{url}?startkey=%22b%22&endkey=%22d%22&inclusive_end=false&include_docs=true");
        Assert.Equal(["b", "c"], range!["rows"]!.AsArray().Select(r => Str(r, "id")));
        Assert.Equal("b", Str(range["rows"]![0]!["doc"], "v"));
        var limited = await OkAsync(Http, HttpMethod.Get, $"{url}?skip=1&limit=2");
        Assert.Equal(["b", "c"], limited!["rows"]!.AsArray().Select(r => Str(r, "id")));
        var keys = await OkAsync(Http, HttpMethod.Post, $"{url}?include_docs=true", """{"keys":["e","zz","a"]}""");
        var rows = keys!["rows"]!.AsArray();
        Assert.Equal("e", Str(rows[0], "id"));
        Assert.Equal("e", Str(rows[0]!["doc"], "_id"));
        Assert.Equal("not_found", Str(rows[1], "error"));
        Assert.Equal("a", Str(rows[2], "id"));
        // key= is one row; total_rows is the database's count, not the page's (the writing mirror's copy holds all five).
        var one = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_all_docs?key=%22c%22&update_seq=true");
        Assert.Equal(["c"], one!["rows"]!.AsArray().Select(r => Str(r, "id")));
        Assert.Equal(5, (int)one["total_rows"]!);
        Assert.NotNull(one["update_seq"]);
        Assert.Equal(5, (int)(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_all_docs?limit=2"))!["total_rows"]!);
    }

    [Fact]
    public async Task All_docs_merges_every_segments_pages_in_id_order_with_the_winning_revs()
    {
        string db = NewDb("cpg");
        // 1,100 ids of one index segment (more than one page of it) among 300 spread over the others, 50 of them deleted.
        var crowded = Enumerable.Range(0, 20_000).Select(i => $"k{i:D5}").Where(id => MyNoSql.Storage.Index.IndexSegment.SegmentOf(id) == 7).Take(1_100);
        var ids = crowded.Concat(Enumerable.Range(0, 300).Select(i => $"s{i:D3}")).ToList();
        var revs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(500))
        {
            var body = new JsonObject { ["docs"] = new JsonArray([.. chunk.Select(id => (JsonNode)new JsonObject { ["_id"] = id, ["v"] = 1 })]) };
            foreach (var row in (await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/couch/{db}/_bulk_docs", body.ToJsonString(), HttpStatusCode.Created))!.AsArray())
                revs[Str(row, "id")] = Str(row, "rev");
        }
        foreach (var id in ids.Where((_, i) => i % 28 == 0))
        {
            await OkAsync(Http, HttpMethod.Delete, $"{fixture.Url(0)}/couch/{db}/{id}?rev={revs[id]}");
            revs.Remove(id);
        }
        var live = revs.Keys.Order(StringComparer.Ordinal).ToList();
        string url = $"{fixture.Url(1)}/couch/{db}/_all_docs";
        var all = (await OkAsync(Http, HttpMethod.Get, url))!["rows"]!.AsArray();
        Assert.Equal(live, all.Select(r => Str(r, "id")));
        Assert.All(all, r => Assert.Equal(revs[Str(r, "id")], Str(r!["value"], "rev")));
        var window = (await OkAsync(Http, HttpMethod.Get, $"{url}?startkey=%22k0%22&endkey=%22s%22&skip=500&limit=600"))!["rows"]!.AsArray();
        Assert.Equal(live.Where(id => id.StartsWith('k')).Skip(500).Take(600), window.Select(r => Str(r, "id")));
        var docs = (await OkAsync(Http, HttpMethod.Get, $"{url}?startkey=%22s100%22&limit=3&include_docs=true"))!["rows"]!.AsArray();
        Assert.Equal(live.Where(id => string.CompareOrdinal(id, "s100") >= 0).Take(3), docs.Select(r => Str(r!["doc"], "_id")));
    }

    [Fact]
    public async Task Head_answers_as_get_with_its_status_and_headers_and_no_body()
    {
        string db = NewDb("chd");
        string url = $"{fixture.Url(0)}/couch/{db}";
        string rev = Str(await OkAsync(Http, HttpMethod.Put, $"{url}/d1", """{"v":1}""", HttpStatusCode.Created), "rev");
        async Task<HttpResponseMessage> HeadAsync(string target)
        {
            var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, target));
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
            return response;
        }
        using var doc = await HeadAsync($"{fixture.Url(1)}/couch/{db}/d1");
        Assert.Equal(HttpStatusCode.OK, doc.StatusCode);
        Assert.Equal($"\"{rev}\"", doc.Headers.ETag?.ToString());
        Assert.Equal("application/json", doc.Content.Headers.ContentType?.MediaType);
        using (var get = await Http.GetAsync($"{fixture.Url(1)}/couch/{db}/d1"))
        {
            Assert.Equal($"\"{rev}\"", get.Headers.ETag?.ToString());
            Assert.Equal(get.Content.Headers.ContentLength, doc.Content.Headers.ContentLength);
        }
        using var missing = await HeadAsync($"{url}/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var database = await HeadAsync(url);
        Assert.Equal(HttpStatusCode.OK, database.StatusCode);
        using var root = await HeadAsync($"{fixture.Url(2)}/couch/");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        using var badName = await HeadAsync($"{fixture.Url(2)}/couch/Bad$Name");
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        // The database's named resources answer HEAD as their GET, not as a document of that name (which is 404).
        await OkAsync(Http, HttpMethod.Put, $"{url}/_local/cp", """{"seq":1}""", HttpStatusCode.Created);
        foreach (string resource in new[] { "_all_docs", "_changes", "_changes?since=0&limit=1", "_local/cp" })
        {
            using var head = await HeadAsync($"{fixture.Url(1)}/couch/{db}/{resource}");
            Assert.True(head.StatusCode == HttpStatusCode.OK, $"HEAD {resource}: {(int)head.StatusCode}");
        }
        using var noLocal = await HeadAsync($"{url}/_local/none");
        Assert.Equal(HttpStatusCode.NotFound, noLocal.StatusCode);
    }

    [Fact]
    public async Task Couchdb_400s_for_a_rev_mismatch_bad_open_revs_and_revs_diff_revs_and_an_encoded_local_id_is_the_local_doc()
    {
        string db = NewDb("c4");
        string url = $"{fixture.Url(0)}/couch/{db}";
        string rev1 = Str(await OkAsync(Http, HttpMethod.Put, $"{url}/d", """{"v":1}""", HttpStatusCode.Created), "rev");
        string other = "1-" + Hash();
        var (status, body) = await SendAsync(Http, HttpMethod.Put, $"{url}/d?rev={other}", Json($$"""{"_rev":"{{rev1}}","v":2}"""));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, (status, body)));
        Assert.Equal("Document rev from request body and query string have different values", Str(body, "reason"));
        Assert.StartsWith("2-", Str(await OkAsync(Http, HttpMethod.Put, $"{url}/d?rev={rev1}", $$"""{"_rev":"{{rev1}}","v":2}""", HttpStatusCode.Created), "rev"));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Get, $"{url}/d?open_revs=" + Uri.EscapeDataString("[\"x\"]"))));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Post, $"{url}/_revs_diff", Json("""{"c":["garbage"]}"""))));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Post, $"{url}/_revs_diff", Json($$"""{"d":["{{rev1}}"],"c":["x-1"]}"""))));
        // CouchDB decodes %2F: _local%2Fenc is the _local document _local/enc, written and read either way.
        var local = await OkAsync(Http, HttpMethod.Put, $"{url}/_local%2Fenc", """{"last_seq":"s1"}""", HttpStatusCode.Created);
        Assert.Equal("_local/enc", Str(local, "id"));
        Assert.Equal("s1", Str(await OkAsync(Http, HttpMethod.Get, $"{url}/_local/enc"), "last_seq"));
        Assert.Equal("s1", Str(await OkAsync(Http, HttpMethod.Get, $"{url}/_local%2Fenc"), "last_seq"));
        await OkAsync(Http, HttpMethod.Delete, $"{url}/_local%2Fenc?rev={Str(local, "rev")}");
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{url}/_local/enc")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/_local%2Fenc")).Status);
    }

    [Fact]
    public async Task Revs_info_lists_the_revision_available_and_its_ancestors_missing()
    {
        string db = NewDb("cri");
        string url = $"{fixture.Url(0)}/couch/{db}";
        string rev1 = Str(await OkAsync(Http, HttpMethod.Put, $"{url}/d", """{"v":1}""", HttpStatusCode.Created), "rev");
        string rev2 = Str(await OkAsync(Http, HttpMethod.Put, $"{url}/d", $$"""{"_rev":"{{rev1}}","v":2}""", HttpStatusCode.Created), "rev");
        var doc = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/d?revs_info=true");
        var info = doc!["_revs_info"]!.AsArray();
        Assert.Equal([rev2, rev1], info.Select(i => Str(i, "rev")));
        Assert.Equal(["available", "missing"], info.Select(i => Str(i, "status")));
        Assert.Null((await OkAsync(Http, HttpMethod.Get, $"{url}/d"))!["_revs_info"]);
    }

    [Fact]
    public async Task Bad_input_gets_couchdb_shaped_400s_and_nothing_stored_changes()
    {
        string db = NewDb("cbad"), h1 = Hash();
        await PushAsync(Http, fixture.Url(0), db, Doc("x", 1, h1, [], new JsonObject { ["v"] = 1 }));
        string bulk = $"{fixture.Url(1)}/couch/{db}/_bulk_docs";
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, bulk, Json("{not json"))));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, bulk, Json("""{"documents":[]}"""))));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes?feed=continuous")));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes?since=garbage")));
        // new_edits=false: a malformed rev (short ids such as 2-b are mapped, README), a special field CouchDB refuses, a missing _rev, empty _revisions: each refused.
        var answer = await OkAsync(Http, HttpMethod.Post, bulk, $$$"""
            {"new_edits":false,"docs":[
              {"_id":"x","_rev":"2-not a hash","v":2},
              {"_id":"x","_rev":"2-{{{Hash()}}}","_shadow":1},
              {"_id":"x","v":2},
              {"_id":"x","_rev":"2-{{{Hash()}}}","_revisions":{"start":2,"ids":[]}}]}
            """, HttpStatusCode.Created);
        var errors = answer!.AsArray();
        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(Str(e, "error")) || string.IsNullOrEmpty(Str(e, "reason"))));
        // A replicator skips what is refused as forbidden (PouchDB: "denied") instead of aborting; the cause leads the reason.
        Assert.All(errors, e => Assert.Equal("forbidden", Str(e, "error")));
        Assert.StartsWith("doc_validation:", Str(errors[1], "reason"));
        var all = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/x?open_revs=all");
        Assert.Equal($"1-{h1}", Str(Assert.Single(all!.AsArray())!["ok"], "_rev"));
        Assert.Equal(1, (int)(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/x"))!["v"]!);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.History;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Couch.CouchApi;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Couch;

/// <summary>
/// The replicator's routes of DESIGN §10 on three real mirror processes: revisions PouchDB made keep their ids exactly
/// (<c>_bulk_docs</c> with <c>new_edits=false</c>) and read back identically through the native routes on every mirror;
/// conflicts from both sides converge to CouchDB's winner; <c>_revs_diff</c>, <c>_bulk_get</c> and <c>open_revs</c>.
/// </summary>
[Collection(HttpClusterCollection.Name)]
public sealed class CouchReplicationTests(HttpClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private string[] Urls => [fixture.Url(0), fixture.Url(1), fixture.Url(2)];

    [Fact]
    public async Task A_pouchdb_revision_keeps_its_id_and_reads_back_identically_through_native_and_couch_routes_on_every_mirror()
    {
        string db = NewDb("cr"), h1 = Hash(), h2 = Hash();
        await PushAsync(Http, fixture.Url(0), db,
            Doc("p/1", 2, h2, [h1], new JsonObject { ["title"] = "from pouch", ["n"] = 2, ["nested"] = new JsonObject { ["a"] = new JsonArray(1, "x", null) } }));
        await HistoryApi.WaitConvergedAsync(Http, Urls, db, 1);
        foreach (string url in Urls)
        {
            const string Fields = "\"title\":\"from pouch\",\"n\":2,\"nested\":{\"a\":[1,\"x\",null]}";
            var native = await OkAsync(Http, HttpMethod.Get, $"{url}/db/{db}/doc/p%2F1");
            Assert.Equal("{\"id\":\"p/1\",\"rev\":\"2-" + h2 + "\"," + Fields + "}", native!.ToJsonString());
            var couch = await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}/p%2F1?revs=true");
            Assert.Equal("{\"_id\":\"p/1\",\"_rev\":\"2-" + h2 + "\"," + Fields + ",\"_revisions\":{\"start\":2,\"ids\":[\"" + h2 + "\",\"" + h1 + "\"]}}",
                couch!.ToJsonString());
        }
        // A native save on top of it descends from the foreign revision (no conflict) and PouchDB sees its ancestry.
        var saved = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/doc/p%2F1", $$"""{"rev":"2-{{h2}}","title":"edited natively","n":3}""", HttpStatusCode.Created);
        var next = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/p%2F1?revs=true&conflicts=true");
        Assert.Equal(Str(saved, "rev"), Str(next, "_rev"));
        Assert.Null(next!["_conflicts"]);
        Assert.Equal([Str(saved, "rev")[2..], h2, h1], Strings(next["_revisions"]!["ids"]));
        Assert.Equal(3, (int)next["_revisions"]!["start"]!);
    }

    [Fact]
    public async Task Conflicts_made_on_both_sides_converge_to_couchdbs_winner_on_every_mirror()
    {
        string db = NewDb("cc"), h1 = Hash();
        await PushAsync(Http, fixture.Url(0), db, Doc("k", 1, h1, [], new JsonObject { ["v"] = 1 }));
        // Native edit through mirror 1, PouchDB's concurrent edit of the same parent through mirror 2.
        var native = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/doc/k", $$"""{"rev":"1-{{h1}}","v":"native"}""", HttpStatusCode.Created);
        string pouchRev = "2-" + Hash();
        await PushAsync(Http, fixture.Url(2), db, Doc("k", 2, pouchRev[2..], [h1], new JsonObject { ["v"] = "pouch" }));
        string nativeRev = Str(native, "rev");
        string winner = string.CompareOrdinal(nativeRev, pouchRev) > 0 ? nativeRev : pouchRev;
        string loser = winner == nativeRev ? pouchRev : nativeRev;
        await HistoryApi.WaitConvergedAsync(Http, Urls, db, 1);
        foreach (string url in Urls)
        {
            var doc = await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}/k?conflicts=true");
            Assert.Equal(winner, Str(doc, "_rev"));
            Assert.Equal([loser], Strings(doc!["_conflicts"]));
            Assert.Equal(winner, Str(await OkAsync(Http, HttpMethod.Get, $"{url}/db/{db}/doc/k"), "rev"));
            var all = await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}/k?open_revs=all");
            Assert.Equal([winner, loser], all!.AsArray().Select(r => Str(r!["ok"], "_rev")));
        }
        // PouchDB deletes the winner at a higher generation: a live leaf beats a deleted one, so the other leaf wins now.
        string h3 = Hash();
        await PushAsync(Http, fixture.Url(0), db, new JsonObject
        {
            ["_id"] = "k", ["_rev"] = "3-" + h3, ["_deleted"] = true,
            ["_revisions"] = new JsonObject { ["start"] = 3, ["ids"] = new JsonArray(h3, winner[2..]) },
        });
        await HistoryApi.WaitConvergedAsync(Http, Urls, db, 1);
        foreach (string url in Urls) Assert.Equal(loser, Str(await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}/k"), "_rev"));
    }

    [Fact]
    public async Task A_save_naming_a_losing_leaf_makes_the_next_revision_on_that_branch_as_couchdb()
    {
        // CouchDB answers 201 and continues the branch (/work/auditL/loser.sh); we answered 409 (only the winner was editable).
        string db = NewDb("clo"), h1 = Hash(), a = Hash(), b = Hash();
        var (winner, loser) = string.CompareOrdinal(a, b) > 0 ? (a, b) : (b, a);
        byte[] data = "the loser's attachment"u8.ToArray();
        await PushAsync(Http, fixture.Url(0), db,
            Doc("y", 2, winner, [h1], new JsonObject { ["v"] = "w" }),
            Doc("y", 2, loser, [h1], new JsonObject
            {
                ["v"] = "l", ["_attachments"] = new JsonObject { ["l.txt"] = new JsonObject { ["content_type"] = "text/plain", ["data"] = Convert.ToBase64String(data) } },
            }));
        string url = $"{fixture.Url(1)}/couch/{db}";
        var saved = await OkAsync(Http, HttpMethod.Put, $"{url}/y", $$"""{"_rev":"2-{{loser}}","v":"merged"}""", HttpStatusCode.Created);
        string rev3 = Str(saved, "rev");
        Assert.StartsWith("3-", rev3);
        // The new revision descends from the loser (not a third leaf) and, a generation higher, now wins; the old winner is the conflict.
        foreach (string mirror in Urls)
        {
            var doc = await PollAsync(async () => await OkAsync(Http, HttpMethod.Get, $"{mirror}/couch/{db}/y?conflicts=true&revs=true") is { } d && Str(d, "_rev") == rev3 ? d : null, "the branch's new revision");
            Assert.Equal("merged", Str(doc, "v"));
            Assert.Equal([rev3[2..], loser, h1], Strings(doc["_revisions"]!["ids"]));
            Assert.Equal([$"2-{winner}"], Strings(doc["_conflicts"]));
            // The branch keeps its attachment, as a save keeps the winner's.
            Assert.True((bool)doc["_attachments"]!["l.txt"]!["stub"]!);
        }
        Assert.Equal(data, await Http.GetByteArrayAsync($"{url}/y/l.txt"));
        Assert.Equal(2, (await OkAsync(Http, HttpMethod.Get, $"{url}/y?open_revs=all"))!.AsArray().Count);
        // A rev that is no leaf is still a conflict; _bulk_docs edits a losing leaf the same way.
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Put, $"{url}/y", Json($$"""{"_rev":"2-{{loser}}","v":"again"}"""))));
        var bulk = await OkAsync(Http, HttpMethod.Post, $"{url}/_bulk_docs", $$"""{"docs":[{"_id":"y","_rev":"2-{{winner}}","v":"bulk"}]}""", HttpStatusCode.Created);
        Assert.True((bool)bulk![0]!["ok"]!);
        Assert.StartsWith("3-", Str(bulk[0], "rev"));
        Assert.Equal(new[] { rev3, Str(bulk[0], "rev") }.Order(), (await OkAsync(Http, HttpMethod.Get, $"{url}/y?open_revs=all"))!.AsArray().Select(r => Str(r!["ok"], "_rev")).Order());
    }

    [Fact]
    public async Task An_unknown_attachment_stub_in_a_normal_save_is_412_missing_stub_and_nothing_is_written()
    {
        // CouchDB: 412 missing_stub (per document in _bulk_docs); we stored the document without the attachment.
        string db = NewDb("cms");
        string url = $"{fixture.Url(0)}/couch/{db}";
        string stub = """{"_attachments":{"a.txt":{"stub":true,"digest":"md5-xxx"}}}""";
        Assert.Equal("missing_stub", AssertError(HttpStatusCode.PreconditionFailed, await SendAsync(Http, HttpMethod.Put, $"{url}/s1", Json(stub))));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{url}/s1")).Status);
        Assert.Equal("missing_stub", AssertError(HttpStatusCode.PreconditionFailed, await SendAsync(Http, HttpMethod.Post, url, Json(stub))));

        byte[] data = "held"u8.ToArray();
        var created = await OkAsync(Http, HttpMethod.Put, $"{url}/d", """{"v":1,"_attachments":{"a.txt":{"content_type":"text/plain","data":"DATA"}}}""".Replace("DATA", Convert.ToBase64String(data), StringComparison.Ordinal), HttpStatusCode.Created);
        string rev1 = Str(created, "rev");
        string md5 = Str((await OkAsync(Http, HttpMethod.Get, $"{url}/d"))!["_attachments"]!["a.txt"], "digest");
        Assert.Equal("missing_stub", AssertError(HttpStatusCode.PreconditionFailed, await SendAsync(Http, HttpMethod.Put, $"{url}/d",
            Json("""{"_rev":"REV","v":2,"_attachments":{"a.txt":{"stub":true},"zz.txt":{"stub":true,"digest":"md5-xxx"}}}""".Replace("REV", rev1, StringComparison.Ordinal)))));
        Assert.Equal("missing_stub", AssertError(HttpStatusCode.PreconditionFailed, await SendAsync(Http, HttpMethod.Put, $"{url}/d",
            Json("""{"_rev":"REV","v":2,"_attachments":{"a.txt":{"stub":true,"digest":"md5-other"}}}""".Replace("REV", rev1, StringComparison.Ordinal)))));
        var bulk = await OkAsync(Http, HttpMethod.Post, $"{url}/_bulk_docs",
            """{"docs":[{"_id":"d","_rev":"REV","v":3,"_attachments":{"zz.txt":{"stub":true}}},{"_id":"s2","_attachments":{"a.txt":{"stub":true}}}]}""".Replace("REV", rev1, StringComparison.Ordinal), HttpStatusCode.Created);
        Assert.All(bulk!.AsArray(), r => Assert.Equal("missing_stub", Str(r, "error")));
        var unchanged = await OkAsync(Http, HttpMethod.Get, $"{url}/d");
        Assert.Equal(rev1, Str(unchanged, "_rev"));
        Assert.Equal(1, (int)unchanged!["v"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{url}/s2")).Status);
        // Stubs of attachments the revision holds (by name, or name and either digest) still mean "unchanged".
        var saved = await OkAsync(Http, HttpMethod.Put, $"{url}/d", """{"_rev":"REV","v":2,"_attachments":{"a.txt":{"stub":true,"digest":"MD5"}}}""".Replace("REV", rev1, StringComparison.Ordinal).Replace("MD5", md5, StringComparison.Ordinal), HttpStatusCode.Created);
        Assert.StartsWith("2-", Str(saved, "rev"));
        Assert.Equal(data, await Http.GetByteArrayAsync($"{url}/d/a.txt"));
    }

    [Fact]
    public async Task A_deep_pouchdb_history_that_reaches_our_leaf_is_a_descendant_not_a_conflict()
    {
        string db = NewDb("cd");
        var saved = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/deep", """{"v":0}""", HttpStatusCode.Created);
        string ours = Str(saved, "rev");
        // 999 offline edits in PouchDB: _revisions lists 1000 ids (its revs_limit), the last of which is our revision.
        var hashes = Enumerable.Range(0, 999).Select(_ => Hash()).ToList();
        await PushAsync(Http, fixture.Url(1), db, Doc("deep", 1000, hashes[0], [.. hashes.Skip(1), ours[2..]], new JsonObject { ["v"] = 1000 }));
        var all = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/deep?open_revs=all&revs=true");
        var only = Assert.Single(all!.AsArray());
        Assert.Equal($"1000-{hashes[0]}", Str(only!["ok"], "_rev"));
        // What a record keeps stays bounded (the newest 100 ancestors), as CouchDB's revs_limit bounds its tree.
        Assert.Equal(101, only["ok"]!["_revisions"]!["ids"]!.AsArray().Count);
    }

    [Fact]
    public async Task Revs_diff_reports_only_unknown_revisions_and_bulk_get_returns_leaves_with_their_ancestry()
    {
        string db = NewDb("cg"), h1 = Hash(), h2 = Hash(), h2b = Hash();
        await PushAsync(Http, fixture.Url(0), db, Doc("a", 2, h2, [h1], new JsonObject { ["v"] = 2 }), Doc("a", 2, h2b, [h1], new JsonObject { ["v"] = "b" }));
        string unknown = "3-" + Hash();
        var diff = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/couch/{db}/_revs_diff",
            $$"""{"a":["1-{{h1}}","2-{{h2}}","{{unknown}}"],"nothere":["1-{{h1}}"]}""");
        Assert.Equal([unknown], Strings(diff!["a"]!["missing"]));
        Assert.Equal(new[] { $"2-{h2}", $"2-{h2b}" }.Order(), Strings(diff["a"]!["possible_ancestors"]).Order());
        Assert.Equal([$"1-{h1}"], Strings(diff["nothere"]!["missing"]));

        var got = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/couch/{db}/_bulk_get?revs=true&latest=true",
            $$"""{"docs":[{"id":"a","rev":"2-{{h2}}"},{"id":"a","rev":"1-{{h1}}"},{"id":"a","rev":"{{unknown}}"},{"id":"nothere"}]}""");
        var results = got!["results"]!.AsArray();
        Assert.Equal(4, results.Count);
        var exact = Assert.Single(results[0]!["docs"]!.AsArray());
        Assert.Equal($"2-{h2}", Str(exact!["ok"], "_rev"));
        Assert.Equal(2, (int)exact["ok"]!["v"]!);
        Assert.Equal([h2, h1], Strings(exact["ok"]!["_revisions"]!["ids"]));
        // latest=true on an ancestor: every leaf descending from it.
        Assert.Equal(new[] { $"2-{h2}", $"2-{h2b}" }.Order(), results[1]!["docs"]!.AsArray().Select(d => Str(d!["ok"], "_rev")).Order());
        Assert.Equal("not_found", Str(results[2]!["docs"]![0]!["error"], "error"));
        Assert.Equal("not_found", Str(results[3]!["docs"]![0]!["error"], "error"));
        // open_revs with a list: the missing one is named.
        var open = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/a?revs=true&open_revs=" + Uri.EscapeDataString($"[\"2-{h2b}\",\"{unknown}\"]"));
        Assert.Equal($"2-{h2b}", Str(open![0]!["ok"], "_rev"));
        Assert.Equal(unknown, Str(open[1], "missing"));
    }

    [Fact]
    public async Task An_attachment_read_with_a_rev_is_that_revisions_attachment_so_a_conflicts_loser_keeps_its_own_body()
    {
        // Once the winner's body was served whatever ?rev= said, and a replicator stored it for the losing leaf as well.
        string db = NewDb("cattrev");
        static JsonObject Attachment(byte[] data) => new()
        {
            ["f.txt"] = new JsonObject
            {
                ["content_type"] = "text/plain", ["revpos"] = 1, ["data"] = Convert.ToBase64String(data),
                ["digest"] = "md5-" + Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(data)),
            },
        };
        string a = Hash(), b = Hash();
        var (winner, loser) = string.CompareOrdinal(a, b) > 0 ? (a, b) : (b, a);
        byte[] winnerBody = "the winner's body"u8.ToArray(), loserBody = "the loser's body"u8.ToArray();
        await PushAsync(Http, fixture.Url(0), db,
            Doc("c", 1, winner, [], new JsonObject { ["_attachments"] = Attachment(winnerBody) }),
            Doc("c", 1, loser, [], new JsonObject { ["_attachments"] = Attachment(loserBody) }));
        for (int mirror = 0; mirror < 3; mirror++)
        {
            string couch = $"{fixture.Url(mirror)}/couch/{db}/c/f.txt", native = $"{fixture.Url(mirror)}/db/{db}/doc/c/att/f.txt";
            Assert.Equal(loserBody, await Http.GetByteArrayAsync($"{couch}?rev=1-{loser}"));
            Assert.Equal(winnerBody, await Http.GetByteArrayAsync($"{couch}?rev=1-{winner}"));
            Assert.Equal(winnerBody, await Http.GetByteArrayAsync(couch));
            Assert.Equal(loserBody, await Http.GetByteArrayAsync($"{native}?rev=1-{loser}"));
        }
        Assert.Equal("invalid_rev", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/c/att/f.txt?rev=garbage")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/c/att/f.txt?rev=1-{Hash()}")));
    }

    [Fact]
    public async Task Inline_attachment_data_is_stored_as_an_attachment_and_keeps_the_clients_digest()
    {
        string db = NewDb("ca"), h1 = Hash();
        byte[] data = "hello from pouchdb"u8.ToArray();
        string md5 = "md5-" + Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(data));
        await PushAsync(Http, fixture.Url(0), db, Doc("att", 1, h1, [], new JsonObject
        {
            ["_attachments"] = new JsonObject { ["note.txt"] = new JsonObject { ["content_type"] = "text/plain", ["digest"] = md5, ["revpos"] = 1, ["data"] = Convert.ToBase64String(data) } },
        }));
        var couch = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/att");
        var stub = couch!["_attachments"]!["note.txt"]!;
        Assert.Equal(md5, Str(stub, "digest"));
        Assert.True((bool)stub["stub"]!);
        Assert.Equal(data.Length, (int)stub["length"]!);
        Assert.Equal($"1-{h1}", Str(couch, "_rev"));
        var native = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/att");
        Assert.StartsWith("sha256-", Str(native!["_attachments"]!["note.txt"], "digest"));
        Assert.Equal(data, await Http.GetByteArrayAsync($"{fixture.Url(2)}/couch/{db}/att/note.txt"));
        // The next PouchDB revision sends the attachment as a stub: resolved against what is held.
        string h2 = Hash();
        await PushAsync(Http, fixture.Url(1), db, Doc("att", 2, h2, [h1], new JsonObject
        {
            ["v"] = 2,
            ["_attachments"] = new JsonObject { ["note.txt"] = new JsonObject { ["content_type"] = "text/plain", ["digest"] = md5, ["revpos"] = 1, ["stub"] = true } },
        }));
        Assert.Equal(md5, Str((await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/att"))!["_attachments"]!["note.txt"], "digest"));
    }

    [Fact]
    public async Task A_normal_save_with_inline_attachment_data_makes_one_revision_and_attachments_true_reads_the_data_back()
    {
        // CouchDB 3 (PouchDB's "#3962 - Test many attachments", the _bulk_get "attachments are included" tests): a PUT or
        // _bulk_docs save may carry inline base64 data; it makes one revision; stubs keep, names left out are removed.
        string db = NewDb("cai");
        byte[] one = "first body"u8.ToArray(), two = "second body"u8.ToArray();
        JsonObject Inline(byte[] bytes) => new() { ["content_type"] = "text/plain", ["data"] = Convert.ToBase64String(bytes) };
        var put = new JsonObject { ["v"] = 1, ["_attachments"] = new JsonObject { ["a.txt"] = Inline(one), ["b.txt"] = Inline(two) } };
        var created = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/doc", put.ToJsonString(), HttpStatusCode.Created);
        string rev1 = Str(created, "rev");
        Assert.StartsWith("1-", rev1);
        var read = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/doc");
        Assert.Equal(rev1, Str(read, "_rev"));
        Assert.Equal(1, (int)read!["v"]!);
        Assert.True((bool)read["_attachments"]!["a.txt"]!["stub"]!);
        Assert.Equal("md5-" + Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(one)), Str(read["_attachments"]!["a.txt"], "digest"));
        Assert.Equal(two, await Http.GetByteArrayAsync($"{fixture.Url(2)}/couch/{db}/doc/b.txt"));
        var withData = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/doc?attachments=true");
        Assert.Equal(Convert.ToBase64String(one), Str(withData!["_attachments"]!["a.txt"], "data"));
        Assert.Null(withData["_attachments"]!["a.txt"]!["stub"]);
        var bulk = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/couch/{db}/_bulk_get?attachments=true", $$"""{"docs":[{"id":"doc","rev":"{{rev1}}"}]}""");
        Assert.Equal(Convert.ToBase64String(two), Str(bulk!["results"]![0]!["docs"]![0]!["ok"]!["_attachments"]!["b.txt"], "data"));

        // Next save: a.txt as a stub, b.txt left out (removed), c.txt inline; a stale rev is a 409 that changes nothing.
        var next = new JsonObject
        {
            ["_rev"] = rev1, ["v"] = 2,
            ["_attachments"] = new JsonObject { ["a.txt"] = new JsonObject { ["stub"] = true }, ["c.txt"] = Inline(two) },
        };
        var stale = (JsonObject)next.DeepClone();
        stale["_rev"] = "1-" + Hash();
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/doc", Json(stale.ToJsonString()))));
        var saved = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/doc", next.ToJsonString(), HttpStatusCode.Created);
        Assert.StartsWith("2-", Str(saved, "rev"));
        var after = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/doc?revs=true");
        Assert.Equal(new[] { "a.txt", "c.txt" }, after!["_attachments"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(rev1[2..], (string)after["_revisions"]!["ids"]![1]!);
        Assert.Equal(one, await Http.GetByteArrayAsync($"{fixture.Url(2)}/couch/{db}/doc/a.txt"));
        Assert.Equal(two, await Http.GetByteArrayAsync($"{fixture.Url(2)}/couch/{db}/doc/c.txt"));
        // Not a conflict: exactly one leaf.
        Assert.Single((await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/doc?open_revs=all"))!.AsArray());
        // _bulk_docs (new_edits=true) takes inline data too.
        var answer = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/couch/{db}/_bulk_docs",
            new JsonObject { ["docs"] = new JsonArray(new JsonObject { ["_id"] = "bulk", ["_attachments"] = new JsonObject { ["x"] = Inline(one) } }) }.ToJsonString(), HttpStatusCode.Created);
        Assert.True((bool)answer![0]!["ok"]!);
        Assert.Equal(one, await Http.GetByteArrayAsync($"{fixture.Url(0)}/couch/{db}/bulk/x"));
    }

    [Fact]
    public async Task Short_revision_ids_as_PouchDB_tests_use_round_trip_and_win_as_in_CouchDB()
    {
        // CouchDB takes any rev hash with new_edits=false; PouchDB's own tests use "1-a", "2-b" everywhere.
        string db = NewDb("csr");
        JsonObject Short(string rev, params string[] ids) => new()
        {
            ["_id"] = "s", ["_rev"] = rev, ["v"] = rev,
            ["_revisions"] = new JsonObject { ["start"] = int.Parse(rev[..rev.IndexOf('-')], System.Globalization.CultureInfo.InvariantCulture), ["ids"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]) },
        };
        await PushAsync(Http, fixture.Url(0), db, Short("1-a", "a"), Short("2-b", "b", "a"), Short("2-c", "c", "a"));
        var doc = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/s?revs=true&conflicts=true");
        Assert.Equal("2-c", Str(doc, "_rev")); // "c" > "b", as CouchDB compares them
        Assert.Equal("2-c", Str(doc, "v"));
        Assert.Equal(["c", "a"], Strings(doc!["_revisions"]!["ids"]));
        Assert.Equal(["2-b"], Strings(doc["_conflicts"]));
        Assert.Equal("2-b", Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/s?rev=2-b"), "_rev"));
        var change = (await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/couch/{db}/_changes?style=all_docs"))!["results"]![0]!;
        Assert.Equal(["2-c", "2-b"], change["changes"]!.AsArray().Select(c => Str(c, "rev")));
        var diff = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/couch/{db}/_revs_diff", """{"s":["1-a","2-b","2-c","3-z"]}""");
        Assert.Equal(["3-z"], Strings(diff!["s"]!["missing"]));
        Assert.Equal(2, (await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/s?open_revs=all"))!.AsArray().Count);
        // A normal save on top of the short rev, then the native record: our N-<32 hex> form.
        var saved = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/s", """{"_rev":"2-c","v":3}""", HttpStatusCode.Created);
        Assert.Matches("^3-[0-9a-f]{32}$", Str(saved, "rev"));
        var after = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/s?revs=true");
        Assert.Equal(["c", "a"], Strings(after!["_revisions"]!["ids"]).Skip(1));
        Assert.Matches("^3-[0-9a-f]{32}$", Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/s"), "rev"));

        // _revisions names the revision when it disagrees with _rev, as in CouchDB (PouchDB sends 3-c with
        // {start: 2, ids: [c, a]} after 1-a, 2-c, 3-c: PouchDB's "Testing allDocs with some conflicts (issue #468)").
        var odd = new JsonObject { ["_id"] = "p", ["_rev"] = "3-c", ["v"] = 1, ["_revisions"] = new JsonObject { ["start"] = 2, ["ids"] = new JsonArray("c", "a") } };
        await PushAsync(Http, fixture.Url(0), db, odd);
        var p = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/p?revs=true");
        Assert.Equal("2-c", Str(p, "_rev"));
        Assert.Equal(["c", "a"], Strings(p!["_revisions"]!["ids"]));
    }
}

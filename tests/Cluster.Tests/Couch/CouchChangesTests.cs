using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Couch.CouchApi;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Couch;

/// <summary><c>/couch/{db}/_changes</c> on real mirror processes: CouchDB's shape, every leaf with <c>style=all_docs</c>,
/// <c>since</c> positions valid on every mirror, longpoll, and the <c>_doc_ids</c> and <c>_selector</c> filters.</summary>
[Collection(HttpClusterCollection.Name)]
public sealed class CouchChangesTests(HttpClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static List<JsonObject> Results(JsonNode? feed) => [.. feed!["results"]!.AsArray().Select(r => r!.AsObject())];

    [Fact]
    public async Task Changes_since_a_seq_returns_only_later_changes_on_any_mirror_with_every_leaf_and_deletions()
    {
        string db = NewDb("cch"), h1 = Hash(), a = Hash(), b = Hash();
        await PushAsync(Http, fixture.Url(0), db, Doc("two", 2, a, [h1], new JsonObject { ["v"] = "a" }), Doc("two", 2, b, [h1], new JsonObject { ["v"] = "b" }));
        var feed = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes?style=all_docs");
        var only = Assert.Single(Results(feed));
        Assert.Equal("two", Str(only, "id"));
        string winner = string.CompareOrdinal(a, b) > 0 ? a : b;
        Assert.Equal(new[] { $"2-{a}", $"2-{b}" }.Order(), only["changes"]!.AsArray().Select(c => Str(c, "rev")).Order());
        Assert.Equal($"2-{winner}", Str(only["changes"]![0], "rev"));
        var main = Assert.Single(Results(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes")));
        Assert.Equal([$"2-{winner}"], main["changes"]!.AsArray().Select(c => Str(c, "rev")));
        string since = Str(feed, "last_seq");

        var created = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/couch/{db}/later", """{"v":1}""", HttpStatusCode.Created);
        await OkAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/couch/{db}/later?rev={Str(created, "rev")}");
        foreach (int mirror in new[] { 0, 1, 2 })
        {
            var later = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(mirror)}/couch/{db}/_changes?since={Uri.EscapeDataString(since)}&include_docs=true");
            var change = Assert.Single(Results(later));
            Assert.Equal("later", Str(change, "id"));
            Assert.True((bool)change["deleted"]!);
            Assert.True((bool)change["doc"]!["_deleted"]!);
            Assert.Empty(Results(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(mirror)}/couch/{db}/_changes?since={Uri.EscapeDataString(Str(later, "last_seq"))}")));
        }
        // limit=1: last_seq is that change's seq, so the next call gives exactly the other one.
        var limited = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?limit=1");
        string firstId = Str(Assert.Single(Results(limited)), "id");
        string secondId = Str(Assert.Single(Results(await OkAsync(Http, HttpMethod.Get,
            $"{fixture.Url(0)}/couch/{db}/_changes?since={Uri.EscapeDataString(Str(limited, "last_seq"))}"))), "id");
        Assert.Equal(["later", "two"], new[] { firstId, secondId }.Order());
        // limit=0 is CouchDB's limit=1; an unknown feed names the two served.
        Assert.Single(Results(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?limit=0")));
        var (status, bogus) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?feed=bogus");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.DoesNotContain("eventsource", Str(bogus, "reason"), StringComparison.Ordinal);
    }

    /// <summary>The number before the first '-' of a CouchDB 3 seq (fails when the seq has no such prefix).</summary>
    private static long SeqNumber(string seq)
    {
        var match = System.Text.RegularExpressions.Regex.Match(seq, "^([0-9]+)-.+$");
        Assert.True(match.Success, $"not a CouchDB 3 seq \"<number>-<opaque>\": {seq}");
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Seqs_are_number_dash_opaque_the_number_grows_with_every_change_and_since_takes_both_forms()
    {
        string db = NewDb("cse");
        string url = fixture.Url(0);
        Assert.Equal(0, SeqNumber(Str(await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}"), "update_seq")));
        await OkAsync(Http, HttpMethod.Put, $"{url}/couch/{db}/one", """{"v":1}""", HttpStatusCode.Created);
        var feed = await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}/_changes");
        string last = Str(feed, "last_seq");
        Assert.Equal(1, SeqNumber(last)); // PouchDB's checkpoint tests expect /^1-/ after one document
        Assert.Equal(1, SeqNumber(Str(Assert.Single(Results(feed)), "seq")));
        Assert.Equal(1, SeqNumber(Str(await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}"), "update_seq")));
        await OkAsync(Http, HttpMethod.Put, $"{url}/couch/{db}/two", """{"v":2}""", HttpStatusCode.Created);
        var next = await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}/_changes?since={Uri.EscapeDataString(last)}");
        Assert.Equal("two", Str(Assert.Single(Results(next)), "id"));
        Assert.Equal(2, SeqNumber(Str(next, "last_seq")));
        Assert.True(SeqNumber(Str(await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}"), "update_seq")) == 2);
        // The bare opaque part (what this server issued before) still works as since.
        string bare = last[(last.IndexOf('-', StringComparison.Ordinal) + 1)..];
        Assert.Equal("two", Str(Assert.Single(Results(await OkAsync(Http, HttpMethod.Get, $"{url}/couch/{db}/_changes?since={Uri.EscapeDataString(bare)}"))), "id"));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Get, $"{url}/couch/{db}/_changes?since=12-notatoken")));
    }

    [Fact]
    public async Task A_json_quoted_since_is_the_same_as_unquoted_as_couchdbs_replicator_sends_it_on_resume()
    {
        // CouchDB 3's replicator resumes a pull with since=?JSON_ENCODE(Seq); CouchDB accepts the quoted form (t_full_seq_quoted).
        string db = NewDb("cq");
        string url = $"{fixture.Url(1)}/couch/{db}/_changes";
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/first", """{"v":1}""", HttpStatusCode.Created);
        string last = Str(await OkAsync(Http, HttpMethod.Get, url), "last_seq");
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/second", """{"v":2}""", HttpStatusCode.Created);
        var quoted = await OkAsync(Http, HttpMethod.Get, $"{url}?feed=normal&style=all_docs&since={Uri.EscapeDataString($"\"{last}\"")}");
        Assert.Equal("second", Str(Assert.Single(Results(quoted)), "id"));
        string bare = last[(last.IndexOf('-', StringComparison.Ordinal) + 1)..];
        Assert.Equal("second", Str(Assert.Single(Results(await OkAsync(Http, HttpMethod.Get, $"{url}?since=%22{Uri.EscapeDataString(bare)}%22"))), "id"));
        Assert.Equal(2, Results(await OkAsync(Http, HttpMethod.Get, $"{url}?since=%220%22")).Count);
        Assert.Empty(Results(await OkAsync(Http, HttpMethod.Get, $"{url}?since=%22now%22")));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{url}?since=%22garbage%22")));
    }

    [Fact]
    public async Task A_longpoll_answers_when_a_change_arrives_through_another_mirror()
    {
        string db = NewDb("clp");
        var now = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?since=now");
        Assert.Empty(Results(now));
        // CouchDB: a heartbeat overrides the timeout, so the feed is still waiting well after its 300 ms.
        var poll = OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?feed=longpoll&heartbeat=200&timeout=300&since={Uri.EscapeDataString(Str(now, "last_seq"))}");
        await Task.WhenAny(poll, Task.Delay(1500));
        Assert.False(poll.IsCompleted, "the longpoll with a heartbeat ended at its timeout");
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/couch/{db}/woke", """{"v":1}""", HttpStatusCode.Created);
        var woke = Assert.Single(Results(await poll));
        Assert.Equal("woke", Str(woke, "id"));
    }

    [Fact]
    public async Task Doc_ids_and_selector_filters_pass_only_matching_changes_and_still_advance_last_seq()
    {
        string db = NewDb("cfl");
        await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/couch/{db}/_bulk_docs",
            """{"docs":[{"_id":"a","type":"x","n":1},{"_id":"b","type":"y","n":2},{"_id":"c","type":"x","n":3}]}""", HttpStatusCode.Created);
        var byQuery = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes?filter=_doc_ids&doc_ids=" + Uri.EscapeDataString("""["c","nope"]"""));
        Assert.Equal(["c"], Results(byQuery).Select(r => Str(r, "id")));
        var byBody = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/couch/{db}/_changes?filter=_doc_ids", """{"doc_ids":["a","b"]}""");
        Assert.Equal(["a", "b"], Results(byBody).Select(r => Str(r, "id")).Order());
        var selected = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/couch/{db}/_changes?filter=_selector&include_docs=true",
            """{"selector":{"type":"x","_id":{"$gt":"a"}}}""");
        var hit = Assert.Single(Results(selected));
        Assert.Equal("c", Str(hit, "id"));
        Assert.Equal(3, (int)hit["doc"]!["n"]!);
        // Filtered-out changes still move last_seq: nothing is left after it.
        Assert.Empty(Results(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?since={Uri.EscapeDataString(Str(selected, "last_seq"))}")));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/couch/{db}/_changes?filter=_selector", Json("""{"selector":{"n":{"$bogus":1}}}"""))));
        // A design-doc filter: CouchDB's 404 for a missing design document (we hold none); a malformed name stays 400.
        var (missingStatus, missing) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?filter=ddoc/view");
        Assert.Equal(HttpStatusCode.NotFound, missingStatus);
        Assert.Equal("not_found", Str(missing, "error"));
        Assert.Equal("missing", Str(missing, "reason"));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?filter=nodesign")));
    }

    [Fact]
    public async Task Descending_returns_the_feed_newest_first_with_limit_and_filters()
    {
        // CouchDB 3 (PouchDB's "Non-live changes filter, descending" and "changes w/ many modifications … descending"):
        // the ascending feed reversed, since ignored, limit from the newest, last_seq the last result's seq.
        string db = NewDb("cde");
        foreach (string id in new[] { "a", "b", "c", "d" })
            await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/{id}", """{"v":1}""", HttpStatusCode.Created);
        var ascending = Results(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes")).Select(r => Str(r, "id")).ToList();
        Assert.Equal(4, ascending.Count);
        var feed = await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes?descending=true");
        var results = Results(feed);
        Assert.Equal(Enumerable.Reverse(ascending), results.Select(r => Str(r, "id")));
        Assert.Equal(Str(results[^1], "seq"), Str(feed, "last_seq"));
        var limited = Results(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes?descending=true&limit=2&include_docs=true"));
        Assert.Equal(Enumerable.Reverse(ascending).Take(2), limited.Select(r => Str(r, "id")));
        Assert.Equal(Str(limited[0], "id"), Str(limited[0]["doc"], "_id"));
        var filtered = Results(await OkAsync(Http, HttpMethod.Get,
            $"{fixture.Url(1)}/couch/{db}/_changes?descending=true&filter=_doc_ids&doc_ids={Uri.EscapeDataString("[\"a\",\"c\"]")}"));
        Assert.Equal(Enumerable.Reverse(ascending).Where(i => i is "a" or "c"), filtered.Select(r => Str(r, "id")));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_changes?descending=maybe")));
    }

    [Fact]
    public async Task A_view_filter_names_a_missing_design_document_404_and_without_a_view_400()
    {
        // CouchDB 3 (PouchDB's "Changes with view not present in ddoc"): filter=_view&view=d/v of a design document that
        // does not exist is 404 not_found; we hold none. Without view= it is 400 bad_request.
        string db = NewDb("cdv");
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/a", """{"v":1}""", HttpStatusCode.Created);
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?filter=_view&view=foo/odd")));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_changes?filter=_view")));
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using static MyNoSql.Cluster.Tests.History.HistoryApi;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.History;

/// <summary>DESIGN §8 on real mirror processes: <c>?rev=</c>, <c>/_history</c>, <c>/_undo</c>, <c>/_redo</c>.</summary>
[Collection(HistoryClusterCollection.Name)]
public sealed class HistoryRouteTests(HistoryClusterFixture fixture)
{
    private const string Db = "history";
    private HttpClient Http => fixture.Http;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task History_lists_the_revisions_newest_first_and_kept_ones_read_back_by_rev()
    {
        string id = NewId("h");
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        var saved = await SaveChainAsync(Http, fixture.Url(0), Db, id, """{"v":1}""", """{"v":2}""", """{"v":3}""");

        var (status, body) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{Db}/doc/{id}/_history");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, Str(body, "id"));
        var history = body!["history"]!.AsArray();
        Assert.True(history.Count >= 3, body.ToJsonString());
        Assert.Equal(saved.Select(s => Str(s, "rev")).Reverse(), history.Take(3).Select(h => Str(h, "rev")));
        foreach (var item in history.Take(3))
        {
            Assert.False((bool)item!["deleted"]!);
            Assert.True((bool)item["has_body"]!);
            var at = DateTimeOffset.Parse(Str(item, "saved_at"), CultureInfo.InvariantCulture);
            Assert.InRange(at, before, DateTimeOffset.UtcNow.AddSeconds(5));
            Assert.EndsWith("Z", Str(item, "saved_at"), StringComparison.Ordinal);
        }

        // Every kept revision reads back whole, with its own rev, through any mirror.
        for (int i = 0; i < 3; i++)
        {
            var (readStatus, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2 - i)}/db/{Db}/doc/{id}?rev={Str(saved[i], "rev")}");
            Assert.Equal(HttpStatusCode.OK, readStatus);
            Assert.Equal(saved[i].ToJsonString(), read!.ToJsonString());
        }
    }

    [Fact]
    public async Task Reading_a_revision_that_is_malformed_unknown_or_of_an_unknown_record_is_refused()
    {
        string id = NewId("r");
        await SaveChainAsync(Http, fixture.Url(0), Db, id, """{"v":1}""");
        Assert.Equal("invalid_rev", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{Db}/doc/{id}?rev=nope")));
        Assert.Equal("invalid_rev", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{Db}/doc/{id}?rev=")));
        Assert.Equal("invalid_rev", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{Db}/doc/{id}?rev=1-{new string('A', 32)}")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound,
            await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{Db}/doc/{id}?rev=7-{new string('a', 32)}")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound,
            await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{Db}/doc/{NewId("none")}?rev=1-{new string('a', 32)}")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{Db}/doc/{NewId("none")}/_history")));
        Assert.Equal("invalid_db", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/Bad/doc/{id}/_history")));
    }

    [Fact]
    public async Task Bodies_past_the_configured_depth_are_listed_without_their_body()
    {
        string id = NewId("d");
        var bodies = Enumerable.Range(1, HistoryClusterFixture.Depth + 3).Select(i => $$"""{"v":{{i}}}""").ToArray();
        var saved = await SaveChainAsync(Http, fixture.Url(0), Db, id, bodies);
        var (_, body) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{Db}/doc/{id}/_history");
        var history = body!["history"]!.AsArray();
        // The current revision and Depth past bodies are kept; older revisions are listed without a body.
        Assert.Equal(saved.Select(s => Str(s, "rev")).Reverse(), history.Take(saved.Count).Select(h => Str(h, "rev")));
        Assert.All(history.Take(HistoryClusterFixture.Depth + 1), h => Assert.True((bool)h!["has_body"]!));
        Assert.All(history.Skip(HistoryClusterFixture.Depth + 1), h => Assert.False((bool)h!["has_body"]!));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound,
            await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{Db}/doc/{id}?rev={Str(saved[0], "rev")}")));
        var (status, kept) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{Db}/doc/{id}?rev={Str(saved[^(HistoryClusterFixture.Depth + 1)], "rev")}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(saved[^(HistoryClusterFixture.Depth + 1)].ToJsonString(), kept!.ToJsonString());
    }

    [Fact]
    public async Task Undo_and_redo_walk_the_edits_as_new_revisions_that_every_mirror_gets()
    {
        string db = "undo-" + Guid.NewGuid().ToString("N")[..8];
        string id = NewId("u");
        var saved = await SaveChainAsync(Http, fixture.Url(0), db, id, """{"v":1}""", """{"v":2}""", """{"v":3}""");

        var (status, undone) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/db/{db}/doc/{id}/_undo");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(Content(saved[1]), Content(undone));
        Assert.StartsWith("4-", Str(undone, "rev"), StringComparison.Ordinal);
        // Another mirror serves the undo, and every mirror's own copy holds it.
        var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/{id}");
        Assert.Equal(undone!.ToJsonString(), read!.ToJsonString());
        await WaitConvergedAsync(Http, fixture.Cluster.Urls, db, 1);

        var (status2, undone2) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/db/{db}/doc/{id}/_undo");
        Assert.Equal(HttpStatusCode.Created, status2);
        Assert.Equal(Content(saved[0]), Content(undone2));
        Assert.StartsWith("5-", Str(undone2, "rev"), StringComparison.Ordinal);

        var (status3, redone) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/{db}/doc/{id}/_redo");
        Assert.Equal(HttpStatusCode.Created, status3);
        Assert.Equal(Content(saved[1]), Content(redone));
        Assert.StartsWith("6-", Str(redone, "rev"), StringComparison.Ordinal);
        await WaitConvergedAsync(Http, fixture.Cluster.Urls, db, 1);

        // The undo and redo revisions are in the history like any other.
        var (_, history) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/{id}/_history");
        Assert.Equal([Str(redone, "rev"), Str(undone2, "rev"), Str(undone, "rev")], history!["history"]!.AsArray().Take(3).Select(h => Str(h, "rev")));

        // A plain save clears the redo.
        var (putStatus, _) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/doc/{id}", Json($$"""{"rev":"{{Str(redone, "rev")}}","v":9}"""));
        Assert.Equal(HttpStatusCode.Created, putStatus);
        Assert.Equal("nothing_to_redo", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/db/{db}/doc/{id}/_redo")));
    }

    [Fact]
    public async Task Undo_and_redo_with_nothing_to_do_or_no_record_are_refused()
    {
        string id = NewId("n");
        await SaveChainAsync(Http, fixture.Url(0), Db, id, """{"v":1}""");
        Assert.Equal("nothing_to_undo", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/{Db}/doc/{id}/_undo")));
        Assert.Equal("nothing_to_redo", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/db/{Db}/doc/{id}/_redo")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/db/{Db}/doc/{NewId("none")}/_undo")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/db/{Db}/doc/{NewId("none")}/_redo")));
        // POST on a record without an operation is not a route.
        Assert.Equal("method_not_allowed", AssertError(HttpStatusCode.MethodNotAllowed, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/db/{Db}/doc/{id}", Json("{}"))));
        Assert.Equal("method_not_allowed", AssertError(HttpStatusCode.MethodNotAllowed, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/db/{Db}/doc/{id}/_undo2")));
        var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{Db}/doc/{id}");
        Assert.StartsWith("1-", Str(read, "rev"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Undo_after_a_delete_brings_the_content_back()
    {
        string id = NewId("x");
        var saved = await SaveChainAsync(Http, fixture.Url(0), Db, id, """{"v":1}""", """{"v":2}""");
        var (deleted, tombstone) = await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{Db}/doc/{id}?rev={Str(saved[1], "rev")}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        var (_, history) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{Db}/doc/{id}/_history");
        Assert.Equal(Str(tombstone, "rev"), Str(history!["history"]![0], "rev"));
        Assert.True((bool)history["history"]![0]!["deleted"]!);
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{Db}/doc/{id}?rev={Str(tombstone, "rev")}")));

        var (status, undone) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/db/{Db}/doc/{id}/_undo");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(Content(saved[1]), Content(undone));
        var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{Db}/doc/{id}");
        Assert.Equal(undone!.ToJsonString(), read!.ToJsonString());
    }

    [Fact]
    public async Task Operation_segments_are_told_apart_from_ids_that_contain_them()
    {
        // An id ending in "/_history" is sent with its slash encoded; a plain slash before "_history" is the operation.
        string tricky = $"/{NewId("t")}/_history";
        var saved = await SaveChainAsync(Http, fixture.Url(0), Db, tricky, """{"v":1}""", """{"v":2}""");
        string encoded = Uri.EscapeDataString(tricky);
        var (status, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{Db}/doc/{encoded}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(tricky, Str(read, "id"));
        var (historyStatus, history) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{Db}/doc/{encoded}/_history");
        Assert.Equal(HttpStatusCode.OK, historyStatus);
        Assert.Equal(tricky, Str(history, "id"));
        Assert.Equal(Str(saved[1], "rev"), Str(history!["history"]![0], "rev"));

        // Hierarchical ids with plain slashes work too, and "_undo" inside an id is only an id.
        string plain = $"/Comedy/{NewId("p")}/_undo/Actor";
        await SaveChainAsync(Http, fixture.Url(0), Db, plain, """{"v":1}""", """{"v":2}""");
        var (undoStatus, undone) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/db/{Db}/doc/{plain}/_undo");
        Assert.Equal(HttpStatusCode.Created, undoStatus);
        Assert.Equal(plain, Str(undone, "id"));
        Assert.Equal(1, (int)undone!["v"]!);
        var (plainHistoryStatus, plainHistory) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{Db}/doc/{plain}/_history");
        Assert.Equal(HttpStatusCode.OK, plainHistoryStatus);
        Assert.Equal(plain, Str(plainHistory, "id"));
        Assert.Equal(3, plainHistory!["history"]!.AsArray().Count(h => (bool)h!["has_body"]!));
    }
}

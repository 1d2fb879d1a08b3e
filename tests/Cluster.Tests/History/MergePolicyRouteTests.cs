using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Merging;
using static MyNoSql.Cluster.Tests.History.HistoryApi;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.History;

/// <summary>
/// Merge policies and conflict resolution on real mirror processes: <c>GET/PUT /db/{db}/_merge_policy</c>, a conflict
/// pushed through two mirrors resolved by the policy (every mirror converges on the same deterministic revision), and
/// <c>POST /db/{db}/conflicts/{id}/_resolve</c>.
/// </summary>
[Collection(HistoryClusterCollection.Name)]
public sealed class MergePolicyRouteTests(HistoryClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static string NewDb(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    [Fact]
    public async Task A_policy_is_empty_until_put_then_the_newest_stamp_wins_on_every_mirror()
    {
        string db = NewDb("pol");
        var (status, none) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/_merge_policy");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"fields":{}}""", none!.ToJsonString());

        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        var (putStatus, held) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/_merge_policy",
            Json("""{"fields":{"title":"latest","score":"max"}}"""));
        Assert.Equal(HttpStatusCode.OK, putStatus);
        Assert.Equal("""{"score":"max","title":"latest"}""", held!["fields"]!.ToJsonString());
        long stamp = (long)held["stamp"]!;
        Assert.InRange(HybridClock.ToTime(stamp)!.Value, before, DateTimeOffset.UtcNow.AddSeconds(5));
        for (int i = 0; i < 3; i++)
        {
            var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(i)}/db/{db}/_merge_policy");
            Assert.Equal(held.ToJsonString(), read!.ToJsonString());
        }

        // An older stamp changes nothing; a newer one replaces the policy.
        var (_, kept) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/_merge_policy",
            Json($$"""{"fields":{"title":"min"},"stamp":{{stamp - 1}}}"""));
        Assert.Equal(held.ToJsonString(), kept!.ToJsonString());
        var (_, newer) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/_merge_policy",
            Json($$"""{"fields":{"tags":"union","visits":"counter"},"stamp":{{stamp + 1000}}}"""));
        Assert.Equal($$"""{"fields":{"tags":"union","visits":"counter"},"stamp":{{stamp + 1000}}}""", newer!.ToJsonString());
        var (_, readNewer) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/_merge_policy");
        Assert.Equal(newer.ToJsonString(), readNewer!.ToJsonString());
        // A put without a stamp after that is stamped later than everything seen, so it wins.
        var (_, latest) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/_merge_policy", Json("""{"fields":{}}"""));
        Assert.True((long)latest!["stamp"]! > stamp + 1000);
        Assert.Equal("{}", latest["fields"]!.ToJsonString());
    }

    [Fact]
    public async Task A_bad_policy_is_refused()
    {
        string db = NewDb("badpol");
        foreach (var body in new[] { """{"fields":{"a":"biggest"}}""", """{"fields":{"a":1}}""", """[1]""", """{"fields":[]}""", "{\"fields\":", """{"fields":{"a":"MAX"}}""",
            """{"fields":{"a":"max"},"stamp":-1}""", """{"fields":{"a":"max"},"stamp":9223372036854775807}""", """{"fields":{"a":"max"},"stamp":"x"}""" })
        {
            Assert.Equal("bad_policy", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/_merge_policy", Json(body))));
        }
        Assert.Equal("unsupported_media_type", AssertError(HttpStatusCode.UnsupportedMediaType,
            await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/_merge_policy", Typed("fields=title", "text/plain"))));
        Assert.Equal("invalid_db", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/BAD/_merge_policy")));
        var (_, none) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/_merge_policy");
        Assert.Equal("""{"fields":{}}""", none!.ToJsonString());
    }

    [Fact]
    public async Task A_conflict_pushed_through_two_mirrors_is_resolved_by_the_policy_and_every_mirror_converges()
    {
        string db = NewDb("merge");
        string id = "/scores/" + Guid.NewGuid().ToString("N")[..8];
        var (putStatus, _) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/_merge_policy",
            Json("""{"fields":{"n":"counter","score":"max","tags":"union"}}"""));
        Assert.Equal(HttpStatusCode.OK, putStatus);

        var ancestor = Leaf(null, """{"n":10,"score":1,"tags":["a"],"note":"base"}""");
        var a = Leaf(ancestor, """{"n":13,"score":5,"tags":["a","b"],"note":"from a"}""");
        var b = Leaf(ancestor, """{"n":11,"score":3,"tags":["c"],"note":"from b"}""");
        Assert.Equal(["accepted", "accepted"], await PushAsync(Http, fixture.Url(0), db, id, ancestor, a));
        Assert.Equal(["conflict"], await PushAsync(Http, fixture.Url(1), db, id, b));

        // The same leaves resolved here give the same revision (the resolution is deterministic).
        var policy = new MergePolicy { Fields = { ["n"] = MergeStrategy.Counter, ["score"] = MergeStrategy.Max, ["tags"] = MergeStrategy.Union } };
        var local = DocumentRules.Merge(null, id, ancestor).Record;
        local = DocumentRules.Merge(local, id, a).Record;
        local = DocumentRules.Merge(local, id, b).Record;
        var expected = ConflictResolver.TryResolve(local, policy, RecordHistory.DefaultDepth);
        Assert.NotNull(expected);

        var (status, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/{Uri.EscapeDataString(id)}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected.Winner.Rev.ToString(), Str(read, "rev"));
        Assert.Equal(14, (int)read!["n"]!);
        Assert.Equal(5, (int)read["score"]!);
        Assert.Equal("""["a","b","c"]""", read["tags"]!.ToJsonString());
        var winnerNote = DocumentRules.Wins(false, a.Rev, false, b.Rev) ? "from a" : "from b";
        Assert.Equal(winnerNote, (string)read["note"]!);
        var (_, conflicts) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/conflicts/{Uri.EscapeDataString(id)}");
        Assert.Empty(conflicts!["conflicts"]!.AsArray());
        await WaitConvergedAsync(Http, fixture.Cluster.Urls, db, 1);

        // A replica that resolved the same conflict itself pushes the same revisions: nothing new, no new conflict.
        var pushedBack = await PushAsync(Http, fixture.Url(2), db, id, [.. expected.Leaves]);
        Assert.All(pushedBack, s => Assert.Equal("known", s));
        var (_, after) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/{Uri.EscapeDataString(id)}");
        Assert.Equal(read.ToJsonString(), after!.ToJsonString());
    }

    [Fact]
    public async Task Latest_takes_each_field_from_the_most_recent_write_whichever_leaf_wins()
    {
        string db = NewDb("latest");
        string id = "l-" + Guid.NewGuid().ToString("N")[..8];
        var (putStatus, _) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/_merge_policy",
            Json("""{"fields":{"title":"latest","x":"latest"}}"""));
        Assert.Equal(HttpStatusCode.OK, putStatus);
        // Stamps travel with the leaves: the later write of "title" wins; "x", changed on one side only, keeps that change.
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 16;
        var ancestor = Leaf(null, """{"title":"t0","x":0}""", now - 3000);
        var early = Leaf(ancestor, """{"title":"early","x":1}""", now - 2000);
        var late = Leaf(ancestor, """{"title":"late","x":0}""", now - 1000);
        Assert.Equal(["accepted", "accepted"], await PushAsync(Http, fixture.Url(2), db, id, ancestor, early));
        Assert.Equal(["conflict"], await PushAsync(Http, fixture.Url(0), db, id, late));

        var (status, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("late", (string)read!["title"]!);
        Assert.Equal(1, (int)read["x"]!);
        var (_, conflicts) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/conflicts/{id}");
        Assert.Empty(conflicts!["conflicts"]!.AsArray());
        await WaitConvergedAsync(Http, fixture.Cluster.Urls, db, 1);
    }

    [Fact]
    public async Task Latest_keeps_a_mirrors_newer_title_when_an_offline_peer_saved_its_older_title_and_a_newer_body()
    {
        // Audit C, t_latest4, with a real peer: the peer edits title (t1) offline, the mirror title (t2), the peer body
        // (t3), then the peer syncs. The mirror's title and the peer's body win, everywhere, with no conflict left.
        string db = NewDb("lat4");
        var (putStatus, _) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/_merge_policy",
            Json("""{"fields":{"title":"latest","body":"latest"}}"""));
        Assert.Equal(HttpStatusCode.OK, putStatus);
        var (_, created) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/Z", Json("""{"title":"t0","body":"b0"}"""));
        string r1 = Str(created, "rev");
        using var dir = new TempDirectory("mynosql-latest-");
        await using var peer = await MyNoSqlDb.OpenAsync(db, new MyNoSqlOptions { DataDirectory = dir.Path, SyncInterval = Timeout.InfiniteTimeSpan });
        await peer.AddPeerAsync(fixture.Url(0));
        await peer.SyncAsync();
        var v1 = (await peer.ReadDocAsync("Z"))!;

        var t1 = (JsonObject)v1.DeepClone();
        t1["title"] = "peer-t1";
        var peer2 = await peer.SaveDocAsync(t1);
        await AfterAMillisecondAsync();
        var (mirrorStatus, _) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/doc/Z",
            Json($$"""{"rev":"{{r1}}","title":"mirror-t2","body":"b0"}"""));
        Assert.Equal(HttpStatusCode.Created, mirrorStatus);
        await AfterAMillisecondAsync();
        var t3 = (JsonObject)peer2.DeepClone();
        t3["body"] = "peer-t3";
        await peer.SaveDocAsync(t3);
        await peer.SyncAsync();
        await peer.SyncAsync(); // pushes a resolution the peer made itself, if it made one

        await WaitConvergedAsync(Http, fixture.Cluster.Urls, db, 1);
        for (int i = 0; i < 3; i++)
        {
            var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(i)}/db/{db}/doc/Z");
            Assert.Equal("mirror-t2", (string)read!["title"]!);
            Assert.Equal("peer-t3", (string)read["body"]!);
            var (_, conflicts) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(i)}/db/{db}/conflicts/Z");
            Assert.Empty(conflicts!["conflicts"]!.AsArray());
        }
        var atPeer = (await peer.ReadDocAsync("Z"))!;
        Assert.Equal("mirror-t2", (string)atPeer["title"]!);
        Assert.Equal("peer-t3", (string)atPeer["body"]!);
        var (_, atMirror) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/Z");
        Assert.Equal(Str(atMirror, "rev"), (string)atPeer["rev"]!);
        Assert.Empty(await peer.GetConflictsAsync("Z"));
    }

    /// <summary>Returns once the wall clock moved on by more than a millisecond, so the next stamp is later.</summary>
    private static async Task AfterAMillisecondAsync()
    {
        long start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() <= start + 1) await Task.Yield();
    }

    [Fact]
    public async Task Without_a_policy_the_conflict_stays_until_the_application_resolves_it()
    {
        string db = NewDb("manual");
        string id = "m-" + Guid.NewGuid().ToString("N")[..8];
        string url(int i) => $"{fixture.Url(i)}/db/{db}/conflicts/{id}/_resolve";
        var ancestor = Leaf(null, """{"v":0}""");
        var a = Leaf(ancestor, """{"v":1}""");
        var b = Leaf(ancestor, """{"v":2}""");
        Assert.Equal(["accepted", "accepted"], await PushAsync(Http, fixture.Url(0), db, id, ancestor, a));
        Assert.Equal(["conflict"], await PushAsync(Http, fixture.Url(2), db, id, b));
        var (_, conflicts) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/conflicts/{id}");
        string winner = Str(conflicts, "rev");
        Assert.Single(conflicts!["conflicts"]!.AsArray());

        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Post, url(0), Json($$"""{"rev":"{{ancestor.Rev}}","v":3}"""))));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Post, url(0), Json("""{"v":3}"""))));
        Assert.Equal("id_mismatch", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, url(0), Json($$"""{"id":"other","rev":"{{winner}}","v":3}"""))));
        Assert.Equal("bad_json", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, url(0), Json("""{"rev":"""))));
        Assert.Equal("unsupported_media_type", AssertError(HttpStatusCode.UnsupportedMediaType,
            await SendAsync(Http, HttpMethod.Post, url(0), Typed($"rev={winner}&v=3", "application/x-www-form-urlencoded"))));
        Assert.Equal("method_not_allowed", AssertError(HttpStatusCode.MethodNotAllowed,
            await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/{db}/conflicts/{id}", Json($$"""{"rev":"{{winner}}","v":3}"""))));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound,
            await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/{db}/conflicts/nobody-{id}/_resolve", Json($$"""{"rev":"{{winner}}","v":3}"""))));

        var (status, resolved) = await SendAsync(Http, HttpMethod.Post, url(1), Json($$"""{"id":"{{id}}","rev":"{{winner}}","v":3,"merged":true}"""));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.StartsWith("3-", Str(resolved, "rev"), StringComparison.Ordinal);
        Assert.Equal("""{"v":3,"merged":true}""", Content(resolved));
        var (_, after) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/conflicts/{id}");
        Assert.Equal(Str(resolved, "rev"), Str(after, "rev"));
        Assert.Empty(after!["conflicts"]!.AsArray());
        await WaitConvergedAsync(Http, fixture.Cluster.Urls, db, 1);
        // The old winner's rev is stale now.
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Post, url(2), Json($$"""{"rev":"{{winner}}","v":4}"""))));
    }
}

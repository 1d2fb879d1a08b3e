using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Storage.Documents;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>
/// A push's new records applied in one batch by the gateway's silo (one durable write, one replication message per silo,
/// one index update per segment) instead of one record grain each: same statuses, every copy holds them once the push is
/// answered, an active record grain serves the pushed revision, and a grain's save racing the batch loses nothing. The
/// incremental push takes the same path for conflict-free updates of a single leaf (whole or relative to the mirror's
/// revision); a branch or a missing base is answered by the grains as before.
/// </summary>
[Collection(HttpClusterCollection.Name)]
public sealed class BatchPushTests(HttpClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task New_records_pushed_in_one_batch_are_accepted_on_every_copy_indexed_and_readable_everywhere()
    {
        string db = "batch" + Guid.NewGuid().ToString("N")[..8];
        var pushed = Enumerable.Range(0, 300).Select(i => new SyncRecord($"p/{i:D3}", [Leaf(null, $$"""{"i":{{i}}}""")])).ToList();
        var results = await PushAsync(db, fixture.Url(1), pushed);
        Assert.Equal(pushed.Select(r => (r.Id, r.Leaves[0].Rev, "accepted")),
            results.Select(r => ((string)r!["id"]!, (string)r["rev"]!, (string)r["status"]!)));

        // Answered only once every reachable copy holds the batch: each silo's own store has all of it, the same digest.
        var copies = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => LocalCopyAsync(Http, fixture.Url(i), db)));
        Assert.All(copies, c => Assert.Equal(300, (int)c["records"]!));
        Assert.Single(copies.Select(c => (string)c["digest"]!).Distinct());

        // The index segments list every record with its revision (changes from another mirror), and reads find them.
        var changes = await ChangesAsync(db, fixture.Url(2));
        Assert.Equal(pushed.Select(r => (r.Id, r.Leaves[0].Rev)).Order(), changes.Order());
        foreach (int i in new[] { 0, 7, 150, 299 })
        {
            for (int m = 0; m < 3; m++)
            {
                var (status, doc) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(m)}/db/{db}/doc/{Uri.EscapeDataString(pushed[i].Id)}");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal((pushed[i].Leaves[0].Rev, i), ((string)doc!["rev"]!, (int)doc["i"]!));
            }
        }

        // Pushed again (through another gateway): known, through the record grains now that the records exist.
        Assert.All(await PushAsync(db, fixture.Url(0), pushed.Take(5)), r => Assert.Equal("known", (string)r!["status"]!));
    }

    [Fact]
    public async Task A_batch_with_new_records_and_a_concurrent_edit_reports_each_leaf_as_before()
    {
        string db = "batchmix" + Guid.NewGuid().ToString("N")[..8];
        var (_, created) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/shared", Json("""{"v":0}"""));
        var root = new ReplicatedRevision(Str(created, "rev"), false, [], Encoding.UTF8.GetBytes("""{"v":0}"""));
        await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/shared", Json($$"""{"rev":"{{root.Rev}}","v":"server"}"""));
        var offline = Leaf(root, """{"v":"offline edit"}""");
        var bad = new ReplicatedRevision(Revision.Next(default, false, "[1]"u8.ToArray()).ToString(), false, [], "[1]"u8.ToArray());
        var batch = new List<SyncRecord>
        {
            new("a", [Leaf(null, """{"n":"a"}""")]),
            new("shared", [offline]),
            new("forged", [bad]), // not a JSON object
            new("b", [Leaf(null, """{"n":"b"}""")]),
        };
        var results = await PushAsync(db, fixture.Url(2), batch);
        Assert.Equal(["accepted", "conflict", "invalid", "accepted"], results.Select(r => (string)r!["status"]!));
        var (status, _) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/forged");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var (_, conflicts) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/conflicts/shared");
        Assert.Contains(conflicts!["conflicts"]!.AsArray().Select(c => (string)c!["rev"]!).Append((string)conflicts["rev"]!), rev => rev == offline.Rev);
    }

    [Fact]
    public async Task A_record_grain_active_before_the_push_serves_the_pushed_revision()
    {
        string db = "batchactive" + Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, 12).Select(i => $"warm{i}").ToArray();
        // Reading absent records activates their grains (somewhere in the cluster) with no state.
        foreach (var id in ids)
        {
            for (int m = 0; m < 3; m++) Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(m)}/db/{db}/doc/{id}")).Status);
        }
        var pushed = ids.Select((id, i) => new SyncRecord(id, [Leaf(null, $$"""{"w":{{i}}}""")])).ToList();
        Assert.All(await PushAsync(db, fixture.Url(0), pushed), r => Assert.Equal("accepted", (string)r!["status"]!));
        foreach (var record in pushed)
        {
            for (int m = 0; m < 3; m++)
            {
                var (status, doc) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(m)}/db/{db}/doc/{record.Id}");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal(record.Leaves[0].Rev, Str(doc, "rev"));
            }
        }
        // The grain edits on top of the pushed revision (it re-read it), and the index follows.
        var (saved, after) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/doc/warm3", Json($$"""{"rev":"{{pushed[3].Leaves[0].Rev}}","w":33}"""));
        Assert.Equal(HttpStatusCode.Created, saved);
        Assert.Contains(("warm3", Str(after, "rev")), await ChangesAsync(db, fixture.Url(2)));
    }

    [Fact]
    public async Task A_grain_save_racing_a_batch_push_of_the_same_new_record_loses_neither_write()
    {
        string db = "batchrace" + Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, 40).Select(i => $"race{i}").ToArray();
        var pushed = ids.Select((id, i) => new SyncRecord(id, [Leaf(null, $$"""{"from":"push","i":{{i}}}""")])).ToList();
        var push = PushAsync(db, fixture.Url(0), pushed);
        var saves = ids.Select(id => SendAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/doc/{id}", Json("""{"from":"save"}"""))).ToList();
        var results = await push;
        var saved = await Task.WhenAll(saves);
        for (int i = 0; i < ids.Length; i++)
        {
            string pushStatus = (string)results[i]!["status"]!;
            var (saveStatus, saveBody) = saved[i];
            Assert.Contains(pushStatus, new[] { "accepted", "conflict" });
            Assert.Contains(saveStatus, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict });
            var (_, record) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/conflicts/{ids[i]}");
            var leaves = record!["conflicts"]!.AsArray().Select(c => (string)c!["rev"]!).Append((string)record["rev"]!).ToList();
            // The pushed leaf is always kept; a save that was answered 201 is kept too. The push is then usually a conflict, but
            // may be "accepted": when the batch reaches the saving grain's store after its freshness check and before its
            // write, the save merges its leaf into the pushed record and succeeds (a conflict both sides hold; the index
            // entry's conflict fingerprint tells the pushing peer) — the documented outcome of a save whose copy changed
            // underneath. A 409 save means the push came first.
            Assert.Contains(pushed[i].Leaves[0].Rev, leaves);
            if (saveStatus == HttpStatusCode.Created)
            {
                Assert.Contains(Str(saveBody, "rev"), leaves);
                Assert.Equal(2, leaves.Distinct().Count());
            }
            else Assert.Equal("accepted", pushStatus);
        }
    }

    [Fact]
    public async Task Updates_pushed_in_one_batch_reach_every_copy_and_grains_active_before_serve_them()
    {
        string db = "batchupd" + Guid.NewGuid().ToString("N")[..8];
        var first = Enumerable.Range(0, 40).Select(i => new SyncRecord($"u/{i:D2}", [Leaf(null, $$"""{"i":{{i}},"v":0}""")])).ToList();
        Assert.All(await PushAsync(db, fixture.Url(0), first), r => Assert.Equal("accepted", (string)r!["status"]!));
        // Every record's grain is now active on some silo with the first revision (and each silo reads through it).
        foreach (var record in first)
        {
            for (int m = 0; m < 3; m++)
                Assert.Equal(record.Leaves[0].Rev, Str((await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(m)}/db/{db}/doc/{Uri.EscapeDataString(record.Id)}")).Body, "rev"));
        }
        // The next edits: even ids whole, odd ids relative to the revision the mirrors hold (the body whole).
        var next = first.Select((r, i) =>
        {
            var leaf = Leaf(r.Leaves[0], $$"""{"i":{{i}},"v":1}""");
            return new SyncRecord(r.Id, [i % 2 == 0 ? leaf : leaf with { Ancestry = [r.Leaves[0].Rev], BaseRev = r.Leaves[0].Rev }]);
        }).ToList();
        var results = await PushAsync(db, fixture.Url(1), next);
        Assert.Equal(next.Select(r => (r.Id, r.Leaves[0].Rev, "accepted")),
            results.Select(r => ((string)r!["id"]!, (string)r["rev"]!, (string)r["status"]!)));
        // A query through the gateway that acknowledged the push reflects it at once (its own store holds the batch).
        var (found, answer) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/db/{db}/_find", Json("""{"selector":{"v":1},"limit":100}"""));
        Assert.Equal(HttpStatusCode.OK, found);
        Assert.Equal(next.Select(r => (r.Id, r.Leaves[0].Rev)).Order(), answer!["docs"]!.AsArray().Select(d => ((string)d!["id"]!, (string)d["rev"]!)).Order());

        var copies = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => LocalCopyAsync(Http, fixture.Url(i), db)));
        Assert.All(copies, c => Assert.Equal(40, (int)c["records"]!));
        Assert.Single(copies.Select(c => (string)c["digest"]!).Distinct());
        foreach (var (record, i) in next.Select((r, i) => (r, i)))
        {
            for (int m = 0; m < 3; m++)
            {
                var (status, doc) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(m)}/db/{db}/doc/{Uri.EscapeDataString(record.Id)}");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal((record.Leaves[0].Rev, 1), (Str(doc, "rev"), (int)doc!["v"]!));
            }
        }
        Assert.Equal(next.Select(r => (r.Id, r.Leaves[0].Rev)).Order(), (await ChangesAsync(db, fixture.Url(2))).Order());

        // The active grain edits on top of the pushed revision (it re-read it), without a conflict.
        var (saved, after) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/doc/u%2F05", Json($$"""{"rev":"{{next[5].Leaves[0].Rev}}","v":2}"""));
        Assert.Equal(HttpStatusCode.Created, saved);
        var (_, conflicts) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/conflicts/u%2F05");
        Assert.Equal(Str(after, "rev"), Str(conflicts, "rev"));
        Assert.Empty(conflicts!["conflicts"]!.AsArray());
    }

    [Fact]
    public async Task A_branch_or_a_missing_base_in_an_update_batch_is_answered_as_before()
    {
        string db = "batchupdmix" + Guid.NewGuid().ToString("N")[..8];
        var roots = new[] { "a", "b", "c" }.Select(id => new SyncRecord(id, [Leaf(null, $$"""{"n":"{{id}}"}""")])).ToList();
        Assert.All(await PushAsync(db, fixture.Url(0), roots), r => Assert.Equal("accepted", (string)r!["status"]!));
        // "b" moves on on the mirrors: a peer's edit of the old revision is then a branch (a conflict).
        var (_, moved) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/doc/b", Json($$"""{"rev":"{{roots[1].Leaves[0].Rev}}","n":"server"}"""));
        var unknownBase = Leaf(Leaf(null, """{"n":"never pushed"}"""), """{"n":"c2"}""");
        var batch = new List<SyncRecord>
        {
            new("a", [Leaf(roots[0].Leaves[0], """{"n":"a2"}""")]),
            new("b", [Leaf(roots[1].Leaves[0], """{"n":"offline"}""")]),
            new("c", [unknownBase with { Ancestry = [unknownBase.Ancestry[0]], BaseRev = unknownBase.Ancestry[0] }]),
        };
        var results = await PushAsync(db, fixture.Url(1), batch);
        Assert.Equal(["accepted", "conflict", "need_whole"], results.Select(r => (string)r!["status"]!));
        var (_, b) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/conflicts/b");
        var leaves = b!["conflicts"]!.AsArray().Select(l => (string)l!["rev"]!).Append(Str(b, "rev")).Order();
        Assert.Equal(new[] { Str(moved, "rev"), batch[1].Leaves[0].Rev }.Order(), leaves);
        var (_, c) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/c");
        Assert.Equal(roots[2].Leaves[0].Rev, Str(c, "rev"));
    }

    private static string Str(JsonNode? node, string name) => (string)node![name]!;

    private static ReplicatedRevision Leaf(ReplicatedRevision? parent, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var rev = Revision.Next(parent is null ? default : Revision.Parse(parent.Rev), false, body);
        return new ReplicatedRevision(rev.ToString(), false, parent is null ? [] : [parent.Rev, .. parent.Ancestry], body);
    }

    private async Task<JsonArray> PushAsync(string db, string url, IEnumerable<SyncRecord> records)
    {
        var (status, body) = await SendAsync(Http, HttpMethod.Post, $"{url}/db/{db}/sync/push", Raw(SyncBatch.Encode(records), SyncBatch.MediaType));
        Assert.Equal(HttpStatusCode.OK, status);
        return body!["results"]!.AsArray();
    }

    private async Task<List<(string Id, string Rev)>> ChangesAsync(string db, string url)
    {
        var (status, body) = await SendAsync(Http, HttpMethod.Get, $"{url}/db/{db}/sync/changes?limit=10000");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False((bool)body!["more"]!);
        return [.. body["changes"]!.AsArray().Select(c => ((string)c!["id"]!, (string)c["rev"]!))];
    }
}

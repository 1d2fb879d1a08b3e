using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Sync;

namespace MyNoSql.PeerClient.Tests;

/// <summary>
/// Merge policies on peers (DESIGN §8), on real files: two peers that edit the same record concurrently converge to the
/// same content and the same revision with the DESIGN's policy; the manual merge closes every loser; the policy is
/// stored with the database and exchanged with mirrors each sync round (newest stamp wins).
/// </summary>
public sealed class MergePolicyTests
{
    private static MergePolicy DesignPolicy() => new()
    {
        Fields = { ["title"] = MergeStrategy.Latest, ["score"] = MergeStrategy.Max, ["tags"] = MergeStrategy.Union, ["visits"] = MergeStrategy.Counter },
    };

    /// <summary>A wall clock the test moves by hand, so Latest's stamps are known.</summary>
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static MyNoSqlOptions Options(TempDir dir, string sub, TimeProvider? time = null)
    {
        var o = dir.Options(DurabilityMode.Relaxed);
        o.DataDirectory = Path.Combine(dir.Path, sub);
        if (time is not null) o.TimeProvider = time;
        return o;
    }

    /// <summary>Sends every leaf of <paramref name="id"/> from one peer to the other, as a sync would.</summary>
    private static async Task CopyAsync(MyNoSqlDb from, MyNoSqlDb to, string id)
    {
        var record = await from.Store.ReadRecordAsync(id);
        await to.Store.MergeLeavesAsync(id, [.. record!.Leaves], pending: false);
    }

    [Fact]
    public async Task Two_peers_editing_concurrently_converge_to_the_same_content_and_revision()
    {
        using var dir = new TempDir();
        var timeA = new ManualTime(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var timeB = new ManualTime(timeA.Now);
        await using var a = await MyNoSqlDb.OpenAsync("merge", Options(dir, "a", timeA));
        await using var b = await MyNoSqlDb.OpenAsync("merge", Options(dir, "b", timeB));
        await a.SetMergePolicyAsync(DesignPolicy());
        await b.SetMergePolicyAsync(DesignPolicy());

        var v1 = await a.SaveDocAsync(JsonNode.Parse("""{"id":"doc","title":"first","score":1,"tags":["a"],"visits":10,"note":"n0"}""")!.AsObject());
        await CopyAsync(a, b, "doc");

        // Concurrent edits of the same revision: A first (older stamp), B a second later.
        timeA.Now = timeA.Now.AddSeconds(1);
        var editA = (JsonObject)v1.DeepClone();
        editA["title"] = "from A";
        editA["score"] = 7;
        editA["tags"] = new JsonArray("a", "b");
        editA["visits"] = 13;
        await a.SaveDocAsync(editA);
        timeB.Now = timeB.Now.AddSeconds(2);
        var editB = (JsonObject)v1.DeepClone();
        editB["title"] = "from B";
        editB["score"] = 3;
        editB["tags"] = new JsonArray("c");
        editB["visits"] = 11;
        editB["note"] = "nB";
        await b.SaveDocAsync(editB);

        // Each learns the other's edit: the merge makes a conflict and resolves it at once, the same way on both.
        await CopyAsync(a, b, "doc");
        await CopyAsync(b, a, "doc");
        var docA = await a.ReadDocAsync("doc");
        var docB = await b.ReadDocAsync("doc");
        Assert.NotNull(docA);
        Assert.Equal(docA!.ToJsonString(), docB!.ToJsonString());
        Assert.Equal("from B", (string)docA["title"]!);       // Latest: B's stamp is newer
        Assert.Equal(7, (int)docA["score"]!);                 // Max
        Assert.Equal(["a", "b", "c"], docA["tags"]!.AsArray().Select(t => (string)t!));   // Union, collation order
        Assert.Equal(14, (int)docA["visits"]!);               // Counter: 10 + 3 + 1
        Assert.Empty(await a.GetConflictsAsync("doc"));
        Assert.Empty(await b.GetConflictsAsync("doc"));

        // Exchanging again changes nothing: both stored the same leaves.
        await CopyAsync(a, b, "doc");
        await CopyAsync(b, a, "doc");
        var recordA = (await a.Store.ReadRecordAsync("doc"))!;
        var recordB = (await b.Store.ReadRecordAsync("doc"))!;
        Assert.Equal(recordA.Leaves.Select(l => (l.Rev, l.Deleted)), recordB.Leaves.Select(l => (l.Rev, l.Deleted)));
        Assert.Equal(EditKind.Resolve, recordA.Winner.Kind);
        Assert.Equal((string)docA["rev"]!, (string)(await b.ReadDocAsync("doc"))!["rev"]!);
    }

    [Fact]
    public async Task Latest_takes_each_fields_newest_write_even_from_a_leaf_saved_earlier()
    {
        // Audit C, t_latest4: B edits title offline at t1, A edits title at t2, B edits body at t3. Expected: A's title
        // (its write is newer than B's) and B's body — not everything from B's leaf because it was saved last.
        using var dir = new TempDir();
        var timeA = new ManualTime(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var timeB = new ManualTime(timeA.Now);
        await using var a = await MyNoSqlDb.OpenAsync("latest", Options(dir, "a", timeA));
        await using var b = await MyNoSqlDb.OpenAsync("latest", Options(dir, "b", timeB));
        var policy = new MergePolicy { Fields = { ["title"] = MergeStrategy.Latest, ["body"] = MergeStrategy.Latest } };
        await a.SetMergePolicyAsync(policy);
        await b.SetMergePolicyAsync(policy);
        var v1 = await a.SaveDocAsync(JsonNode.Parse("""{"id":"Z","title":"t0","body":"b0"}""")!.AsObject());
        await CopyAsync(a, b, "Z");

        timeB.Now = timeB.Now.AddSeconds(1);
        var t1 = (JsonObject)v1.DeepClone();
        t1["title"] = "peer-t1";
        var b2 = await b.SaveDocAsync(t1);
        timeA.Now = timeA.Now.AddSeconds(2);
        var t2 = (JsonObject)v1.DeepClone();
        t2["title"] = "mirror-t2";
        await a.SaveDocAsync(t2);
        timeB.Now = timeB.Now.AddSeconds(2);
        var t3 = (JsonObject)b2.DeepClone();
        t3["body"] = "peer-t3";
        await b.SaveDocAsync(t3);

        await CopyAsync(b, a, "Z");
        await CopyAsync(a, b, "Z");
        var docA = (await a.ReadDocAsync("Z"))!;
        var docB = (await b.ReadDocAsync("Z"))!;
        Assert.Equal("mirror-t2", (string)docA["title"]!);
        Assert.Equal("peer-t3", (string)docA["body"]!);
        Assert.Equal(docA.ToJsonString(), docB.ToJsonString());
        Assert.Empty(await a.GetConflictsAsync("Z"));
        Assert.Empty(await b.GetConflictsAsync("Z"));
    }

    [Fact]
    public async Task The_policy_survives_reopening_and_is_validated()
    {
        using var dir = new TempDir();
        await using (var db = await MyNoSqlDb.OpenAsync("policy", dir.Options()))
        {
            Assert.Empty((await db.GetMergePolicyAsync()).Fields);
            await db.SetMergePolicyAsync(DesignPolicy());
            var bad = new MergePolicy { Fields = { ["id"] = MergeStrategy.Max } };
            await Assert.ThrowsAsync<ArgumentException>(() => db.SetMergePolicyAsync(bad));
            await Assert.ThrowsAsync<ArgumentException>(() => db.SetMergePolicyAsync(new MergePolicy { Fields = { [""] = MergeStrategy.Max } }));
            await Assert.ThrowsAsync<ArgumentException>(() => db.SetMergePolicyAsync(new MergePolicy { Fields = { ["x"] = (MergeStrategy)9 } }));
            // What Get returns is a copy: changing it changes nothing stored.
            (await db.GetMergePolicyAsync()).Fields["title"] = MergeStrategy.Min;
        }
        await using (var db = await MyNoSqlDb.OpenAsync("policy", dir.Options()))
        {
            var policy = await db.GetMergePolicyAsync();
            Assert.Equal(DesignPolicy().ToString(), policy.ToString());
            await db.SetMergePolicyAsync(new MergePolicy());
            Assert.True((await db.GetMergePolicyAsync()).IsEmpty);
        }
    }

    [Fact]
    public async Task Setting_a_policy_resolves_records_already_in_conflict()
    {
        using var dir = new TempDir();
        await using var a = await MyNoSqlDb.OpenAsync("late", Options(dir, "a"));
        await using var b = await MyNoSqlDb.OpenAsync("late", Options(dir, "b"));
        var v1 = await a.SaveDocAsync(JsonNode.Parse("""{"id":"d","score":1}""")!.AsObject());
        await CopyAsync(a, b, "d");
        var ea = (JsonObject)v1.DeepClone(); ea["score"] = 5; await a.SaveDocAsync(ea);
        var eb = (JsonObject)v1.DeepClone(); eb["score"] = 9; await b.SaveDocAsync(eb);
        await CopyAsync(b, a, "d");
        Assert.Single(await a.GetConflictsAsync("d"));

        // Max needs no ancestor: the conflict is resolved as the policy is set.
        await a.SetMergePolicyAsync(new MergePolicy { Fields = { ["score"] = MergeStrategy.Max } });
        Assert.Empty(await a.GetConflictsAsync("d"));
        Assert.Equal(9, (int)(await a.ReadDocAsync("d"))!["score"]!);
    }

    [Fact]
    public async Task ResolveConflictAsync_closes_every_loser_with_a_child_of_the_winner()
    {
        using var dir = new TempDir();
        await using var a = await MyNoSqlDb.OpenAsync("manual", Options(dir, "a"));
        await using var b = await MyNoSqlDb.OpenAsync("manual", Options(dir, "b"));
        await using var c = await MyNoSqlDb.OpenAsync("manual", Options(dir, "c"));
        var v1 = await a.SaveDocAsync(JsonNode.Parse("""{"id":"m","v":0}""")!.AsObject());
        await CopyAsync(a, b, "m");
        await CopyAsync(a, c, "m");
        var ea = (JsonObject)v1.DeepClone(); ea["v"] = 1; await a.SaveDocAsync(ea);
        var eb = (JsonObject)v1.DeepClone(); eb["v"] = 2; await b.SaveDocAsync(eb);
        var ec = (JsonObject)v1.DeepClone(); ec["v"] = 3; await c.SaveDocAsync(ec);
        await CopyAsync(b, a, "m");
        await CopyAsync(c, a, "m");
        Assert.Equal(2, (await a.GetConflictsAsync("m")).Count);
        var winner = (await a.ReadDocAsync("m"))!;
        string winnerRev = (string)winner["rev"]!;

        // A stale rev (a loser's) is refused and nothing changes.
        var loserRev = (string)(await a.GetConflictsAsync("m"))[0]["rev"]!;
        var stale = new JsonObject { ["id"] = "m", ["rev"] = loserRev, ["v"] = 6 };
        await Assert.ThrowsAsync<RevisionConflictException>(() => a.ResolveConflictAsync("m", stale));
        Assert.Equal(2, (await a.GetConflictsAsync("m")).Count);
        Assert.Equal(winnerRev, (string)(await a.ReadDocAsync("m"))!["rev"]!);

        var merged = new JsonObject { ["id"] = "m", ["rev"] = winnerRev, ["v"] = 6 };
        var saved = await a.ResolveConflictAsync("m", merged);
        Assert.Equal(6, (int)saved["v"]!);
        Assert.Empty(await a.GetConflictsAsync("m"));
        var record = (await a.Store.ReadRecordAsync("m"))!;
        Assert.Equal(winnerRev, record.Winner.Parent.ToString());
        Assert.Equal((string)saved["rev"]!, record.Winner.Rev.ToString());
        Assert.All(record.Leaves.Skip(1), l => Assert.True(l.Deleted));

        // The resolution reaches the others as ordinary leaves and closes the conflict there too.
        await CopyAsync(a, b, "m");
        await CopyAsync(c, b, "m");
        await CopyAsync(a, b, "m");
        Assert.Empty(await b.GetConflictsAsync("m"));
        Assert.Equal((string)saved["rev"]!, (string)(await b.ReadDocAsync("m"))!["rev"]!);

        await Assert.ThrowsAsync<DocumentNotFoundException>(() => a.ResolveConflictAsync("none", new JsonObject { ["id"] = "none", ["rev"] = winnerRev }));
    }

    /// <summary>A mirror that only keeps a policy (newest stamp wins) and has no records.</summary>
    private sealed class PolicyMirror : ISyncTransport
    {
        public JsonObject Held { get; private set; } = new();

        public int Puts { get; private set; }

        public Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct) => Task.FromResult<IReadOnlyList<string>>([mirror]);

        public Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct) => Task.FromResult(false);

        public Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct) =>
            Task.FromResult(new ChangesPage("cp", [], false, null));

        public Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct) =>
            throw new NotSupportedException();

        public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct) => throw new NotSupportedException();

        public Task<JsonObject> GetMergePolicyAsync(string mirror, string db, CancellationToken ct) => Task.FromResult((JsonObject)Held.DeepClone());

        public Task<JsonObject> PutMergePolicyAsync(string mirror, string db, JsonObject policy, CancellationToken ct)
        {
            Puts++;
            long held = Held["stamp"] is { } s ? long.Parse(s.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : 0;
            if (long.Parse(policy["stamp"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) > held) Held = (JsonObject)policy.DeepClone();
            return Task.FromResult((JsonObject)Held.DeepClone());
        }

        public void Dispose()
        {
        }
    }

    /// <summary>A transport of the default interface: it cannot carry policies.</summary>
    private sealed class NoPolicyMirror : ISyncTransport
    {
        public Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct) => Task.FromResult<IReadOnlyList<string>>([mirror]);

        public Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct) => Task.FromResult(false);

        public Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct) =>
            Task.FromResult(new ChangesPage("cp", [], false, null));

        public Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct) =>
            throw new NotSupportedException();

        public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Sync_rounds_push_a_changed_policy_and_adopt_a_newer_one()
    {
        using var dir = new TempDir();
        var mirror = new PolicyMirror();
        MyNoSqlOptions With(string sub)
        {
            var o = Options(dir, sub);
            o.Transports["fake"] = () => mirror;
            return o;
        }
        await using var a = await MyNoSqlDb.OpenAsync("shared", With("a"));
        await using var b = await MyNoSqlDb.OpenAsync("shared", With("b"));
        await a.AddPeerAsync("fake://m1:1");
        await b.AddPeerAsync("fake://m1:1");

        await a.SetMergePolicyAsync(DesignPolicy());
        await a.SyncAsync();
        Assert.Equal(1, mirror.Puts);
        Assert.Equal("latest", (string)mirror.Held["fields"]!["title"]!);
        await a.SyncAsync(); // no longer dirty: fetched, not pushed again
        Assert.Equal(1, mirror.Puts);

        await b.SyncAsync();
        Assert.Equal(DesignPolicy().ToString(), (await b.GetMergePolicyAsync()).ToString());

        // B changes it later: its stamp is newer, so the mirror and then A take B's.
        await b.SetMergePolicyAsync(new MergePolicy { Fields = { ["score"] = MergeStrategy.Min } });
        await b.SyncAsync();
        await a.SyncAsync();
        Assert.Equal("{score: Min}", (await a.GetMergePolicyAsync()).ToString());

        // An older policy offered later does not replace the newer one.
        await mirror.PutMergePolicyAsync("fake://m1:1", "shared", new JsonObject { ["fields"] = new JsonObject { ["x"] = "max" }, ["stamp"] = 1 }, default);
        await a.SyncAsync();
        Assert.Equal("{score: Min}", (await a.GetMergePolicyAsync()).ToString());
    }

    [Fact]
    public async Task A_transport_that_cannot_carry_policies_is_skipped()
    {
        using var dir = new TempDir();
        var o = Options(dir, "a");
        o.Transports["fake"] = () => new NoPolicyMirror();
        await using var db = await MyNoSqlDb.OpenAsync("skip", o);
        await db.AddPeerAsync("fake://m1:1");
        await db.SetMergePolicyAsync(DesignPolicy());
        await db.SyncAsync();
        Assert.Null(db.GetSyncStatus().LastError);
        Assert.Equal(DesignPolicy().ToString(), (await db.GetMergePolicyAsync()).ToString());
    }

    [Fact]
    public async Task The_http_transport_gets_and_puts_the_policy_and_maps_missing_routes_and_refusals()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        string? putBody = null;
        var server = Task.Run(async () =>
        {
            for (int i = 0; i < 4; i++)
            {
                var context = await listener.GetContextAsync();
                var request = context.Request;
                string answer;
                int status = 200;
                if (request.HttpMethod == "PUT")
                {
                    using var reader = new StreamReader(request.InputStream);
                    putBody = await reader.ReadToEndAsync();
                    answer = request.Url!.AbsolutePath.Contains("/bad/", StringComparison.Ordinal) ? """{"error":"bad_policy","reason":"unknown strategy"}""" : putBody;
                    if (request.Url!.AbsolutePath.Contains("/bad/", StringComparison.Ordinal)) status = 400;
                }
                else if (request.Url!.AbsolutePath == "/db/old/_merge_policy") { status = 404; answer = """{"error":"not_found"}"""; }
                else answer = """{"fields":{"title":"latest"},"stamp":5}""";
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                var bytes = System.Text.Encoding.UTF8.GetBytes(answer);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
        using var transport = new HttpSyncTransport(TimeSpan.FromSeconds(10), null);
        string mirror = $"http://127.0.0.1:{port}";
        var got = await transport.GetMergePolicyAsync(mirror, "shop", default);
        Assert.Equal("""{"fields":{"title":"latest"},"stamp":5}""", got.ToJsonString());
        var offered = Storage.Merging.MergePolicyJson.ToJson(DesignPolicy(), 7);
        var held = await transport.PutMergePolicyAsync(mirror, "shop", offered, default);
        Assert.Equal(offered.ToJsonString(), putBody);
        Assert.Equal(offered.ToJsonString(), held.ToJsonString());
        await Assert.ThrowsAsync<NotSupportedException>(() => transport.GetMergePolicyAsync(mirror, "old", default));
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => transport.PutMergePolicyAsync(mirror, "bad", offered, default));
        Assert.Contains("unknown strategy", refused.Message, StringComparison.Ordinal);
        await server.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Tests.Support;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>
/// Real mirror processes (DESIGN §9): the first writable, the second <c>--read-only</c> without API keys, the third
/// <c>--read-only</c> with an API key file (a write key on every database), so the refusal is seen both ways.
/// </summary>
public sealed class ReadOnlyMirrorFixture : IAsyncLifetime
{
    /// <summary>The third mirror's key: write rights on every database. The other mirrors ignore it.</summary>
    public static readonly string WriteKey = "wr_" + Guid.NewGuid().ToString("N");

    /// <summary>The third mirror's key with read rights on database <c>scoped</c> only (the /couch 403 test).</summary>
    public static readonly string ScopedKey = "sc_" + Guid.NewGuid().ToString("N");

    private readonly TempDirectory _keys = new("mynosql-read-only-keys-");

    public ReadOnlyMirrorFixture()
    {
        string file = Path.Combine(_keys.Path, "keys.json");
        File.WriteAllText(file, $$"""{"keys":[{"name":"writer","key":"{{WriteKey}}","databases":["*"],"rights":"write"},{"name":"scoped","key":"{{ScopedKey}}","databases":["scoped"],"rights":"read"}]}""");
        Cluster.MirrorExtra[1] = ["--read-only"];
        Cluster.MirrorExtra[2] = ["--read-only", "--api-keys-file", file];
        // The cluster's own polls (/mirrors) reach the keyed mirror too.
        Cluster.Http.DefaultRequestHeaders.Authorization = new("Bearer", WriteKey);
    }

    public ProcessCluster Cluster { get; } = new(3, adoNet: false, "--anti-entropy-seconds", "1");

    public HttpClient Http => Cluster.Http;

    public string Writable => Cluster.Mirrors[0].BaseUrl;

    public string ReadOnly => Cluster.Mirrors[1].BaseUrl;

    public string KeyedReadOnly => Cluster.Mirrors[2].BaseUrl;

    public Task InitializeAsync() => Cluster.StartAsync();

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _keys.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ReadOnlyMirrorCollection : ICollectionFixture<ReadOnlyMirrorFixture>
{
    public const string Name = "a writable and a read-only mirror process";
}

/// <summary>
/// A <c>--read-only</c> mirror serves reads, queries and sync pulls from its full copy (kept by the cluster's internal
/// replication) and refuses every write through its gateway with 403 <c>read_only</c>, leaving the record unchanged.
/// </summary>
[Collection(ReadOnlyMirrorCollection.Name)]
public sealed class ReadOnlyMirrorTests(ReadOnlyMirrorFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Reads_queries_and_sync_pulls_are_served_and_every_write_is_refused_with_read_only()
    {
        string db = "ro" + Guid.NewGuid().ToString("N")[..8];
        var (status, created) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Writable}/db/{db}/doc", Json("""{"kind":"probe","v":1}"""));
        Assert.Equal(HttpStatusCode.Created, status);
        string id = Str(created, "id"), rev = Str(created, "rev");

        // The read-only mirror holds the record: GET and _find (polled, the copy arrives by replication).
        var read = await PollAsync(async () =>
        {
            var (s, body) = await SendAsync(Http, HttpMethod.Get, $"{fixture.ReadOnly}/db/{db}/doc/{id}");
            return s == HttpStatusCode.OK ? body : null;
        });
        Assert.Equal(rev, Str(read, "rev"));
        var found = await PollAsync(async () =>
        {
            var (s, body) = await SendAsync(Http, HttpMethod.Post, $"{fixture.ReadOnly}/db/{db}/_find", Json("""{"selector":{"kind":"probe"}}"""));
            Assert.Equal(HttpStatusCode.OK, s);
            return body!["docs"]!.AsArray().Count == 1 ? body : null;
        });
        Assert.Equal(id, (string)found["docs"]![0]!["id"]!);
        foreach (var (method, path, content) in new (HttpMethod, string, HttpContent?)[]
        {
            (HttpMethod.Post, "_explain", Json("""{"selector":{"kind":"probe"}}""")),
            (HttpMethod.Post, "_changes", Json("""{}""")),
            (HttpMethod.Get, "_index", null),
            (HttpMethod.Get, "sync/changes", null),
            (HttpMethod.Post, "sync/fetch", Json($$"""["{{id}}"]""")),
            (HttpMethod.Get, "sync/poll", null),
            (HttpMethod.Get, $"doc/{id}/_history", null),
            (HttpMethod.Get, "_merge_policy", null),
        })
        {
            // Raw: sync/fetch answers the binary batch format, not JSON.
            using var request = new HttpRequestMessage(method, $"{fixture.ReadOnly}/db/{db}/{path}") { Content = content };
            using var response = await Http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // Every write through the read-only mirror: 403 read_only naming the mirror's mode and the database.
        foreach (var (method, path, content) in new (HttpMethod, string, HttpContent?)[]
        {
            (HttpMethod.Put, $"doc/{id}", Json($$"""{"rev":"{{rev}}","kind":"probe","v":2}""")),
            (HttpMethod.Post, "doc", Json("""{"kind":"probe","v":3}""")),
            (HttpMethod.Delete, $"doc/{id}?rev={rev}", null),
            (HttpMethod.Patch, $"doc/{id}", Json($$"""{"rev":"{{rev}}","v":4}""")),
            (HttpMethod.Post, "sync/push", Json("""{"records":[]}""")),
            (HttpMethod.Post, "_index", Json("""{"name":"by-kind","fields":["kind"]}""")),
            (HttpMethod.Delete, "_index/by-kind", null),
            (HttpMethod.Put, "_merge_policy", Json("""{"fields":{"v":"max"}}""")),
        })
        {
            var answer = await SendAsync(Http, method, $"{fixture.ReadOnly}/db/{db}/{path}", content);
            Assert.Equal("read_only", AssertError(HttpStatusCode.Forbidden, answer));
            string reason = Str(answer.Body, "reason");
            Assert.Contains("read-only", reason, StringComparison.Ordinal);
            Assert.Contains(db, reason, StringComparison.Ordinal);
        }

        // Nothing changed: the record, the queries and the writable mirror's copy are as saved.
        foreach (string url in new[] { fixture.ReadOnly, fixture.Writable })
        {
            var (s, body) = await SendAsync(Http, HttpMethod.Get, $"{url}/db/{db}/doc/{id}");
            Assert.Equal(HttpStatusCode.OK, s);
            Assert.Equal(rev, Str(body, "rev"));
            Assert.Equal(1, (int)body!["v"]!);
            var (_, all) = await SendAsync(Http, HttpMethod.Post, $"{url}/db/{db}/_find", Json("""{"selector":{"kind":"probe"}}"""));
            Assert.Single(all!["docs"]!.AsArray());
            var (_, policy) = await SendAsync(Http, HttpMethod.Get, $"{url}/db/{db}/_merge_policy");
            Assert.Equal("""{"fields":{}}""", policy!.ToJsonString());
        }

        // The writable mirror still takes writes, and the read-only one follows them.
        var (putStatus, updated) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Writable}/db/{db}/doc/{id}", Json($$"""{"rev":"{{rev}}","kind":"probe","v":5}"""));
        Assert.Equal(HttpStatusCode.Created, putStatus);
        string rev2 = Str(updated, "rev");
        await PollAsync(async () =>
        {
            var (_, body) = await SendAsync(Http, HttpMethod.Get, $"{fixture.ReadOnly}/db/{db}/doc/{id}");
            return body is not null && (string?)body["rev"] == rev2 ? body : null;
        });
    }

    [Fact]
    public async Task With_api_keys_a_key_with_write_rights_still_gets_read_only_and_no_key_still_gets_401()
    {
        string db = "rk" + Guid.NewGuid().ToString("N")[..8];
        var (status, created) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Writable}/db/{db}/doc/k1", Json("""{"v":1}"""));
        Assert.Equal(HttpStatusCode.Created, status);
        string rev = Str(created, "rev");
        var read = await PollAsync(async () =>
        {
            var (s, body) = await SendAsync(Http, HttpMethod.Get, $"{fixture.KeyedReadOnly}/db/{db}/doc/k1");
            return s == HttpStatusCode.OK ? body : null;
        });
        Assert.Equal(rev, Str(read, "rev"));

        var refused = await SendAsync(Http, HttpMethod.Put, $"{fixture.KeyedReadOnly}/db/{db}/doc/k1", Json($$"""{"rev":"{{rev}}","v":2}"""));
        Assert.Equal("read_only", AssertError(HttpStatusCode.Forbidden, refused));

        using var anonymous = new HttpClient();
        Assert.Equal("unauthorized", AssertError(HttpStatusCode.Unauthorized,
            await SendAsync(anonymous, HttpMethod.Put, $"{fixture.KeyedReadOnly}/db/{db}/doc/k1", Json($$"""{"rev":"{{rev}}","v":2}"""))));

        var (_, after) = await SendAsync(Http, HttpMethod.Get, $"{fixture.KeyedReadOnly}/db/{db}/doc/k1");
        Assert.Equal(rev, Str(after, "rev"));
    }

    [Fact]
    public async Task A_peer_pushes_past_read_only_mirrors_to_a_writable_one_and_with_none_left_still_pulls_keeping_its_outbox()
    {
        string db = "rp" + Guid.NewGuid().ToString("N")[..8];
        using var dir = new TempDirectory("mynosql-read-only-peer-");
        await using var peer = await MyNoSqlDb.OpenAsync(db, new MyNoSqlOptions
        {
            DataDirectory = dir.Path, SyncInterval = Timeout.InfiniteTimeSpan, ApiKey = ReadOnlyMirrorFixture.WriteKey,
        });
        // Mirror mode, so a pull brings every record. Known first through a read-only mirror: discovery learns the
        // others, the push goes to the writable one.
        await peer.SetModeAsync(DbMode.Mirror);
        await peer.AddPeerAsync(fixture.ReadOnly);
        await peer.SaveDocAsync(new JsonObject { ["id"] = "p1", ["v"] = 1 });
        await peer.SyncAsync();
        var status = peer.GetSyncStatus();
        Assert.Equal(0, status.PendingWrites);
        Assert.Null(status.LastError);
        Assert.Equal(fixture.Writable, status.MirrorInUse);
        var (s1, pushed) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Writable}/db/{db}/doc/p1");
        Assert.Equal(HttpStatusCode.OK, s1);
        Assert.Equal(1, (int)pushed!["v"]!);

        // Only read-only mirrors left: the round pulls a record written elsewhere, keeps the new local write pending
        // and says so.
        Assert.True(await peer.RemovePeerAsync(fixture.Writable));
        var (s2, _) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Writable}/db/{db}/doc/w1", Json("""{"v":2}"""));
        Assert.Equal(HttpStatusCode.Created, s2);
        foreach (string mirror in new[] { fixture.ReadOnly, fixture.KeyedReadOnly })
        {
            await PollAsync(async () =>
            {
                var (s, body) = await SendAsync(Http, HttpMethod.Get, $"{mirror}/db/{db}/doc/w1");
                return s == HttpStatusCode.OK ? body : null;
            });
        }
        await peer.SaveDocAsync(new JsonObject { ["id"] = "p2", ["v"] = 3 });
        var failed = await Assert.ThrowsAsync<MyNoSqlException>(() => peer.SyncAsync());
        Assert.Contains("read-only mirror", failed.Message, StringComparison.Ordinal);
        Assert.Contains("1 writes stay in the outbox", failed.Message, StringComparison.Ordinal);
        var ids = new List<string>();
        await foreach (string id in peer.ListIdsAsync()) ids.Add(id);
        Assert.Equal(["p1", "p2", "w1"], ids);
        status = peer.GetSyncStatus();
        Assert.Equal(1, status.PendingWrites);
        Assert.Contains("read-only", status.LastError, StringComparison.Ordinal);
        var (s3, _) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Writable}/db/{db}/doc/p2");
        Assert.Equal(HttpStatusCode.NotFound, s3);
    }

    /// <summary>Retries <paramref name="probe"/> until it returns a value, for at most 30 s.</summary>
    private static async Task<JsonNode> PollAsync(Func<Task<JsonNode?>> probe)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is JsonNode value) return value;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the read-only mirror did not catch up within 30 s");
            await Task.Delay(100);
        }
    }
}

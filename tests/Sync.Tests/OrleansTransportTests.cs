using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Sync;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests;

/// <summary>The same sync through an Orleans client (orleans://host:gatewayPort), side by side with an HTTP peer.</summary>
[Collection(MirrorCollection.Name)]
public sealed class OrleansTransportTests(MirrorFixture mirror) : IAsyncLifetime
{
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    [Fact]
    public async Task Orleans_urls_need_the_transport_in_the_options_of_that_database()
    {
        var plain = await _peers.OpenAsync("orleans");
        await plain.AddPeerAsync($"orleans://127.0.0.1:{mirror.GatewayPort}");
        var error = await Assert.ThrowsAsync<MyNoSqlException>(() => plain.SyncAsync());
        Assert.Contains("UseOrleans", error.Message);

        // A scheme is a valid mirror URL only where its transport is configured; the database creates it once.
        await Assert.ThrowsAsync<ArgumentException>(() => plain.AddPeerAsync("custom://host:1"));
        int created = 0;
        var custom = await _peers.OpenAsync("orleans", configure: o => o.Transports["CUSTOM"] = () =>
        {
            Interlocked.Increment(ref created);
            return new OfflineTransport();
        });
        await custom.AddPeerAsync("custom://host:1");
        Assert.Contains("custom://host:1", custom.GetSyncStatus().Mirrors);
        var offline = await Assert.ThrowsAsync<MyNoSqlException>(() => custom.SyncAsync());
        Assert.Contains("custom://host:1: offline (test transport)", offline.Message);
        Assert.Equal(1, created);
    }

    /// <summary>A plug-in transport whose mirror is never reachable.</summary>
    private sealed class OfflineTransport : ISyncTransport
    {
        public Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct) => Offline<IReadOnlyList<string>>(mirror);

        public Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct) => Offline<bool>(mirror);

        public Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct) =>
            Offline<ChangesPage>(mirror);

        public Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct) =>
            Offline<IReadOnlyList<PushResult>>(mirror);

        public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct) => Offline<byte[]>(mirror);

        public void Dispose()
        {
        }

        private static Task<T> Offline<T>(string mirror) => Task.FromException<T>(new MirrorUnavailableException($"{mirror}: offline (test transport)"));
    }

    [Fact]
    public async Task A_server_peer_syncs_through_the_orleans_gateway_with_an_http_peer()
    {
        string orleansUrl = $"orleans://127.0.0.1:{mirror.GatewayPort}";
        var server = await _peers.OpenAsync("orleans", configure: o => o.UseOrleans());
        var saved = await server.SaveDocAsync(Peers.Doc("srv/1", "from the server"));
        await server.AddPeerAsync(orleansUrl);
        await server.SyncAsync();
        Assert.Equal(0, server.GetSyncStatus().PendingWrites);
        Assert.Equal(orleansUrl, server.GetSyncStatus().MirrorInUse);

        using (var response = await mirror.Http.GetAsync($"{mirror.Url}/db/orleans/doc/srv%2F1"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal((string)saved["rev"]!, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["rev"]!);
        }

        // An HTTP device reads it on demand, edits it; the server (which holds it) gets the edit in a round.
        var device = await _peers.OpenAsync("orleans");
        await device.AddPeerAsync(mirror.Url);
        var doc = (await device.ReadDocAsync("srv/1"))!;
        doc["text"] = "edited on a device";
        var edited = await device.SaveDocAsync(doc);
        await device.SyncAsync();
        await server.SyncAsync();
        var onServer = (await server.ReadDocAsync("srv/1"))!;
        Assert.Equal((string)edited["rev"]!, (string)onServer["rev"]!);

        // A Mirror-mode server pulls everything through grain calls, and reads unknown records on demand.
        await device.SaveDocAsync(Peers.Doc("dev/2", "only on the device"));
        await device.SyncAsync();
        var replica = await _peers.OpenAsync("orleans", configure: o => o.UseOrleans());
        await replica.SetModeAsync(DbMode.Mirror);
        await replica.AddPeerAsync(orleansUrl);
        await replica.SyncAsync();
        Assert.Equal(["dev/2", "srv/1"], await replica.ListIdsAsync().ToListAsync());
        var reader = await _peers.OpenAsync("orleans", configure: o => o.UseOrleans(clusterId: "mynosql", serviceId: "mynosql"));
        await reader.AddPeerAsync(orleansUrl);
        Assert.Equal("only on the device", (string)(await reader.ReadDocAsync("dev/2"))!["text"]!);
    }

    [Fact]
    public async Task Both_transports_run_the_same_sync_service_checkpoints_and_per_leaf_push_answers()
    {
        string db = "both" + Guid.NewGuid().ToString("N")[..8];
        var writer = await _peers.OpenAsync(db);
        for (int i = 0; i < 5; i++) await writer.SaveDocAsync(Peers.Doc($"w/{i}", $"doc {i}"));
        await writer.AddPeerAsync(mirror.Url);
        await writer.SyncAsync();
        Assert.Equal(0, writer.GetSyncStatus().PendingWrites);

        using var http = new HttpSyncTransport(TimeSpan.FromSeconds(30), null);
        using var orleans = new OrleansSyncTransport("mynosql", "mynosql");
        string orleansUrl = $"orleans://127.0.0.1:{mirror.GatewayPort}";

        // The same pages through either transport, and a checkpoint from one resumes on the other.
        var viaHttp = await http.GetChangesAsync(mirror.Url, db, null, 1000, [], CancellationToken.None);
        var viaOrleans = await orleans.GetChangesAsync(orleansUrl, db, null, 1000, [], CancellationToken.None);
        Assert.Equal(viaHttp.Entries.Select(e => (e.Id, e.Rev)).Order(), viaOrleans.Entries.Select(e => (e.Id, e.Rev)).Order());
        Assert.Equal(viaHttp.Checkpoint, viaOrleans.Checkpoint);
        Assert.Empty((await orleans.GetChangesAsync(orleansUrl, db, viaHttp.Checkpoint, 1000, [], CancellationToken.None)).Entries);
        Assert.Null((await http.GetChangesAsync(mirror.Url, db, viaOrleans.Checkpoint, 1000, [], CancellationToken.None)).Checkpoint);

        // A push answers per leaf with the revision, the same names over both transports.
        var batch = await http.FetchAsync(mirror.Url, db, ["w/1", "w/2"], CancellationToken.None);
        var overOrleans = await orleans.PushAsync(orleansUrl, db, batch, ["w/1", "w/2"], CancellationToken.None);
        var overHttp = await http.PushAsync(mirror.Url, db, batch, ["w/1", "w/2"], CancellationToken.None);
        Assert.Equal(overHttp, overOrleans);
        Assert.All(overOrleans, r => Assert.Equal("known", r.Status));
        Assert.Equal(viaHttp.Entries.Where(e => e.Id is "w/1" or "w/2").Select(e => (e.Id, e.Rev)).Order(), overOrleans.Select(r => (r.Id, r.Rev)).Order());
        Assert.Equal(batch, await orleans.FetchAsync(orleansUrl, db, ["w/1", "w/2"], CancellationToken.None));
    }
}

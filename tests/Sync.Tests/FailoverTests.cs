using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests;

/// <summary>A peer learns every mirror from one and fails over when the mirror it uses stops.</summary>
[Collection(ThreeMirrorsCollection.Name)]
public sealed class FailoverTests(ThreeMirrorsFixture cluster) : IAsyncLifetime
{
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    [Fact]
    public async Task A_stopped_mirror_is_replaced_by_another_and_nothing_is_lost()
    {
        var used = cluster.Mirrors[2]; // not the primary, which holds localhost membership
        var peer = await _peers.OpenAsync("failover");
        await peer.AddPeerAsync(used.BaseUrl);
        Assert.Equal(cluster.Mirrors.Select(m => m.BaseUrl).Order(), peer.GetSyncStatus().Mirrors.Order());

        await peer.SaveDocAsync(Peers.Doc("before", "1"));
        await peer.SyncAsync();
        Assert.Equal(used.BaseUrl, peer.GetSyncStatus().MirrorInUse);

        await used.StopAsync(TimeSpan.FromSeconds(60));
        var after = await peer.SaveDocAsync(Peers.Doc("after", "2"));
        await peer.SyncAsync();
        var status = peer.GetSyncStatus();
        Assert.NotEqual(used.BaseUrl, status.MirrorInUse);
        Assert.Equal(0, status.PendingWrites);

        using var response = await cluster.Http.GetAsync($"{status.MirrorInUse}/db/failover/doc/after");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var onMirror = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal((string)after["rev"]!, (string)onMirror["rev"]!);

        // Another peer that only knows the stopped mirror cannot sync; one that knows the cluster reads on demand.
        var stranger = await _peers.OpenAsync("failover");
        await stranger.AddPeerAsync(used.BaseUrl);
        await Assert.ThrowsAsync<MyNoSqlException>(() => stranger.SyncAsync());
        var reader = await _peers.OpenAsync("failover");
        foreach (var m in cluster.Mirrors) await reader.AddPeerAsync(m.BaseUrl);
        Assert.Equal("1", (string)(await reader.ReadDocAsync("before"))!["text"]!);
    }
}

using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests.Delta;

/// <summary>
/// Delta sync across mirrors of one cluster: a record edited 30 times offline, pushed to one mirror, reaches another
/// mirror (replication / read repair carry the stored 100-revision ancestry and the stamp) and a peer that pulls from that
/// other mirror while holding the old revision, as a descendant: no conflict anywhere.
/// </summary>
[Collection(ThreeMirrorsCollection.Name)]
public sealed class DeltaMirrorsTests(ThreeMirrorsFixture cluster) : IAsyncLifetime
{
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    private async Task<(MyNoSqlDb Peer, SyncRecorder Recorder)> OpenOnAsync(string db, SiloProcess mirror)
    {
        // Pinned to one mirror (FailoverTests stops mirror 2 of this fixture: only mirrors 0 and 1 are used here).
        var recorder = new SyncRecorder(mirror.BaseUrl);
        var peer = await _peers.OpenAsync(db, configure: recorder.Configure);
        await peer.AddPeerAsync(SyncRecorder.Url);
        return (peer, recorder);
    }

    private async Task<JsonObject> GetAsync(string url)
    {
        using var response = await cluster.Http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task Thirty_offline_edits_pushed_to_one_mirror_reach_another_mirror_and_its_peer_without_a_conflict()
    {
        string db = "delta-mirrors";
        var (a, _) = await OpenOnAsync(db, cluster.Mirrors[0]);
        var (b, reads) = await OpenOnAsync(db, cluster.Mirrors[1]);
        var doc = await a.SaveDocAsync(Peers.Doc("m", "v0"));
        await a.SyncAsync();
        Assert.Equal((string)doc["rev"]!, (string)(await b.ReadDocAsync("m"))!["rev"]!);

        for (int i = 1; i <= 30; i++)
        {
            doc["text"] = $"offline edit {i}";
            doc = await a.SaveDocAsync(doc);
        }
        await a.SyncAsync();
        Assert.Equal(0, a.GetSyncStatus().PendingWrites);

        foreach (var mirror in cluster.Mirrors.Take(2))
        {
            var stored = await GetAsync($"{mirror.BaseUrl}/db/{db}/doc/m");
            Assert.Equal((string)doc["rev"]!, (string)stored["rev"]!);
            Assert.Empty((await GetAsync($"{mirror.BaseUrl}/db/{db}/conflicts/m"))["conflicts"]!.AsArray());
        }

        reads.Clear();
        await b.SyncAsync();
        // Checked before the read: a read more than ReadFreshness after the pull would rightly fetch once more.
        Assert.Equal([1], reads.FetchedWithRev);
        var read = await b.ReadDocAsync("m");
        Assert.Equal((string)doc["rev"]!, (string)read!["rev"]!);
        Assert.Equal("offline edit 30", (string)read["text"]!);
        Assert.Empty(await b.GetConflictsAsync("m"));

        // The stamp A's clock gave the last edit, as mirror 1 stores it and as B holds it.
        var onA = (await a.GetHistoryAsync("m"))[0];
        Assert.Equal(onA.SavedAt, (await b.GetHistoryAsync("m"))[0].SavedAt);
        using var content = new StringContent("[\"m\"]", Encoding.UTF8, "application/json");
        using var response = await cluster.Http.PostAsync($"{cluster.Mirrors[1].BaseUrl}/db/{db}/sync/fetch", content);
        response.EnsureSuccessStatusCode();
        var leaf = Assert.Single(Assert.Single(SyncBatch.Decode(await response.Content.ReadAsByteArrayAsync())).Leaves);
        Assert.Equal(onA.SavedAt!.Value.ToUnixTimeMilliseconds(), leaf.Stamp >> 16);
        Assert.Equal(30, leaf.Ancestry.Length); // every ancestor down to the first revision: within the 100 stored
    }
}

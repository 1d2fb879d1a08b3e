using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;
using Xunit.Abstractions;

namespace MyNoSql.Sync.Tests;

/// <summary>
/// Tombstones leave the sync index after the horizon (here 2 s, against a mirror of its own); a peer that did not pull
/// within the horizon resyncs fully instead of keeping a deleted record alive.
/// </summary>
public sealed class TombstoneHorizonTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Peers _peers = new();
    private readonly TempDirectory _data = new("mynosql-horizon-mirror-");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private SiloProcess _mirror = null!;

    public async Task InitializeAsync()
    {
        _mirror = SiloProcess.Start(_data.Path, FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), "--tombstone-horizon-seconds", "2");
        await _mirror.WaitHealthyAsync(_http, TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        await _peers.DisposeAsync();
        await _mirror.DisposeAsync();
        _http.Dispose();
        _data.Dispose();
    }

    private async Task<List<string>> FeedIdsAsync(string? since = null)
    {
        string url = $"{_mirror.BaseUrl}/db/horizon/sync/changes?limit=10000" + (since is null ? "" : "&since=" + Uri.EscapeDataString(since));
        var page = JsonNode.Parse(await _http.GetStringAsync(url))!;
        Assert.Equal(2, (long)page["horizon"]!);
        return [.. page["changes"]!.AsArray().Select(c => (string)c!["id"]!)];
    }

    [Fact]
    public async Task A_peer_away_longer_than_the_horizon_resyncs_and_does_not_keep_a_purged_deletion_alive()
    {
        var writer = await _peers.OpenAsync("horizon");
        await writer.AddPeerAsync(_mirror.BaseUrl);
        await writer.SaveDocAsync(Peers.Doc("keep", "stays"));
        var gone = await writer.SaveDocAsync(Peers.Doc("gone", "deleted while the reader is away"));
        await writer.SyncAsync();

        string readerDir = _peers.NewDirectory();
        var reader = await _peers.OpenAsync("horizon", readerDir);
        await reader.SetModeAsync(DbMode.Mirror);
        await reader.AddPeerAsync(_mirror.BaseUrl);
        await reader.SyncAsync();
        Assert.Equal(["gone", "keep"], await reader.ListIdsAsync().ToListAsync());
        await _peers.CloseAsync(reader);
        string readerCheckpoint = (string)JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(readerDir, "horizon", "peer.json")))!["syncCheckpoint"]!;

        await writer.DeleteDocAsync("gone", (string)gone["rev"]!);
        await writer.SyncAsync();
        // Not asserted here that the feed lists the tombstone: with a 2 s horizon and a 1 s purge timer it may already be
        // gone on a loaded machine. The deletion reached the mirror: its GET below is 404.

        // Past the horizon the tombstone leaves the index: the reader's own checkpoint would never mention it again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await FeedIdsAsync()).Contains("gone"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the tombstone never left the sync index");
            await Task.Delay(200);
        }
        Assert.DoesNotContain("gone", await FeedIdsAsync(readerCheckpoint));
        Assert.Equal(["keep"], await FeedIdsAsync());
        // The mirror's store keeps the tombstone: the record stays deleted there.
        using (var read = await _http.GetAsync($"{_mirror.BaseUrl}/db/horizon/doc/gone"))
            Assert.Equal(System.Net.HttpStatusCode.NotFound, read.StatusCode);

        reader = await _peers.OpenAsync("horizon", readerDir);
        // Still alive locally until it syncs (listed, not read: a read would refresh it from the mirror, ReadFreshness).
        Assert.Contains("gone", await reader.ListIdsAsync().ToListAsync());
        await reader.SyncAsync();
        output.WriteLine($"after the resync: {string.Join(", ", await reader.ListIdsAsync().ToListAsync())}");
        Assert.Equal(["keep"], await reader.ListIdsAsync().ToListAsync());
        Assert.Null(await reader.ReadDocAsync("gone"));
        Assert.Equal(0, reader.GetSyncStatus().PendingWrites);

        // A round soon after is an ordinary incremental one again.
        await writer.SaveDocAsync(Peers.Doc("later", "new"));
        await writer.SyncAsync();
        await reader.SyncAsync();
        Assert.Equal(["keep", "later"], await reader.ListIdsAsync().ToListAsync());
    }
}

using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;
using Xunit.Abstractions;

namespace MyNoSql.Sync.Tests;

/// <summary>Peers in separate data directories syncing with one real mirror process over the HTTP gateway.</summary>
[Collection(MirrorCollection.Name)]
public sealed class SyncTests(MirrorFixture mirror, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    private async Task<JsonObject?> MirrorReadAsync(string db, string id)
    {
        using var response = await mirror.Http.GetAsync($"{mirror.Url}/db/{db}/doc/{Uri.EscapeDataString(id)}");
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task Offline_writes_stay_pending_and_reach_the_mirror_after_AddPeer_and_a_round()
    {
        var peer = await _peers.OpenAsync("offline");
        var saved = new List<JsonObject>();
        for (int i = 0; i < 5; i++) saved.Add(await peer.SaveDocAsync(Peers.Doc($"log/{i}", $"entry {i}")));

        await Assert.ThrowsAsync<MyNoSqlException>(() => peer.SyncAsync()); // no mirror known
        // A mirror that is down: remembered, the round fails, nothing is lost.
        string dead = $"http://127.0.0.1:{FreePorts.Next()}";
        await peer.AddPeerAsync(dead);
        await Assert.ThrowsAsync<MyNoSqlException>(() => peer.SyncAsync());
        var status = peer.GetSyncStatus();
        Assert.Equal(5, status.PendingWrites);
        Assert.NotNull(status.LastError);
        Assert.Null(status.LastSuccess);
        Assert.Contains(dead, status.Mirrors);

        await peer.AddPeerAsync(mirror.Url);
        await peer.SyncAsync();
        status = peer.GetSyncStatus();
        Assert.Equal(0, status.PendingWrites);
        Assert.Equal(mirror.Url, status.MirrorInUse);
        Assert.NotNull(status.LastSuccess);
        Assert.Null(status.LastError);
        foreach (var doc in saved)
        {
            var onMirror = await MirrorReadAsync("offline", (string)doc["id"]!);
            Assert.NotNull(onMirror);
            Assert.Equal((string)doc["rev"]!, (string)onMirror["rev"]!);
            Assert.Equal((string)doc["text"]!, (string)onMirror["text"]!);
        }
    }

    [Fact]
    public async Task A_second_peer_fetches_on_demand_then_serves_locally_offline()
    {
        var writer = await _peers.OpenAsync("ondemand");
        await writer.AddPeerAsync(mirror.Url);
        var saved = await writer.SaveDocAsync(Peers.Doc("/Comedy/MontyPython/Actor:JohnCleese", "tall"));
        await writer.SyncAsync();

        string readerDir = _peers.NewDirectory();
        var reader = await _peers.OpenAsync("ondemand", readerDir);
        await reader.AddPeerAsync(mirror.Url);
        Assert.Empty(await reader.ListIdsAsync().ToListAsync());
        var read = await reader.ReadDocAsync("/Comedy/MontyPython/Actor:JohnCleese");
        Assert.NotNull(read);
        Assert.Equal((string)saved["rev"]!, (string)read["rev"]!);
        Assert.Null(await reader.ReadDocAsync("/Comedy/nobody"));
        await _peers.CloseAsync(reader);

        // The network is down now: the cached copy is served; an unknown id is null and the error recorded.
        var offline = await _peers.OpenAsync("ondemand", readerDir, offline: true);
        var again = await offline.ReadDocAsync("/Comedy/MontyPython/Actor:JohnCleese");
        Assert.NotNull(again);
        Assert.Equal("tall", (string)again["text"]!);
        Assert.Equal(["/Comedy/MontyPython/Actor:JohnCleese"], await offline.ListIdsAsync().ToListAsync());
        Assert.Null(await offline.ReadDocAsync("/Comedy/MichaelPalin"));
        Assert.NotNull(offline.GetSyncStatus().LastError);
        await Assert.ThrowsAsync<MyNoSqlException>(() => offline.SyncAsync());
    }

    [Fact]
    public async Task An_update_on_one_peer_reaches_a_peer_that_holds_the_record_and_only_that()
    {
        var a = await _peers.OpenAsync("update");
        var b = await _peers.OpenAsync("update");
        await a.AddPeerAsync(mirror.Url);
        await b.AddPeerAsync(mirror.Url);
        var doc = await a.SaveDocAsync(Peers.Doc("game/level1", "v1"));
        await a.SaveDocAsync(Peers.Doc("game/level2", "v1"));
        await a.SyncAsync();
        Assert.Equal("v1", (string)(await b.ReadDocAsync("game/level1"))!["text"]!);

        doc["text"] = "v2";
        var updated = await a.SaveDocAsync(doc);
        await a.SyncAsync();
        await b.SyncAsync();
        // Peer mode: b refreshed what it holds and did not download the rest.
        Assert.Equal(["game/level1"], await b.ListIdsAsync().ToListAsync());
        var local = await b.ReadDocAsync("game/level1");
        Assert.Equal((string)updated["rev"]!, (string)local!["rev"]!);
        Assert.Equal("v2", (string)local["text"]!);

        // A delete is a revision like any other: the holder sees the record gone after a round.
        await a.DeleteDocAsync("game/level1", (string)updated["rev"]!);
        await a.SyncAsync();
        await b.SyncAsync();
        Assert.Null(await b.ReadDocAsync("game/level1"));
        Assert.Empty(await b.ListIdsAsync().ToListAsync());
        Assert.Null(await MirrorReadAsync("update", "game/level1"));
    }

    [Fact]
    public async Task A_mirror_mode_peer_with_prefixes_keeps_only_those_records()
    {
        var writer = await _peers.OpenAsync("partial");
        await writer.AddPeerAsync(mirror.Url);
        foreach (var id in new[] { "/eu/paris", "/eu/rome", "/us/austin", "/asia/tokyo" })
            await writer.SaveDocAsync(Peers.Doc(id, id));
        await writer.SyncAsync();

        var partial = await _peers.OpenAsync("partial", prefixes: ["/eu/", "/asia/"]);
        await partial.SetModeAsync(DbMode.Mirror);
        await partial.AddPeerAsync(mirror.Url);
        await partial.SyncAsync();
        Assert.Equal(["/asia/tokyo", "/eu/paris", "/eu/rome"], await partial.ListIdsAsync().ToListAsync());
    }

    [Fact]
    public async Task The_same_record_edited_on_two_offline_peers_converges_with_the_loser_kept()
    {
        var a = await _peers.OpenAsync("conflict");
        var b = await _peers.OpenAsync("conflict");
        await a.AddPeerAsync(mirror.Url);
        await b.AddPeerAsync(mirror.Url);
        await a.SaveDocAsync(Peers.Doc("shared", "base"));
        await a.SyncAsync();
        var onA = (await a.ReadDocAsync("shared"))!;
        var onB = (await b.ReadDocAsync("shared"))!;

        onA["text"] = "edited on a";
        onB["text"] = "edited on b";
        string revA = (string)(await a.SaveDocAsync(onA))["rev"]!;
        string revB = (string)(await b.SaveDocAsync(onB))["rev"]!;
        Assert.NotEqual(revA, revB);
        // Same generation: the higher hash wins everywhere.
        string winner = string.CompareOrdinal(revA, revB) > 0 ? revA : revB;
        string loser = winner == revA ? revB : revA;
        var (first, second) = winner == revA ? (b, a) : (a, b);

        await first.SyncAsync();
        await second.SyncAsync();
        await first.SyncAsync();

        foreach (var peer in new[] { a, b })
        {
            var doc = await peer.ReadDocAsync("shared");
            Assert.Equal(winner, (string)doc!["rev"]!);
            var conflicts = await peer.GetConflictsAsync("shared");
            Assert.Equal([loser], conflicts.Select(c => (string)c["rev"]!));
            Assert.Equal(0, peer.GetSyncStatus().PendingWrites);
        }
        Assert.Equal(winner, (string)(await MirrorReadAsync("conflict", "shared"))!["rev"]!);
    }

    [Fact]
    public async Task A_peer_whose_edit_won_learns_a_losing_branch_pushed_later_and_the_gateway_lists_and_resolves_it()
    {
        var a = await _peers.OpenAsync("lateloser");
        var b = await _peers.OpenAsync("lateloser");
        await a.AddPeerAsync(mirror.Url);
        await b.AddPeerAsync(mirror.Url);
        var doc = await a.SaveDocAsync(Peers.Doc("shared", "base"));
        await a.SyncAsync();
        var onB = (await b.ReadDocAsync("shared"))!;

        // a edits twice (generation 3) and wins; b's single offline edit (generation 2) arrives after it.
        doc["text"] = "a1";
        doc = await a.SaveDocAsync(doc);
        doc["text"] = "a2";
        string winner = (string)(await a.SaveDocAsync(doc))["rev"]!;
        onB["text"] = "b1";
        string loser = (string)(await b.SaveDocAsync(onB))["rev"]!;
        await a.SyncAsync();
        await b.SyncAsync();
        Assert.Equal(winner, (string)(await MirrorReadAsync("lateloser", "shared"))!["rev"]!);

        // The mirror's winner did not change, yet a learns the new losing branch from the index.
        await a.SyncAsync();
        foreach (var peer in new[] { a, b })
        {
            Assert.Equal(winner, (string)(await peer.ReadDocAsync("shared"))!["rev"]!);
            Assert.Equal([loser], (await peer.GetConflictsAsync("shared")).Select(c => (string)c["rev"]!));
        }

        var listed = await GetJsonAsync($"{mirror.Url}/db/lateloser/conflicts/shared");
        Assert.Equal(winner, (string)listed["rev"]!);
        var losers = listed["conflicts"]!.AsArray();
        Assert.Equal(loser, (string)losers.Single()!["rev"]!);
        Assert.Equal("b1", (string)losers.Single()!["text"]!);
        using (var missing = await mirror.Http.GetAsync($"{mirror.Url}/db/lateloser/conflicts/nobody"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Deleting the loser by its rev on the gateway resolves the conflict, and the peers learn that too.
        using (var resolved = await mirror.Http.DeleteAsync($"{mirror.Url}/db/lateloser/doc/shared?rev={loser}"))
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        Assert.Empty((await GetJsonAsync($"{mirror.Url}/db/lateloser/conflicts/shared"))["conflicts"]!.AsArray());
        Assert.Equal(winner, (string)(await MirrorReadAsync("lateloser", "shared"))!["rev"]!);
        foreach (var peer in new[] { a, b })
        {
            await peer.SyncAsync();
            Assert.Empty(await peer.GetConflictsAsync("shared"));
            Assert.Equal(winner, (string)(await peer.ReadDocAsync("shared"))!["rev"]!);
        }
    }

    [Fact]
    public async Task The_changes_feed_is_filtered_by_prefix_on_the_mirror()
    {
        var writer = await _peers.OpenAsync("prefixfeed");
        await writer.AddPeerAsync(mirror.Url);
        for (int i = 0; i < 50; i++) await writer.SaveDocAsync(Peers.Doc($"/us/{i:D3}", "far"));
        foreach (var id in new[] { "/eu/paris", "/eu/rome" }) await writer.SaveDocAsync(Peers.Doc(id, id));
        await writer.SyncAsync();

        var page = await GetJsonAsync($"{mirror.Url}/db/prefixfeed/sync/changes?limit=1000&prefix=%2Feu%2F&prefix=%2Fasia%2F");
        Assert.Equal(["/eu/paris", "/eu/rome"], page["changes"]!.AsArray().Select(c => (string)c!["id"]!).Order(StringComparer.Ordinal));
        Assert.False((bool)page["more"]!);
        using (var bad = await mirror.Http.GetAsync($"{mirror.Url}/db/prefixfeed/sync/changes?prefix="))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // A filtered peer's pull carries only its entries: far fewer bytes than the 52 ids.
        var partial = await _peers.OpenAsync("prefixfeed", prefixes: ["/eu/"]);
        await partial.SetModeAsync(DbMode.Mirror);
        await partial.AddPeerAsync(mirror.Url);
        await partial.SyncAsync();
        Assert.Equal(["/eu/paris", "/eu/rome"], await partial.ListIdsAsync().ToListAsync());
        await writer.SaveDocAsync(Peers.Doc("/eu/berlin", "new"));
        await writer.SyncAsync();
        await partial.SyncAsync();
        Assert.Equal(["/eu/berlin", "/eu/paris", "/eu/rome"], await partial.ListIdsAsync().ToListAsync());
    }

    private async Task<JsonObject> GetJsonAsync(string url)
    {
        using var response = await mirror.Http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task Ten_thousand_offline_writes_sync_in_one_round_and_a_mirror_mode_peer_pulls_them_all()
    {
        var pushLog = new ProgressLog();
        var peer = await _peers.OpenAsync("bulk", progress: pushLog);
        for (int chunk = 0; chunk < 10; chunk++)
            await peer.SaveDocsAsync(Enumerable.Range(chunk * 1000, 1000).Select(i => Peers.Doc($"sensor/{i:D5}", $"reading {i}")));
        Assert.Equal(10_000, peer.GetSyncStatus().PendingWrites);

        await peer.AddPeerAsync(mirror.Url);
        await peer.SyncAsync();
        Assert.Equal(0, peer.GetSyncStatus().PendingWrites);
        // One report per push batch, the outbox shrinking by a batch each time.
        var pushed = pushLog.Reports.Select(r => r.WritesToPush).Take(10).ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 9000L - i * 1000), pushed);
        foreach (int i in new[] { 0, 4321, 9999 })
            Assert.Equal($"reading {i}", (string)(await MirrorReadAsync("bulk", $"sensor/{i:D5}"))!["text"]!);

        var pullLog = new ProgressLog();
        var replica = await _peers.OpenAsync("bulk", progress: pullLog);
        await replica.SetModeAsync(DbMode.Mirror);
        await replica.AddPeerAsync(mirror.Url);
        await replica.SyncAsync();
        var ids = await replica.ListIdsAsync("sensor/").ToListAsync();
        Assert.Equal(10_000, ids.Count);
        var last = pullLog.Reports[^1];
        Assert.Equal((10_000L, 10_000L, false), (last.ChangesPulled, last.RecordsFetched, last.MoreToPull));
        Assert.True(pullLog.Reports[0].MoreToPull); // pages of 5000 changes
        Assert.Equal("reading 777", (string)(await replica.ReadDocAsync("sensor/00777"))!["text"]!);
    }

    [Fact]
    public async Task A_no_change_round_costs_under_512_bytes_on_the_wire()
    {
        var writer = await _peers.OpenAsync("poll");
        await writer.SaveDocsAsync(Enumerable.Range(0, 500).Select(i => Peers.Doc($"item/{i}", new string('x', 200))));
        await writer.AddPeerAsync(mirror.Url);
        await writer.SyncAsync();

        var replica = await _peers.OpenAsync("poll");
        await replica.SetModeAsync(DbMode.Mirror);
        await replica.AddPeerAsync(mirror.Url);
        await replica.SyncAsync();
        Assert.Equal(500, await replica.ListIdsAsync().CountAsync());

        foreach (var peer in new[] { writer, replica })
        {
            await peer.SyncAsync(); // settles the checkpoint after the peer's own push
            _peers.Wire.Reset();
            await peer.SyncAsync();
            long total = _peers.Wire.Sent + _peers.Wire.Received;
            output.WriteLine($"{peer.Mode} no-change round: {_peers.Wire.Sent} bytes up, {_peers.Wire.Received} down");
            Assert.True(total is > 0 and < 512, $"a no-change round cost {_peers.Wire.Sent} bytes up and {_peers.Wire.Received} down");
        }
    }

    [Fact]
    public async Task The_background_loop_pushes_soon_after_a_write()
    {
        var peer = await _peers.OpenAsync("background", interval: TimeSpan.FromSeconds(30));
        await peer.AddPeerAsync(mirror.Url);
        var doc = await peer.SaveDocAsync(Peers.Doc("bg/1", "pushed by the loop"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonObject? onMirror = null;
        while (DateTime.UtcNow < deadline && (onMirror = await MirrorReadAsync("background", "bg/1")) is null)
            await Task.Delay(100);
        Assert.NotNull(onMirror);
        Assert.Equal((string)doc["rev"]!, (string)onMirror["rev"]!);
        while (DateTime.UtcNow < deadline && peer.GetSyncStatus().PendingWrites != 0) await Task.Delay(100);
        Assert.Equal(0, peer.GetSyncStatus().PendingWrites);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;
using Xunit.Abstractions;

namespace MyNoSql.Sync.Tests;

/// <summary>A round cut off mid-way keeps what was acknowledged and resumes without loss or duplication.</summary>
[Collection(MirrorCollection.Name)]
public sealed class ResumeTests(MirrorFixture mirror, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    private async Task<HashSet<string>> MirrorIdsAsync(string db)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            string url = $"{mirror.Url}/db/{db}/docs?limit=1000" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after));
            var page = JsonNode.Parse(await mirror.Http.GetStringAsync(url))!;
            foreach (var id in page["ids"]!.AsArray()) ids.Add((string)id!);
            after = (string?)page["next"];
        } while (after is not null);
        return ids;
    }

    [Fact]
    public async Task A_push_cut_mid_round_resumes_without_loss_or_duplication()
    {
        var peer = await _peers.OpenAsync("resume");
        var saved = new Dictionary<string, string>();
        for (int chunk = 0; chunk < 3; chunk++)
        {
            // ~200 hex chars of random content per record: a push batch of 1000 records is roughly 100–200 KB.
            var docs = await peer.SaveDocsAsync(Enumerable.Range(chunk * 1000, 1000)
                .Select(i => Peers.Doc($"cut/{i:D5}", Convert.ToHexString(Guid.NewGuid().ToByteArray()) + string.Concat(Enumerable.Range(0, 6).Select(_ => Guid.NewGuid().ToString("N"))))));
            foreach (var d in docs) saved[(string)d["id"]!] = (string)d["rev"]!;
        }
        await peer.AddPeerAsync(mirror.Url);

        _peers.Wire.Reset();
        _peers.Wire.CutAfterSent = 200_000;
        await Assert.ThrowsAsync<MyNoSqlException>(() => peer.SyncAsync());
        var status = peer.GetSyncStatus();
        Assert.NotNull(status.LastError);
        long pending = status.PendingWrites;
        var onMirror = await MirrorIdsAsync("resume");
        output.WriteLine($"after the cut: {pending} pending, {onMirror.Count} on the mirror, {_peers.Wire.Sent} bytes sent");
        // What left the outbox is on the mirror; nothing is both lost and cleared.
        Assert.True(onMirror.Count >= 3000 - pending, $"{onMirror.Count} on the mirror, {pending} pending");

        _peers.Wire.CutAfterSent = null;
        await peer.SyncAsync();
        Assert.Equal(0, peer.GetSyncStatus().PendingWrites);
        onMirror = await MirrorIdsAsync("resume");
        Assert.Equal(saved.Keys.Order(), onMirror.Order());
        // No duplicated or new revisions: the mirror holds exactly the peer's revisions.
        foreach (var id in new[] { "cut/00000", "cut/01500", "cut/02999" })
        {
            using var response = await mirror.Http.GetAsync($"{mirror.Url}/db/resume/doc/{Uri.EscapeDataString(id)}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(saved[id], (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["rev"]!);
        }
    }

    [Fact]
    public async Task A_peer_process_killed_mid_round_resumes_without_loss_or_duplication()
    {
        const int Count = 6000;
        string directory = _peers.NewDirectory();
        var peer = await _peers.OpenAsync("killed", directory);
        var saved = new Dictionary<string, string>();
        for (int chunk = 0; chunk < Count / 1000; chunk++)
        {
            var docs = await peer.SaveDocsAsync(Enumerable.Range(chunk * 1000, 1000)
                .Select(i => Peers.Doc($"kill/{i:D5}", string.Concat(Enumerable.Range(0, 8).Select(_ => Guid.NewGuid().ToString("N"))))));
            foreach (var d in docs) saved[(string)d["id"]!] = (string)d["rev"]!;
        }
        await peer.AddPeerAsync(mirror.Url);
        await _peers.CloseAsync(peer);

        // A real peer process runs the round; SIGKILL once the mirror acknowledged its first batch.
        long pendingAtKill;
        using (var worker = MyNoSql.PeerClient.Tests.ChildProcess.Start("sync", directory, "killed"))
        {
            var line = await worker.WaitForLineAsync(l => l.StartsWith("PROGRESS ", StringComparison.Ordinal) || l == "DONE", TimeSpan.FromSeconds(90));
            worker.Kill();
            Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.NotEqual("DONE", line);
            pendingAtKill = long.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        Assert.InRange(pendingAtKill, 0, Count - 1);

        peer = await _peers.OpenAsync("killed", directory);
        long pending = peer.GetSyncStatus().PendingWrites;
        output.WriteLine($"killed with {pendingAtKill} to push; {pending} pending after the restart");
        Assert.True(pending <= pendingAtKill, $"{pending} pending after the restart, {pendingAtKill} reported before the kill");
        await peer.SyncAsync();
        Assert.Equal(0, peer.GetSyncStatus().PendingWrites);
        Assert.Equal(saved.Keys.Order(), (await MirrorIdsAsync("killed")).Order());
        foreach (var id in new[] { "kill/00000", "kill/03000", $"kill/{Count - 1:D5}" })
        {
            using var response = await mirror.Http.GetAsync($"{mirror.Url}/db/killed/doc/{Uri.EscapeDataString(id)}");
            Assert.Equal(saved[id], (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["rev"]!);
        }
    }

    [Fact]
    public async Task A_pull_cut_mid_round_resumes_after_a_restart_from_the_saved_checkpoint()
    {
        var writer = await _peers.OpenAsync("pullcut");
        for (int chunk = 0; chunk < 10; chunk++)
            await writer.SaveDocsAsync(Enumerable.Range(chunk * 1000, 1000).Select(i => Peers.Doc($"r/{i:D5}", Guid.NewGuid().ToString("N"))));
        await writer.AddPeerAsync(mirror.Url);
        await writer.SyncAsync();

        // Calibrate: the bytes a full pull of the 10,000 records takes (two pages of 5000 changes).
        var full = await _peers.OpenAsync("pullcut");
        await full.SetModeAsync(DbMode.Mirror);
        await full.AddPeerAsync(mirror.Url);
        _peers.Wire.Reset();
        await full.SyncAsync();
        long fullBytes = _peers.Wire.Received;
        Assert.Equal(10_000, await full.ListIdsAsync().CountAsync());

        // Cut three quarters in (inside the second page), then restart the peer and resume.
        string dir = _peers.NewDirectory();
        var cut = await _peers.OpenAsync("pullcut", dir);
        await cut.SetModeAsync(DbMode.Mirror);
        await cut.AddPeerAsync(mirror.Url);
        _peers.Wire.Reset();
        _peers.Wire.CutAfterReceived = fullBytes * 3 / 4;
        await Assert.ThrowsAsync<MyNoSqlException>(() => cut.SyncAsync());
        _peers.Wire.CutAfterReceived = null;
        long before = await cut.ListIdsAsync().CountAsync();
        await _peers.CloseAsync(cut);
        output.WriteLine($"full pull {fullBytes} bytes; {before} records kept after the cut");

        var log = new ProgressLog();
        var resumed = await _peers.OpenAsync("pullcut", dir, progress: log);
        await resumed.SyncAsync();
        Assert.Equal(10_000, await resumed.ListIdsAsync().CountAsync());
        var last = log.Reports[^1];
        // The first page's checkpoint was saved with its records: the resumed round pulls only the rest.
        Assert.True(last.ChangesPulled < 10_000, $"resumed round pulled {last.ChangesPulled} changes, {last.RecordsFetched} records; {before} were kept");
        Assert.True(before >= 5000, $"{before} records kept after the cut");
    }
}

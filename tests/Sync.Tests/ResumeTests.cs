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
}

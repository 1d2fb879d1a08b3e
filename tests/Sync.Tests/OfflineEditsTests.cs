using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests;

/// <summary>
/// Many edits of one record between sync rounds: the pending record's ancestry reaches back to what the mirror
/// acknowledged, so the push is an accepted descendant, never a spurious conflict.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class OfflineEditsTests(MirrorFixture mirror) : IAsyncLifetime
{
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    private async Task<JsonObject> MirrorGetAsync(string path)
    {
        using var response = await mirror.Http.GetAsync($"{mirror.Url}{path}");
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task Fifty_edits_between_rounds_push_as_a_descendant_and_leave_no_conflict()
    {
        string db = "offline50";
        var peer = await _peers.OpenAsync(db);
        await peer.AddPeerAsync(mirror.Url);
        var doc = await peer.SaveDocAsync(Peers.Doc("counter", "edit 0"));
        await peer.SyncAsync();
        Assert.Equal((string)doc["rev"]!, (string)(await MirrorGetAsync($"/db/{db}/doc/counter"))["rev"]!);

        // Two rounds of many edits each: the second starts after the mirror acknowledged the first.
        foreach (int edits in new[] { 50, 30 })
        {
            for (int i = 1; i <= edits; i++)
            {
                doc["text"] = $"edit {i} of {edits}";
                doc = await peer.SaveDocAsync(doc);
            }
            Assert.Equal(1, peer.GetSyncStatus().PendingWrites);
            await peer.SyncAsync();

            Assert.Equal(0, peer.GetSyncStatus().PendingWrites);
            Assert.Empty(await peer.GetConflictsAsync("counter"));
            Assert.Equal((string)doc["rev"]!, (string)(await peer.ReadDocAsync("counter"))!["rev"]!);
            var onMirror = await MirrorGetAsync($"/db/{db}/doc/counter");
            Assert.Equal((string)doc["rev"]!, (string)onMirror["rev"]!);
            Assert.Equal($"edit {edits} of {edits}", (string)onMirror["text"]!);
            Assert.Empty((await MirrorGetAsync($"/db/{db}/conflicts/counter"))["conflicts"]!.AsArray());
        }
    }
}

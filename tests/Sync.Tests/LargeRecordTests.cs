using System.Net.Http.Headers;
using System.Text;
using MyNoSql.Grains;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests;

/// <summary>
/// Large records: a fetch answer ends once it holds about 16 MiB of content (bounded memory on the mirror and the
/// peer, and under the batch decoder's limit however large the records), and a peer asks again for the rest.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class LargeRecordTests(MirrorFixture mirror) : IAsyncLifetime
{
    private const int Records = 100;
    private const int Size = 300 << 10;
    private const long AnswerBytes = 16 << 20; // the mirrors' fetch answer budget (SyncService.FetchAnswerBytes)
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    [Fact]
    public async Task A_fetch_of_large_records_is_answered_in_parts_and_a_peer_pulls_them_all()
    {
        const string Db = "large";
        var writer = await _peers.OpenAsync(Db);
        for (int i = 0; i < Records; i++)
            await writer.SaveDocAsync(Peers.Doc($"big/{i:D3}", new string((char)('a' + i % 26), Size)));
        await writer.AddPeerAsync(mirror.Url);
        await writer.SyncAsync();
        Assert.Equal(0, writer.GetSyncStatus().PendingWrites);

        // The mirror's answer to one fetch of every id ends early, in the order asked.
        string[] ids = [.. Enumerable.Range(0, Records).Select(i => $"big/{i:D3}")];
        using var request = new StringContent("[" + string.Join(",", ids.Select(id => $"\"{id}\"")) + "]", Encoding.UTF8);
        request.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await mirror.Http.PostAsync($"{mirror.Url}/db/{Db}/sync/fetch", request);
        response.EnsureSuccessStatusCode();
        var answered = SyncBatch.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.InRange(answered.Count, 1, Records - 1);
        Assert.Equal(ids.Take(answered.Count), answered.Select(r => r.Id));
        Assert.InRange(answered.Sum(r => (long)r.Leaves[0].Body.Length), AnswerBytes, AnswerBytes + 64L * (Size + 1024));

        // A new full-copy peer pulls every record whole, asking again for what each answer left out.
        var reader = await _peers.OpenAsync(Db);
        await reader.SetModeAsync(DbMode.Mirror);
        await reader.AddPeerAsync(mirror.Url);
        await reader.SyncAsync();
        var local = new List<string>();
        await foreach (var id in reader.ListIdsAsync("big/")) local.Add(id);
        Assert.Equal(ids, local);
        for (int i = 0; i < Records; i++)
        {
            var doc = await reader.ReadDocAsync($"big/{i:D3}");
            Assert.NotNull(doc);
            Assert.Equal(Size, ((string)doc!["text"]!).Length);
        }
    }
}

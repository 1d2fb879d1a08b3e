using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests;

/// <summary>The peer's change feed with a real mirror: records that arrive by sync are reported with FromSync.</summary>
[Collection(MirrorCollection.Name)]
public sealed class ChangesSyncTests(MirrorFixture mirror) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    [Fact]
    public async Task Records_pulled_by_sync_reach_a_live_feed_flagged_FromSync_and_local_edits_are_not()
    {
        string db = "changes" + Guid.NewGuid().ToString("N")[..8];
        var writer = await _peers.OpenAsync(db);
        await writer.AddPeerAsync(mirror.Url);
        var saved = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < 3; i++) saved[$"s/{i}"] = (string)(await writer.SaveDocAsync(Peers.Doc($"s/{i}", $"v{i}")))["rev"]!;
        await writer.SyncAsync();

        var reader = await _peers.OpenAsync(db);
        await reader.SetModeAsync(DbMode.Mirror);
        await reader.AddPeerAsync(mirror.Url);
        using var cts = new CancellationTokenSource();
        var received = new List<Change>();
        var feed = Task.Run(async () =>
        {
            await foreach (var c in reader.ChangesAsync(live: true, includeDocs: true, cancellationToken: cts.Token))
                lock (received) received.Add(c);
        });

        await reader.SyncAsync();
        await WaitUntilAsync(() => Count(received) == 3, "the synced records");
        lock (received)
        {
            Assert.All(received, c => Assert.True(c.FromSync, c.Id));
            Assert.Equal(saved.OrderBy(p => p.Key, StringComparer.Ordinal), received.Select(c => KeyValuePair.Create(c.Id, c.Rev)).OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Equal("v1", (string)received.Single(c => c.Id == "s/1").Doc!["text"]!);
        }

        // A local edit of a synced record is not FromSync; pushing it (the mirror acknowledges) adds nothing.
        var edited = await reader.SaveDocAsync(new JsonObject { ["id"] = "s/0", ["rev"] = saved["s/0"], ["text"] = "edited here" });
        await WaitUntilAsync(() => Count(received) == 4, "the local edit");
        await reader.SyncAsync();
        Assert.Equal(0, reader.GetSyncStatus().PendingWrites);
        Change local;
        lock (received) local = received[3];
        Assert.Equal(("s/0", (string)edited["rev"]!, false), (local.Id, local.Rev, local.FromSync));
        Assert.Empty(await reader.ChangesAsync(local.Seq).ToListAsync());

        // The writer's next edit comes back by sync, flagged again.
        var update = await writer.SaveDocAsync(new JsonObject { ["id"] = "s/2", ["rev"] = saved["s/2"], ["text"] = "v2b" });
        await writer.SyncAsync();
        await reader.SyncAsync();
        await WaitUntilAsync(() => Count(received) == 5, "the writer's update");
        lock (received) Assert.Equal(("s/2", (string)update["rev"]!, true), (received[4].Id, received[4].Rev, received[4].FromSync));

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => feed.WaitAsync(Patience));
    }

    private static int Count(List<Change> received)
    {
        lock (received) return received.Count;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not arrive within {Patience}");
            await Task.Delay(20);
        }
    }
}

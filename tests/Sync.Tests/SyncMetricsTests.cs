using System.Diagnostics.Metrics;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests;

/// <summary>DESIGN §11 on a peer syncing with a real mirror: its sync rounds and sync bytes carry the database's name.</summary>
[Collection(MirrorCollection.Name)]
public sealed class SyncMetricsTests(MirrorFixture mirror) : IAsyncLifetime
{
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    [Fact]
    public async Task A_peers_sync_bytes_and_rounds_are_tagged_with_its_database()
    {
        string name = "metrics" + Guid.NewGuid().ToString("N")[..8];
        var counted = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "MyNoSql" && instrument.Name.StartsWith("mynosql.sync.", StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? db = null, direction = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "db") db = tag.Value as string;
                if (tag.Key == "direction") direction = tag.Value as string;
            }
            if (db != name) return;
            lock (counted)
            {
                string key = direction is null ? instrument.Name : $"{instrument.Name}/{direction}";
                counted[key] = counted.GetValueOrDefault(key) + value;
            }
        });
        listener.Start();

        var peer = await _peers.OpenAsync(name);
        await peer.AddPeerAsync(mirror.Url);
        for (int i = 0; i < 5; i++) await peer.SaveDocAsync(Peers.Doc($"m/{i}", new string('x', 200)));
        await peer.SyncAsync();

        lock (counted)
        {
            Assert.True(counted.GetValueOrDefault("mynosql.sync.rounds") >= 1, $"rounds: {counted.GetValueOrDefault("mynosql.sync.rounds")}");
            Assert.True(counted.GetValueOrDefault("mynosql.sync.bytes/sent") > 0, $"sent: {counted.GetValueOrDefault("mynosql.sync.bytes/sent")}");
            Assert.True(counted.GetValueOrDefault("mynosql.sync.bytes/received") > 0, $"received: {counted.GetValueOrDefault("mynosql.sync.bytes/received")}");
        }
    }
}

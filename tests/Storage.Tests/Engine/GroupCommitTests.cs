using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

public class GroupCommitTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ConcurrentWriters_ShareSyncs(bool dedicatedThreads)
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1, logThreshold: 64 << 20, dedicatedThreads: dedicatedThreads));
        const int writers = 16, each = 40;
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            await start.WaitAsync();
            for (int i = 0; i < each; i++) await store.WriteAsync(Record($"w{w}/{i}", 1));
        })).ToArray();
        start.Release(writers);
        await Task.WhenAll(tasks);
        var stats = store.GetStatistics();
        Assert.Equal(writers * each, stats.Keys);
        // Every durable write waits for a sync; batching means far fewer syncs than writes.
        Assert.True(stats.Syncs < writers * each / 3, $"{stats.Syncs} syncs for {writers * each} writes");
        Assert.True(stats.Syncs > 0);
    }

    [Fact]
    public async Task Batch_UsesOneSyncPerShard()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 4, logThreshold: 64 << 20));
        await store.WriteBatchAsync([.. Enumerable.Range(0, 500).Select(i => Record($"b{i}", 1))]);
        var stats = store.GetStatistics();
        Assert.Equal(500, stats.Keys);
        Assert.InRange(stats.Syncs, 1, 4);
    }
}

using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

public class BlockCacheTests
{
    [Fact]
    public async Task ReadingManyBlocks_StaysWithinTheLimit()
    {
        using var dir = new TempDirectory();
        const long limit = 8 << 10;
        var options = Small(shards: 1, blockSize: 2048, cacheBytes: limit);
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
            await store.WriteBatchAsync([.. Enumerable.Range(0, 400).Select(i => Record($"c{i:D3}", 1))]);
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            Assert.Equal(0, store.GetStatistics().CacheMisses); // opening decodes nothing
            for (int round = 0; round < 2; round++)
                for (int i = 0; i < 400; i++)
                {
                    Assert.Equal(Body($"c{i:D3}", 1), Text(await store.ReadAsync($"c{i:D3}")));
                    Assert.True(store.Cache.Bytes <= limit, $"cache holds {store.Cache.Bytes} B");
                }
            var stats = store.GetStatistics();
            Assert.True(stats.CacheMisses >= 30, $"{stats.CacheMisses} misses"); // ~40 blocks, cache fits ~3
            Assert.True(stats.CacheHits > 400, $"{stats.CacheHits} hits");        // neighbours share blocks
        }
    }

    [Fact]
    public async Task ConcurrentMisses_DecodeOnce()
    {
        var cache = new BlockCache(1 << 20, 4096);
        int loads = 0;
        using var gate = new ManualResetEventSlim();
        byte[] raw = [1, 3, 7, 7, 7];
        var block = DecodedBlock.TryParse(raw, raw.Length, null)!;
        var readers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => cache.Get(1, 0, () =>
        {
            Interlocked.Increment(ref loads);
            gate.Wait(TimeSpan.FromSeconds(5));
            return block;
        }))).ToArray();
        SpinWait.SpinUntil(() => cache.Misses == 8, TimeSpan.FromSeconds(5));
        gate.Set();
        var results = await Task.WhenAll(readers);
        Assert.Equal(1, loads);
        Assert.All(results, r => Assert.Same(block, r));
    }

    [Fact]
    public void WarmUpBlock_Decodes() => Assert.Equal("{\"warm\":\"up\"}   ", WarmUp.Run());
}

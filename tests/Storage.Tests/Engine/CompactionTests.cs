using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

public class CompactionTests
{
    [Fact]
    public async Task Sealing_DropsSupersededVersions()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1, logThreshold: 16 << 20));
        // 200 versions of 5 keys with incompressible-ish payloads: only the last versions may reach the segment.
        var random = new Random(7);
        for (int v = 1; v <= 200; v++)
        {
            var payload = new byte[1000];
            random.NextBytes(payload);
            await store.WriteAsync(new StoredRecord($"k{v % 5}", Rev(v), RecordFlags.None, payload));
        }
        await store.WriteAsync(Record("k0", 201));
        long logBytes = store.GetStatistics().LogBytes;
        await store.CompactAsync();
        var stats = store.GetStatistics();
        Assert.Equal(1, stats.Segments);
        Assert.True(stats.SegmentBytes < logBytes / 20, $"segment {stats.SegmentBytes} B vs log {logBytes} B");
        Assert.Equal(Body("k0", 201), Text(await store.ReadAsync("k0")));
        Assert.Equal(Rev(199), (await store.ReadAsync("k4"))!.Revision);
        Assert.Equal(5, store.Count);
    }

    [Fact]
    public async Task HighestLsnWins_AcrossSegmentsAndLog_AfterReopen()
    {
        using var dir = new TempDirectory();
        var options = Small(shards: 1, sealOnClose: false);
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            await store.WriteAsync(Record("a", 1));
            await store.WriteAsync(Record("b", 1));
            await store.WriteAsync(Record("c", 1));
            await store.CompactAsync();                  // segment 1: a1 b1 c1
            await store.WriteAsync(Record("a", 2));
            await store.WriteAsync(Record("b", 2));
            await store.CompactAsync();                  // segment 2: a2 b2
            await store.WriteAsync(Record("a", 3));      // log: a3
            Assert.Equal(2, store.GetStatistics().Segments);
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            Assert.Equal(Body("a", 3), Text(await store.ReadAsync("a")));
            Assert.Equal(Body("b", 2), Text(await store.ReadAsync("b")));
            Assert.Equal(Body("c", 1), Text(await store.ReadAsync("c")));
            Assert.Equal(Rev(2), (await store.ReadAsync("b"))!.Revision);
        }
    }

    [Fact]
    public async Task SparseSegments_AreRewritten()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1)))
        {
            await store.WriteBatchAsync([.. Enumerable.Range(0, 300).Select(i => Record($"s{i:D3}", 1))]);
            await store.CompactAsync();
            long before = store.GetStatistics().SegmentBytes;
            // Supersede 80 %: the first segment drops below half live and must be rewritten.
            await store.WriteBatchAsync([.. Enumerable.Range(0, 240).Select(i => Record($"s{i:D3}", 2))]);
            await store.CompactAsync();
            var stats = store.GetStatistics();
            Assert.True(stats.SegmentRewrites > 0);
            Assert.Equal(2, stats.Segments); // the new versions' segment + the 60 survivors rewritten
            Assert.True(stats.SegmentBytes < before * 1.5, $"after {stats.SegmentBytes} B, before {before} B");
            for (int i = 0; i < 300; i++)
                Assert.Equal(Body($"s{i:D3}", i < 240 ? 2 : 1), Text(await store.ReadAsync($"s{i:D3}")));
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1)))
        {
            Assert.Equal(300, store.Count);
            Assert.Equal(Body("s250", 1), Text(await store.ReadAsync("s250")));
            Assert.Equal(Body("s100", 2), Text(await store.ReadAsync("s100")));
        }
    }

    [Fact]
    public async Task BackgroundCompaction_SealsRotatedLogs()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1, background: true, logThreshold: 16 << 10));
        for (int i = 0; i < 300; i++) await store.WriteAsync(Record($"bg{i:D3}", 1));
        await WaitUntilAsync(() => store.GetStatistics().Seals > 0, "a background seal");
        for (int i = 0; i < 300; i += 17)
            Assert.Equal(Body($"bg{i:D3}", 1), Text(await store.ReadAsync($"bg{i:D3}")));
    }
}

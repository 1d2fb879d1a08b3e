using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>Reads of log-resident records through cached log pages (<c>Shard.ReadLogRecord</c>).</summary>
public sealed class LogPageReadTests
{
    private static StoreOptions Options(long cacheBytes = 1 << 20) => Small(shards: 1, sealOnClose: false, logThreshold: 64 << 20, cacheBytes: cacheBytes);

    [Fact]
    public async Task A_cached_page_serves_records_written_after_it_was_read()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Options());
        await store.WriteAsync(Record("k000", 1, padding: 20));
        Assert.Equal(Body("k000", 1, 20), Text(await store.ReadAsync("k000"))); // caches the page as far as k000
        for (int i = 1; i < 40; i++) await store.WriteAsync(Record($"k{i:D3}", 1, padding: 20));
        await store.WriteAsync(Record("k000", 2, padding: 20));
        for (int round = 0; round < 2; round++)
        {
            Assert.Equal(Body("k000", 2, 20), Text(await store.ReadAsync("k000")));
            for (int i = 1; i < 40; i++) Assert.Equal(Body($"k{i:D3}", 1, 20), Text(await store.ReadAsync($"k{i:D3}")));
        }
        var stats = store.GetStatistics();
        Assert.True(stats.CacheHits >= 40, $"second round should hit the cached page ({stats.CacheHits} hits, {stats.CacheMisses} misses)");
        Assert.True(stats.CacheBytes > 0);
    }

    [Fact]
    public async Task Frames_that_cross_a_page_boundary_are_read_from_both_pages()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Options());
        // ~250-byte frames: 8 KiB pages (the pool's second class with 4 KiB blocks) end inside some of them.
        for (int i = 0; i < 100; i++) await store.WriteAsync(Record($"k{i:D3}", 1));
        for (int round = 0; round < 2; round++)
            for (int i = 0; i < 100; i++) Assert.Equal(Body($"k{i:D3}", 1), Text(await store.ReadAsync($"k{i:D3}")));
        var stats = store.GetStatistics();
        Assert.True(stats.CacheHits >= 100, $"{stats.CacheHits} hits, {stats.CacheMisses} misses");
    }

    [Fact]
    public async Task Logs_larger_than_their_share_of_the_cache_are_read_without_it()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Options(cacheBytes: 8 << 10));
        for (int i = 0; i < 100; i++) await store.WriteAsync(Record($"k{i:D3}", 1));
        for (int i = 0; i < 100; i++) Assert.Equal(Body($"k{i:D3}", 1), Text(await store.ReadAsync($"k{i:D3}")));
        var stats = store.GetStatistics();
        Assert.Equal(0, stats.CacheHits + stats.CacheMisses);
    }

    [Fact]
    public async Task A_damaged_frame_read_through_a_page_names_its_log_and_offset()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Options());
        for (int i = 0; i < 3; i++) await store.WriteAsync(Record($"k{i:D3}", 1, padding: 20));
        // Durable appends bypass the page cache and the store serves its last 64 KiB of log from memory: move the
        // frames above out of that window, so their page is read from the file.
        for (int i = 0; i < 40; i++) await store.WriteAsync(Record($"filler{i:D2}", 1, padding: 2000));
        string log = Assert.Single(Files(dir.Path, "*.wal"));
        using (var file = File.OpenHandle(log, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            var b = new byte[1];
            RandomAccess.Read(file, b, 30); // inside the first frame (k000's), which starts at offset 0
            b[0] ^= 0x5A;
            RandomAccess.Write(file, b, 30);
        }
        var e = await Assert.ThrowsAsync<CorruptDataException>(async () => await store.ReadAsync("k000"));
        Assert.Equal(log, e.FilePath);
        Assert.Equal(0, e.Offset);
        Assert.Equal(Body("k001", 1, 20), Text(await store.ReadAsync("k001"))); // the same page, an intact frame
    }
}

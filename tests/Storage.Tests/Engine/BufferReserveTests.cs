using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// Buffers of a closed store's cache go to the process's reserve and the next store's misses take them, instead of
/// faulting in fresh pages (issue 14, fifth pass). Serial: the reserve is shared by every store of the process.
/// </summary>
[Collection(nameof(BufferReserveTests))]
public sealed class BufferReserveTests
{
    [Fact]
    public async Task A_reopened_store_reads_into_the_buffers_the_closed_one_left()
    {
        using var dir = new TempDirectory();
        var options = Small(shards: 2, sealOnClose: false, logThreshold: 64L << 20, cacheBytes: 4 << 20);
        var records = Enumerable.Range(0, 300).Select(i => Record($"doc/{i:D4}", 1, padding: 1500)).ToList();
        using var paused = BufferReserve.PauseGcTrim();
        BufferReserve.Trim(force: true);
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            await store.WriteBatchAsync(records);
            foreach (var r in records) Assert.NotNull(await store.ReadAsync(r.Key));
            Assert.True(store.GetStatistics().CacheBytes > 0, "the reads cached log pages");
        }
        long left = BufferReserve.Bytes;
        Assert.True(left > 0, "closing the store handed its cached pages' buffers to the reserve");

        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            foreach (var r in records) Assert.Equal(Text(r), Text(await store.ReadAsync(r.Key)));
            // Its misses read into the buffers the first store left instead of new ones.
            Assert.True(BufferReserve.Bytes < left, $"reserve {BufferReserve.Bytes} B after the second store's reads, {left} B before them");
        }
    }

    [Fact]
    public void A_retired_pools_buffers_are_rented_by_the_next_pool_of_that_size()
    {
        using var paused = BufferReserve.PauseGcTrim();
        BufferReserve.Trim(force: true);
        var first = new BlockBufferPool(5003, maxFree: 4);
        var buffer = first.Rent(5000);
        first.Return(buffer);
        first.Retire();
        var late = first.Rent(5000); // a read still in flight when the store closed
        first.Return(late);

        var next = new BlockBufferPool(5003, maxFree: 4);
        var taken = new[] { next.Rent(5000), next.Rent(5000) };
        Assert.Contains(buffer, taken);
        Assert.Contains(late, taken);
        Assert.Equal(0, BufferReserve.Bytes);
    }

    [Fact]
    public void The_reserve_keeps_at_most_its_cap_and_a_trim_with_no_put_or_take_since_the_last_empties_it()
    {
        using var paused = BufferReserve.PauseGcTrim();
        BufferReserve.Trim(force: true);
        const int Size = 1 << 20;
        for (long i = 0; i < BufferReserve.CapBytes / Size + 4; i++) BufferReserve.TryPut(new byte[Size]);
        Assert.Equal(BufferReserve.CapBytes, BufferReserve.Bytes);

        Assert.NotNull(BufferReserve.TryTake(Size));
        BufferReserve.Trim(); // used since the last trim: kept
        Assert.Equal(BufferReserve.CapBytes - Size, BufferReserve.Bytes);
        BufferReserve.Trim(); // not used since: emptied
        Assert.Equal(0, BufferReserve.Bytes);
        Assert.Null(BufferReserve.TryTake(Size));

        BufferReserve.TryPut(new byte[Size]); // a close hands buffers over: the next trim keeps them
        BufferReserve.Trim();
        Assert.Equal(Size, BufferReserve.Bytes);
        BufferReserve.Trim();
        Assert.Equal(0, BufferReserve.Bytes);
    }
}

[CollectionDefinition(nameof(BufferReserveTests), DisableParallelization = true)]
public sealed class BufferReserveCollection;

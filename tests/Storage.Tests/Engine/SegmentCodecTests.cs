using System.Buffers.Binary;
using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>LZMA segments (version 2, the default) and opt-in Brotli segments (version 3) read side by side, and close without sealing.</summary>
public sealed class SegmentCodecTests
{
    private static StoreOptions With(StoreOptions o, BlockCodec codec, bool seal = true, bool background = false, long sealAfterOpen = 1 << 20) => new()
    {
        ShardCount = o.ShardCount,
        BackgroundCompaction = background,
        SealOnClose = seal,
        LogSealThresholdBytes = o.LogSealThresholdBytes,
        BlockSize = o.BlockSize,
        LzmaDictionarySize = o.LzmaDictionarySize,
        LzmaFastBytes = o.LzmaFastBytes,
        BlockCacheBytes = o.BlockCacheBytes,
        BlockCodec = codec,
        SealAfterOpenBytes = sealAfterOpen,
    };

    private static byte VersionOf(string segment) => File.ReadAllBytes(segment)[4];

    [Fact]
    public async Task Lzma_segments_read_beside_brotli_ones_and_a_rewrite_turns_them_into_brotli()
    {
        using var dir = new TempDirectory();
        var lzma = With(Small(shards: 1, logThreshold: 1 << 20), BlockCodec.Lzma);
        await using (var store = await RecordStore.OpenAsync(dir.Path, lzma))
            for (int i = 0; i < 200; i++) await store.WriteAsync(Record($"k{i:D3}", 1));
        string old = Assert.Single(Files(dir.Path, "*.lzs"));
        Assert.Equal(SegmentFormat.Version, VersionOf(old));
        Assert.Equal((byte)BlockCodec.Lzma, File.ReadAllBytes(old)[5]);

        var brotli = With(Small(shards: 1, logThreshold: 1 << 20), BlockCodec.Brotli);
        await using (var store = await RecordStore.OpenAsync(dir.Path, brotli))
        {
            for (int i = 0; i < 200; i++) Assert.Equal(Body($"k{i:D3}", 1), Text(await store.ReadAsync($"k{i:D3}")));
            // Supersede most records: the LZMA segment drops below half live and is rewritten as Brotli.
            for (int i = 0; i < 150; i++) await store.WriteAsync(Record($"k{i:D3}", 2));
            await store.CompactAsync();
        }
        Assert.All(Files(dir.Path, "*.lzs"), s => Assert.Equal(SegmentFormat.Version, VersionOf(s)));
        await using (var store = await RecordStore.OpenAsync(dir.Path, brotli))
            for (int i = 0; i < 200; i++) Assert.Equal(Body($"k{i:D3}", i < 150 ? 2 : 1), Text(await store.ReadAsync($"k{i:D3}")));
    }

    [Fact]
    public async Task A_damaged_brotli_block_names_the_file_and_the_block_offset()
    {
        using var dir = new TempDirectory();
        var options = With(Small(shards: 1, blockSize: 1024), BlockCodec.Brotli);
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
            for (int i = 0; i < 60; i++) await store.WriteAsync(Record($"k{i:D2}", 1, padding: 40));
        string segment = Assert.Single(Files(dir.Path, "*.lzs"));
        var data = File.ReadAllBytes(segment);
        Assert.Equal(SegmentFormat.Version, data[4]);
        Assert.Equal((byte)BlockCodec.Brotli, data[5]);
        int first = SegmentFormat.HeaderSize;
        int second = first + SegmentFormat.BlockHeaderSize + BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(first));
        data[second + SegmentFormat.BlockHeaderSize + 2] ^= 0x20; // inside block 1's compressed data
        File.WriteAllBytes(segment, data);

        await using var reopened = await RecordStore.OpenAsync(dir.Path, options);
        Assert.Equal(Body("k00", 1, 40), Text(await reopened.ReadAsync("k00"))); // block 0 is intact
        var errors = 0;
        for (int i = 0; i < 60; i++)
        {
            try
            {
                await reopened.ReadAsync($"k{i:D2}");
            }
            catch (CorruptDataException e)
            {
                Assert.Equal(segment, e.FilePath);
                Assert.Equal(second, e.Offset);
                errors++;
            }
        }
        Assert.InRange(errors, 1, 59);
    }

    [Fact]
    public async Task Close_after_a_load_leaves_the_logs_and_the_next_open_seals_them_in_the_background()
    {
        using var dir = new TempDirectory();
        // Large seal threshold: nothing rotates during the load, as in a bulk load below 64 MiB per shard.
        var options = With(Small(shards: 2, logThreshold: 64L << 20), BlockCodec.Brotli, seal: false, background: true, sealAfterOpen: 16 << 10);
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            var batch = Enumerable.Range(0, 2000).Select(i => Record($"doc/{i:D5}", 1)).ToList();
            await store.WriteBatchAsync(batch);
        }
        // Close did no compression work: only the (durable, listed) logs are there, trimmed to their frames.
        Assert.Empty(Files(dir.Path, "*.lzs"));
        Assert.NotEmpty(Files(dir.Path, "*.wal"));

        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            // Everything reads from the logs before the background seal has finished, and from segments after it.
            for (int i = 0; i < 2000; i += 7) Assert.Equal(Body($"doc/{i:D5}", 1), Text(await store.ReadAsync($"doc/{i:D5}")));
            await store.SealedAfterOpen;
            Assert.Equal(2, Files(dir.Path, "*.lzs").Length);
            Assert.Equal(2000, store.Count);
            for (int i = 0; i < 2000; i++) Assert.Equal(Body($"doc/{i:D5}", 1), Text(await store.ReadAsync($"doc/{i:D5}")));
            await store.WriteAsync(Record("doc/00001", 2));
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            await store.SealedAfterOpen; // below SealAfterOpenBytes: nothing to seal, the small log keeps growing
            Assert.Equal(Body("doc/00001", 2), Text(await store.ReadAsync("doc/00001")));
            Assert.Equal(Body("doc/01999", 1), Text(await store.ReadAsync("doc/01999")));
            Assert.Equal(2, Files(dir.Path, "*.lzs").Length);
        }
    }

    [Fact]
    public void A_block_pool_recycles_buffers_of_larger_old_blocks()
    {
        var pool = new BlockBufferPool(40 << 10, maxFree: 4);
        var small = pool.Rent(30 << 10);
        var large = pool.Rent(70 << 10); // a 64 KiB block of an older segment
        Assert.Equal(40 << 10, small.Length);
        Assert.Equal(80 << 10, large.Length);
        pool.Return(large);
        Assert.Same(large, pool.Rent(50 << 10));
        Assert.Equal(4 << 20, pool.Rent(4 << 20).Length); // beyond the classes (up to 32× the first): a plain allocation
    }
}

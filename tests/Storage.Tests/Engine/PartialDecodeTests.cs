using System.Buffers.Binary;
using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>LZMA blocks decoded up to the wanted slot, blocks sized per segment from the records, and files written
/// before (64 KiB LZMA blocks, opt-in Brotli version 3) still read.</summary>
public sealed class PartialDecodeTests
{
    private static StoreOptions Options(int blockSize = 8192, int recordsPerBlock = 0, int minBlockSize = 8192, long cacheBytes = 1 << 20,
        BlockCodec codec = BlockCodec.Lzma, bool background = false, bool omitDerived = true) => new()
    {
        OmitDerivedRevisions = omitDerived,
        ShardCount = 1,
        BackgroundCompaction = background,
        SealOnClose = true,
        LogSealThresholdBytes = 64L << 20,
        BlockSize = blockSize,
        RecordsPerBlock = recordsPerBlock,
        MinBlockSize = minBlockSize,
        BlockCacheBytes = cacheBytes,
        BlockCodec = codec,
    };

    /// <summary>Key → (block, slot) of the store's single segment, and its path.</summary>
    private static (string Path, Dictionary<string, (int Block, int Slot)> Where) Layout(string root)
    {
        string path = Assert.Single(Files(root, "*.lzs"));
        var where = new Dictionary<string, (int, int)>();
        var reader = SegmentReader.Open(path, 1, (key, _, _, _, block, slot) => where[System.Text.Encoding.UTF8.GetString(key)] = (block, slot));
        reader.Retire();
        return (path, where);
    }

    [Fact]
    public async Task Every_slot_reads_and_a_partially_decoded_block_serves_later_reads_it_covers()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options()))
            await store.WriteBatchAsync([.. Enumerable.Range(0, 200).Select(i => Record($"k{i:D3}", 1))]);
        var (_, where) = Layout(dir.Path);
        var block0 = where.Where(w => w.Value.Block == 0).OrderBy(w => w.Value.Slot).Select(w => w.Key).ToList();
        Assert.True(block0.Count >= 20, $"{block0.Count} records in block 0");

        await using (var store = await RecordStore.OpenAsync(dir.Path, Options()))
        {
            Assert.Equal(Body(block0[0], 1), Text(await store.ReadAsync(block0[0])));
            Assert.Equal(1, store.GetStatistics().CacheMisses);
            Assert.Equal(Body(block0[0], 1), Text(await store.ReadAsync(block0[0]))); // covered by the partial decode
            Assert.Equal((1L, 1L), (store.GetStatistics().CacheMisses, store.GetStatistics().CacheHits));
            Assert.Equal(Body(block0[^1], 1), Text(await store.ReadAsync(block0[^1]))); // past it: decoded again, whole
            Assert.Equal(2, store.GetStatistics().CacheMisses);
            foreach (var key in block0) Assert.Equal(Body(key, 1), Text(await store.ReadAsync(key)));
            Assert.Equal(2, store.GetStatistics().CacheMisses);
        }

        // Without a cache every read decodes (partially); every slot of every block, in random order.
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options(cacheBytes: 0)))
            foreach (var key in where.Keys.OrderBy(k => k.GetHashCode()))
                Assert.Equal(Body(key, 1), Text(await store.ReadAsync(key)));
    }

    [Fact]
    public async Task Concurrent_reads_of_different_slots_of_one_block_all_get_their_records()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options(blockSize: 32 << 10)))
            await store.WriteBatchAsync([.. Enumerable.Range(0, 300).Select(i => Record($"k{i:D3}", 1))]);
        for (int round = 0; round < 5; round++)
        {
            await using var store = await RecordStore.OpenAsync(dir.Path, Options(blockSize: 32 << 10));
            var reads = Enumerable.Range(0, 300).Select(i => Task.Run(async () => Assert.Equal(Body($"k{i:D3}", 1), Text(await store.ReadAsync($"k{i:D3}")))));
            await Task.WhenAll(reads);
        }
    }

    [Fact]
    public async Task A_damaged_block_names_file_and_offset_even_when_only_its_first_slot_is_wanted()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options()))
            await store.WriteBatchAsync([.. Enumerable.Range(0, 200).Select(i => Record($"k{i:D3}", 1))]);
        var (path, where) = Layout(dir.Path);
        var data = File.ReadAllBytes(path);
        int first = SegmentFormat.HeaderSize;
        int second = first + SegmentFormat.BlockHeaderSize + BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(first));
        int secondLength = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(second));
        data[second + SegmentFormat.BlockHeaderSize + secondLength - 1] ^= 0x01; // the block's last byte: slot 0 decodes without it
        File.WriteAllBytes(path, data);
        string slot0 = where.Single(w => w.Value == (1, 0)).Key;

        await using var store2 = await RecordStore.OpenAsync(dir.Path, Options());
        var e = await Assert.ThrowsAsync<CorruptDataException>(() => store2.ReadAsync(slot0).AsTask());
        Assert.Equal(path, e.FilePath);
        Assert.Equal(second, e.Offset);
        string other = where.First(w => w.Value.Block == 0).Key;
        Assert.Equal(Body(other, 1), Text(await store2.ReadAsync(other)));
    }

    [Theory]
    [InlineData(40, 1024)]     // ~100 B records: 16 per block would be ~1.6 KiB
    [InlineData(3000, 1024)]   // ~3 KiB records: ~48 KiB blocks
    public async Task Blocks_are_sized_from_the_records_average(int padding, int minBlockSize)
    {
        using var dir = new TempDirectory();
        var options = Options(blockSize: 64 << 10, recordsPerBlock: 16, minBlockSize: minBlockSize);
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
            await store.WriteBatchAsync([.. Enumerable.Range(0, 400).Select(i => Record($"k{i:D3}", 1, padding: padding))]);
        var (_, where) = Layout(dir.Path);
        var perBlock = where.Values.GroupBy(w => w.Block).OrderBy(g => g.Key).Select(g => g.Count()).ToList();
        Assert.All(perBlock.Take(perBlock.Count - 1).Skip(1), count => Assert.InRange(count, 14, 17));
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
            for (int i = 0; i < 400; i += 3) Assert.Equal(Body($"k{i:D3}", 1, padding), Text(await store.ReadAsync($"k{i:D3}")));
    }

    [Fact]
    public async Task Default_blocks_of_small_records_are_the_minimum_size_and_of_large_ones_at_most_the_block_size()
    {
        var defaults = new StoreOptions();
        Assert.Equal(BlockCodec.Lzma, defaults.BlockCodec);
        foreach (var (padding, min, max) in new[] { (40, 60, 100), (3000, 4, 6) })
        {
            using var dir = new TempDirectory();
            var options = new StoreOptions { ShardCount = 1, BackgroundCompaction = false, SealOnClose = true };
            await using (var store = await RecordStore.OpenAsync(dir.Path, options))
                await store.WriteBatchAsync([.. Enumerable.Range(0, 600).Select(i => Record($"k{i:D3}", 1, padding: padding))]);
            var (path, where) = Layout(dir.Path);
            Assert.Equal(SegmentFormat.Version, File.ReadAllBytes(path)[4]);
            var perBlock = where.Values.GroupBy(w => w.Block).Select(g => g.Count()).ToList();
            Assert.All(perBlock.Take(perBlock.Count - 1).Skip(1), count => Assert.InRange(count, min, max));
        }
    }

    [Theory]
    [InlineData(false, 64 << 10)] // LZMA, the format on main before issue 14
    [InlineData(true, 32 << 10)]  // Brotli, version 3, the default of wt-read for a while
    public async Task Old_segments_read_with_the_defaults_and_a_rewrite_makes_them_lzma(bool brotli, int blockSize)
    {
        var codec = brotli ? BlockCodec.Brotli : BlockCodec.Lzma;
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options(blockSize: blockSize, codec: codec, omitDerived: false)))
            await store.WriteBatchAsync([.. Enumerable.Range(0, 500).Select(i => Record($"k{i:D3}", 1))]);
        byte version = File.ReadAllBytes(Assert.Single(Files(dir.Path, "*.lzs")))[4];
        Assert.Equal(codec == BlockCodec.Lzma ? SegmentFormat.LzmaVersion : SegmentFormat.BrotliVersion, version);

        var now = new StoreOptions { ShardCount = 1, BackgroundCompaction = false, SealOnClose = true, BlockCacheBytes = 64 << 10 };
        await using (var store = await RecordStore.OpenAsync(dir.Path, now))
        {
            foreach (int i in Enumerable.Range(0, 500).OrderBy(i => (i * 7919) % 500))
                Assert.Equal(Body($"k{i:D3}", 1), Text(await store.ReadAsync($"k{i:D3}")));
            for (int i = 0; i < 400; i++) await store.WriteAsync(Record($"k{i:D3}", 2));
            await store.CompactAsync();
        }
        Assert.All(Files(dir.Path, "*.lzs"), s => Assert.Equal(SegmentFormat.Version, File.ReadAllBytes(s)[4]));
        await using (var store = await RecordStore.OpenAsync(dir.Path, now))
            for (int i = 0; i < 500; i++) Assert.Equal(Body($"k{i:D3}", i < 400 ? 2 : 1), Text(await store.ReadAsync($"k{i:D3}")));
    }
}

using System.Buffers.Binary;
using System.Text;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.IO;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Fuzz;

/// <summary>Segment version 2 binds each block's crc to its block number; version-1 files still read.</summary>
public sealed class SegmentVersionTests
{
    // Version 1 differs from 2 only in the block crc; both are LZMA files, which are still written with BlockCodec.Lzma.
    private static StoreOptions Options => new()
    {
        ShardCount = 1, BackgroundCompaction = false, SealOnClose = true, LogSealThresholdBytes = 64 << 10, BlockSize = 1024,
        BlockCodec = BlockCodec.Lzma, LzmaFastBytes = 16, OmitDerivedRevisions = false, // the version-2 layout
    };

    private static async Task<string> SealedSegmentAsync(string dir)
    {
        await using (var store = await RecordStore.OpenAsync(dir, Options))
            for (int i = 0; i < 60; i++) await store.WriteAsync(Record($"k{i:D2}", 1, padding: 40));
        return Assert.Single(Files(dir, "*.lzs"));
    }

    private static List<(int Start, int Size)> Blocks(byte[] data)
    {
        long indexOffset = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(data.Length - SegmentFormat.FooterSize));
        var blocks = new List<(int, int)>();
        for (int pos = SegmentFormat.HeaderSize; pos < indexOffset;)
        {
            int size = SegmentFormat.BlockHeaderSize + BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos));
            blocks.Add((pos, size));
            pos += size;
        }
        return blocks;
    }

    [Fact]
    public async Task A_block_moved_to_another_place_in_the_file_reads_as_corrupt()
    {
        using var dir = new Engine.TempDirectory();
        // Identical payloads make identical blocks: same bytes, same size, each with a valid crc of its contents.
        var payload = Encoding.UTF8.GetBytes(Body("same", 1, 40));
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options))
            for (int i = 0; i < 60; i++) await store.WriteAsync(new StoredRecord($"k{i:D2}", Rev(1), RecordFlags.None, payload));
        string segment = Assert.Single(Files(dir.Path, "*.lzs"));
        var data = File.ReadAllBytes(segment);
        var blocks = Blocks(data);
        Assert.True(blocks.Count >= 3, $"only {blocks.Count} blocks");
        var (start0, size0) = blocks[0];
        var (start1, size1) = blocks[1];
        Assert.Equal(size0, size1);
        var first = data.AsSpan(start0, size0).ToArray();
        data.AsSpan(start1, size1).CopyTo(data.AsSpan(start0));
        first.CopyTo(data.AsSpan(start1));
        File.WriteAllBytes(segment, data);

        await using var reopened = await RecordStore.OpenAsync(dir.Path, Options);
        var error = await Assert.ThrowsAsync<CorruptDataException>(async () => await reopened.ReadAsync("k00"));
        Assert.Equal(segment, error.FilePath);
        Assert.Equal(start0, error.Offset);
    }

    [Fact]
    public async Task A_version_1_segment_still_reads()
    {
        using var dir = new Engine.TempDirectory();
        string segment = await SealedSegmentAsync(dir.Path);
        var data = File.ReadAllBytes(segment);
        Assert.Equal(2, data[4]);
        // Rewrite as version 1: header and footer version, footer crc, and every block crc without its number.
        data[4] = 1;
        int footer = data.Length - SegmentFormat.FooterSize;
        data[footer + 28] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(footer + 36), Crc.Compute(data.AsSpan(footer, 36)));
        foreach (var (start, size) in Blocks(data))
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(start + 8), Crc.Compute(data.AsSpan(start + 12, size - 12)));
        File.WriteAllBytes(segment, data);

        await using var store = await RecordStore.OpenAsync(dir.Path, Options);
        for (int i = 0; i < 60; i++)
            Assert.Equal(Body($"k{i:D2}", 1, 40), Encoding.UTF8.GetString((await store.ReadAsync($"k{i:D2}"))!.Payload.Span));
    }
}

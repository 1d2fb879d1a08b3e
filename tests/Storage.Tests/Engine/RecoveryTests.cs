using System.Text;
using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

public class RecoveryTests
{
    private static StoreOptions LogOnly => Small(shards: 1, sealOnClose: false, logThreshold: 16 << 20);

    private static int FrameSize(string key, int version) => LogFrame.SizeOf(key.Length, Encoding.UTF8.GetByteCount(Body(key, version)));

    private static async Task<string> WriteLogAsync(string path, int count)
    {
        await using (var store = await RecordStore.OpenAsync(path, LogOnly))
            for (int i = 0; i < count; i++) await store.WriteAsync(Record($"t{i:D2}", 1));
        return Assert.Single(Files(path, "*.wal"));
    }

    [Fact]
    public async Task TornTail_IsDropped_AndWritingContinues()
    {
        using var dir = new TempDirectory();
        string log = await WriteLogAsync(dir.Path, 10);
        using (var f = new FileStream(log, FileMode.Open)) f.SetLength(f.Length - 5); // last frame cut short

        await using (var store = await RecordStore.OpenAsync(dir.Path, LogOnly))
        {
            Assert.Equal(9, store.Count);
            Assert.Null(await store.ReadAsync("t09"));
            Assert.Equal(Body("t08", 1), Text(await store.ReadAsync("t08")));
            await store.WriteAsync(Record("after", 1));
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, LogOnly))
        {
            Assert.Equal(10, store.Count);
            Assert.Equal(Body("after", 1), Text(await store.ReadAsync("after")));
        }
    }

    [Fact]
    public async Task GarbageAfterTail_IsIgnored()
    {
        using var dir = new TempDirectory();
        string log = await WriteLogAsync(dir.Path, 10);
        var garbage = new byte[300];
        new Random(3).NextBytes(garbage);
        using (var f = new FileStream(log, FileMode.Append)) f.Write(garbage);

        await using (var store = await RecordStore.OpenAsync(dir.Path, LogOnly))
        {
            Assert.Equal(10, store.Count);
            await store.WriteAsync(Record("x", 1));
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, LogOnly))
            Assert.Equal(11, store.Count);
    }

    [Fact]
    public async Task BitFlipInMiddleFrame_IsCorruption_NamingTheFile()
    {
        using var dir = new TempDirectory();
        string log = await WriteLogAsync(dir.Path, 10);
        long offset = Enumerable.Range(0, 3).Sum(i => FrameSize($"t{i:D2}", 1)); // start of the 4th frame
        var bytes = File.ReadAllBytes(log);
        bytes[offset + 60] ^= 0x10; // inside its payload
        File.WriteAllBytes(log, bytes);

        var e = await Assert.ThrowsAsync<CorruptDataException>(async () => await RecordStore.OpenAsync(dir.Path, LogOnly));
        Assert.Equal(log, e.FilePath);
        Assert.Equal(offset, e.Offset);
        Assert.Contains(log, e.Message);
        // The failed open released its lock: fixing nothing, a second attempt fails the same way (not "locked").
        await Assert.ThrowsAsync<CorruptDataException>(async () => await RecordStore.OpenAsync(dir.Path, LogOnly));
    }

    private static async Task<string> WriteSegmentAsync(string path, int count)
    {
        // 1 KiB blocks of ~200-byte records: several blocks, so one bad block leaves the others readable.
        await using (var store = await RecordStore.OpenAsync(path, Small(shards: 1, blockSize: 1024)))
            for (int i = 0; i < count; i++) await store.WriteAsync(Record($"s{i:D2}", 1));
        return Assert.Single(Files(path, "*.lzs"));
    }

    [Fact]
    public async Task BitFlipInSegmentBlock_FailsOnlyThatBlock()
    {
        using var dir = new TempDirectory();
        string segment = await WriteSegmentAsync(dir.Path, 40);
        const long firstBlock = 8; // right after the segment header
        var bytes = File.ReadAllBytes(segment);
        bytes[firstBlock + 30] ^= 0x01;
        File.WriteAllBytes(segment, bytes);

        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1, blockSize: 1024));
        Assert.Equal(40, store.Count); // opening reads only the index
        int bad = 0, good = 0;
        for (int i = 0; i < 40; i++)
        {
            try
            {
                Assert.Equal(Body($"s{i:D2}", 1), Text(await store.ReadAsync($"s{i:D2}")));
                good++;
            }
            catch (CorruptDataException e)
            {
                Assert.Equal(segment, e.FilePath);
                Assert.Equal(firstBlock, e.Offset);
                bad++;
            }
        }
        Assert.InRange(bad, 1, 10);
        Assert.Equal(40 - bad, good);
        await Assert.ThrowsAsync<CorruptDataException>(async () => await store.ReadAsync("s00")); // not cached as good
    }

    [Fact]
    public async Task TruncatedSegment_FailsAtOpen()
    {
        using var dir = new TempDirectory();
        string segment = await WriteSegmentAsync(dir.Path, 20);
        using (var f = new FileStream(segment, FileMode.Open)) f.SetLength(f.Length - 10);
        var e = await Assert.ThrowsAsync<CorruptDataException>(async () => await RecordStore.OpenAsync(dir.Path, Small(shards: 1)));
        Assert.Equal(segment, e.FilePath);
    }

    [Fact]
    public async Task LeftoverTempAndUnlistedFiles_AreRemovedAtOpen()
    {
        using var dir = new TempDirectory();
        string segment = await WriteSegmentAsync(dir.Path, 5);
        string shard = Path.GetDirectoryName(segment)!;
        File.WriteAllText(Path.Combine(shard, "seg-999999.lzs.tmp"), "partial");
        File.WriteAllText(Path.Combine(shard, "log-999998.wal"), "unlisted");
        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1));
        Assert.Equal(5, store.Count);
        Assert.False(File.Exists(Path.Combine(shard, "seg-999999.lzs.tmp")));
        Assert.False(File.Exists(Path.Combine(shard, "log-999998.wal")));
    }
}

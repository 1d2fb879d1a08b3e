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

    /// <summary>
    /// What a crash (SIGKILL) leaves: the store's files copied while it is open, after its writes were synced, into
    /// <paramref name="copy"/> (the lock file is skipped; the OS drops it at a crash). The store is then closed.
    /// </summary>
    private static async Task<string> CrashCopyAsync(RecordStore store, string from, string copy)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) == "store.lock") continue;
            string target = Path.Combine(copy, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var destination = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
            source.CopyTo(destination);
        }
        await store.DisposeAsync();
        return Assert.Single(Files(copy, "*.wal"));
    }

    private static long FramesSize(int from, int to) => Enumerable.Range(from, to - from).Sum(i => (long)FrameSize($"t{i:D2}", 1));

    [Fact]
    public async Task TornTail_AfterACrash_IsDropped_AndWritingContinues()
    {
        using var dir = new TempDirectory();
        string copy = Path.Combine(dir.Path, "crashed");
        var store = await RecordStore.OpenAsync(Path.Combine(dir.Path, "db"), LogOnly);
        for (int i = 0; i < 10; i++) await store.WriteAsync(Record($"t{i:D2}", 1));
        string log = await CrashCopyAsync(store, Path.Combine(dir.Path, "db"), copy);
        using (var f = new FileStream(log, FileMode.Open)) f.SetLength(FramesSize(0, 10) - 5); // last frame cut short

        await using (store = await RecordStore.OpenAsync(copy, LogOnly))
        {
            Assert.Equal(9, store.Count);
            Assert.Null(await store.ReadAsync("t09"));
            Assert.Equal(Body("t08", 1), Text(await store.ReadAsync("t08")));
            await store.WriteAsync(Record("after", 1));
        }
        await using (store = await RecordStore.OpenAsync(copy, LogOnly))
        {
            Assert.Equal(10, store.Count);
            Assert.Equal(Body("after", 1), Text(await store.ReadAsync("after")));
        }
    }

    [Fact]
    public async Task TornTail_AfterACrash_BeyondTheLastCleanClose_IsDropped()
    {
        using var dir = new TempDirectory();
        string db = Path.Combine(dir.Path, "db"), copy = Path.Combine(dir.Path, "crashed");
        await WriteLogAsync(db, 10); // closed cleanly at lsn 10
        var store = await RecordStore.OpenAsync(db, LogOnly);
        for (int i = 10; i < 15; i++) await store.WriteAsync(Record($"t{i:D2}", 1));
        string log = await CrashCopyAsync(store, db, copy);
        var bytes = File.ReadAllBytes(log);
        bytes[FramesSize(0, 14) + 60] ^= 0x10; // the last frame (lsn 15) is torn
        File.WriteAllBytes(log, bytes);

        await using (store = await RecordStore.OpenAsync(copy, LogOnly))
        {
            Assert.Equal(14, store.Count);
            Assert.Null(await store.ReadAsync("t14"));
            Assert.Equal(Body("t13", 1), Text(await store.ReadAsync("t13")));
        }
    }

    [Fact]
    public async Task AfterACrash_FramesWrittenBeforeTheLastCleanClose_MustStillBeThere()
    {
        using var dir = new TempDirectory();
        string db = Path.Combine(dir.Path, "db"), copy = Path.Combine(dir.Path, "crashed");
        await WriteLogAsync(db, 10); // closed cleanly at lsn 10
        var store = await RecordStore.OpenAsync(db, LogOnly);
        await store.WriteAsync(Record("t10", 1));
        string log = await CrashCopyAsync(store, db, copy);
        long cut = FramesSize(0, 8);
        using (var f = new FileStream(log, FileMode.Open)) f.SetLength(cut); // lsns 9-11 gone, 9 and 10 acknowledged before the close

        var e = await Assert.ThrowsAsync<CorruptDataException>(async () => await RecordStore.OpenAsync(copy, LogOnly));
        Assert.Equal(log, e.FilePath);
        Assert.Equal(cut, e.Offset);
        Assert.Contains("closed cleanly at lsn 10", e.Message);
        Assert.Equal(cut, new FileInfo(log).Length);
    }

    /// <summary>
    /// A log damaged after a clean close loses acknowledged writes whatever the damage looks like (a tail cut off, a bad
    /// last frame, the whole file): open must refuse it, naming the log and where replay stopped, and leave the file as
    /// it found it (the evidence), instead of dropping the records as a torn tail.
    /// </summary>
    [Theory]
    [InlineData("random")]
    [InlineData("zero-length")]
    [InlineData("bad-last-frame")]
    [InlineData("tail-cut")]
    public async Task DamagedLog_AfterACleanClose_IsCorruption_AndTheFileIsKept(string damage)
    {
        using var dir = new TempDirectory();
        string log = await WriteLogAsync(dir.Path, 10);
        var bytes = File.ReadAllBytes(log);
        Assert.Equal(FramesSize(0, 10), bytes.Length); // close trimmed the preallocated zeros
        long lastFrame = FramesSize(0, 9);
        (long offset, int missing) = (0, 10);
        switch (damage)
        {
            case "random":
                new Random(5).NextBytes(bytes);
                break;
            case "zero-length":
                bytes = [];
                break;
            case "bad-last-frame":
                bytes[lastFrame + 60] ^= 0x10; // inside its payload: the header still parses
                (offset, missing) = (lastFrame, 1);
                break;
            case "tail-cut":
                bytes = bytes[..^100];
                (offset, missing) = (lastFrame, 1);
                break;
        }
        File.WriteAllBytes(log, bytes);

        for (int attempt = 0; attempt < 2; attempt++) // the failed open changed nothing: a second one fails the same way
        {
            var e = await Assert.ThrowsAsync<CorruptDataException>(async () => await RecordStore.OpenAsync(dir.Path, LogOnly));
            Assert.Equal(log, e.FilePath);
            Assert.Equal(offset, e.Offset);
            Assert.Contains(log, e.Message);
            Assert.Contains($"closed cleanly at lsn 10: {missing} acknowledged write", e.Message);
            if (missing == 1) Assert.Contains("'t09'", e.Message); // the damaged frame's header names its key
            Assert.Equal(bytes, File.ReadAllBytes(log));
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

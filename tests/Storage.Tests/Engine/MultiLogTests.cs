using System.Text;
using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

public class MultiLogTests
{
    // Rotation every ~8 KiB, no compactor and no seal on close: several live logs stay behind.
    private static StoreOptions Rotating => Small(shards: 1, sealOnClose: false, logThreshold: 8 << 10);

    private static async Task WriteAsync(string path, int count)
    {
        await using var store = await RecordStore.OpenAsync(path, Rotating);
        for (int i = 0; i < count; i++)
        {
            await store.WriteAsync(Record($"m{i:D3}", 1));
            // Rotation needs the background spare; give it a chance without relying on timing for correctness.
            if (i % 20 == 0) await Task.Yield();
        }
    }

    private static string[] NonEmptyLogs(string path) =>
        [.. Files(path, "*.wal").Where(f => new FileInfo(f).Length > 0).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task SeveralLiveLogs_ReplayInOrder_AndSealLater()
    {
        using var dir = new TempDirectory();
        await WriteAsync(dir.Path, 200);
        Assert.True(NonEmptyLogs(dir.Path).Length >= 2, "expected rotated logs");
        await using (var store = await RecordStore.OpenAsync(dir.Path, Rotating))
        {
            Assert.Equal(200, store.Count);
            Assert.Equal(Body("m000", 1), Text(await store.ReadAsync("m000")));
            Assert.Equal(Body("m199", 1), Text(await store.ReadAsync("m199")));
            await store.WriteAsync(Record("m000", 2));
            await store.CompactAsync();
            Assert.Equal(0, store.GetStatistics().LogBytes);
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Rotating))
        {
            Assert.Equal(200, store.Count);
            Assert.Equal(Body("m000", 2), Text(await store.ReadAsync("m000")));
            Assert.Equal(Body("m150", 1), Text(await store.ReadAsync("m150")));
        }
    }

    [Fact]
    public async Task DamageInAnEarlierLog_WithFramesInALaterLog_IsCorruption()
    {
        using var dir = new TempDirectory();
        await WriteAsync(dir.Path, 200);
        var logs = NonEmptyLogs(dir.Path);
        Assert.True(logs.Length >= 2, "expected rotated logs");
        // Cut the first log short: its tail is gone, yet the next log continues the lsn chain.
        string first = logs[0];
        long length = new FileInfo(first).Length;
        using (var f = new FileStream(first, FileMode.Open)) f.SetLength(length - 3);
        var e = await Assert.ThrowsAsync<CorruptDataException>(async () => await RecordStore.OpenAsync(dir.Path, Rotating));
        Assert.Equal(first, e.FilePath);
    }

    [Fact]
    public async Task InvalidKeys_AreRejected()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.WriteAsync(Record("", 1)));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.WriteAsync(Record("bad\uD800key", 1)));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task List_IsOrdinal_WithNonAsciiKeys()
    {
        using var dir = new TempDirectory();
        string[] keys = ["b", "a/ü", "a/z", "a/é", "a/Z", "ab", "a/日本"];
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 3)))
            await store.WriteBatchAsync([.. keys.Select(k => Record(k, 1))]);
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 3)))
        {
            Assert.Equal(keys.Where(k => k.StartsWith("a/", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
                store.List("a/").Select(h => h.Key));
            Assert.Equal(keys.Order(StringComparer.Ordinal), store.List().Select(h => h.Key));
            Assert.Equal(Encoding.UTF8.GetBytes(Body("a/日本", 1)), (await store.ReadAsync("a/日本"))!.Payload.ToArray());
        }
    }
}

using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

public class RoundTripTests
{
    private static async Task WriteSampleAsync(RecordStore store)
    {
        for (int i = 0; i < 40; i++)
            await store.WriteAsync(Record($"doc/{i:D3}", 1, i % 2 == 0 ? RecordFlags.Pending : RecordFlags.None));
        await store.WriteAsync(Record("doc/005", 2, RecordFlags.Deleted | RecordFlags.Pending));
        await store.WriteBatchAsync([Record("batch/a", 1), Record("batch/b", 1, RecordFlags.HasConflicts), Record("batch/a", 2)]);
        await store.ClearPendingAsync([("doc/000", Rev(1)), ("doc/002", Rev(99)), ("doc/003", Rev(1))]);
    }

    private static async Task VerifySampleAsync(RecordStore store)
    {
        Assert.Equal(42, store.Count);
        // 20 even docs were pending; doc/005 became pending; doc/000 was cleared; doc/002's ack named a wrong revision.
        Assert.Equal(20, store.PendingCount);
        Assert.Equal(20, store.ListPending().Count);
        Assert.True(store.TryGetHeader("doc/005", out var tomb));
        Assert.Equal(RecordFlags.Deleted | RecordFlags.Pending, tomb.Flags);
        Assert.Equal(Rev(2), tomb.Revision);
        Assert.True(store.TryGetHeader("doc/000", out var cleared));
        Assert.Equal(RecordFlags.None, cleared.Flags);
        Assert.True(store.TryGetHeader("doc/002", out var kept));
        Assert.Equal(RecordFlags.Pending, kept.Flags);
        for (int i = 0; i < 40; i++)
        {
            var record = await store.ReadAsync($"doc/{i:D3}");
            Assert.NotNull(record);
            Assert.Equal(Body($"doc/{i:D3}", i == 5 ? 2 : 1), Text(record));
        }
        var a = await store.ReadAsync("batch/a");
        Assert.Equal(Rev(2), a!.Revision);
        Assert.Equal(Body("batch/a", 2), Text(a));
        Assert.Equal(RecordFlags.HasConflicts, (await store.ReadAsync("batch/b"))!.Flags);
        Assert.Null(await store.ReadAsync("missing"));
        var listed = store.List("doc/");
        Assert.Equal(40, listed.Count);
        Assert.Equal(listed.Select(h => h.Key).Order(StringComparer.Ordinal), listed.Select(h => h.Key));
    }

    [Fact]
    public async Task LogOnly_SurvivesReopen()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
        {
            await WriteSampleAsync(store);
            await VerifySampleAsync(store);
        }
        Assert.Empty(Files(dir.Path, "*.lzs"));
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
        {
            await VerifySampleAsync(store);
            Assert.Equal(0, store.GetStatistics().Segments);
        }
    }

    [Fact]
    public async Task AfterCompact_SurvivesReopen()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
        {
            await WriteSampleAsync(store);
            await store.CompactAsync();
            Assert.True(store.GetStatistics().Segments > 0);
            await VerifySampleAsync(store);
            // A clear of a record that lives in a segment must survive the next seal and a reopen.
            await store.ClearPendingAsync([("doc/002", Rev(1))]);
            await store.CompactAsync();
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
        {
            Assert.True(store.TryGetHeader("doc/002", out var h));
            Assert.Equal(RecordFlags.None, h.Flags);
            Assert.Equal(19, store.PendingCount);
            Assert.Equal(Body("doc/002", 1), Text(await store.ReadAsync("doc/002")));
        }
    }

    [Fact]
    public async Task SealOnClose_LeavesOnlySegments_AndClearSurvives()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small()))
            await WriteSampleAsync(store);
        Assert.Empty(Files(dir.Path, "*.wal"));
        Assert.NotEmpty(Files(dir.Path, "*.lzs"));
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small()))
        {
            await VerifySampleAsync(store);
            await store.ClearPendingAsync([("doc/004", Rev(1))]); // record is in a segment, the clear in the log
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small()))
        {
            Assert.Equal(19, store.PendingCount);
            Assert.True(store.TryGetHeader("doc/004", out var h));
            Assert.False(h.Flags.HasFlag(RecordFlags.Pending));
        }
    }

    [Fact]
    public async Task ShardCount_IsFixedAtCreation()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 3)))
            await store.WriteAsync(Record("k", 1));
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 5)))
        {
            Assert.Equal(3, store.Shards.Count);
            Assert.Equal(Body("k", 1), Text(await store.ReadAsync("k")));
        }
    }

    [Fact]
    public async Task Disposed_StoreThrows_AndSecondOpenIsLocked()
    {
        using var dir = new TempDirectory();
        var store = await RecordStore.OpenAsync(dir.Path, Small());
        await Assert.ThrowsAsync<DatabaseLockedException>(async () => await RecordStore.OpenAsync(dir.Path, Small()));
        await store.WriteAsync(Record("k", 1));
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.WriteAsync(Record("k", 2)));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadAsync("k"));
        Assert.Throws<ObjectDisposedException>(() => store.List());
        await store.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task Relaxed_WritesAreVisibleAndSurviveClose()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(durability: DurabilityMode.Relaxed, sealOnClose: false)))
        {
            for (int i = 0; i < 20; i++) await store.WriteAsync(Record($"r{i}", 1));
            Assert.Equal(Body("r7", 1), Text(await store.ReadAsync("r7")));
            await WaitUntilAsync(() => store.GetStatistics().Syncs > 0, "the periodic flush");
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(durability: DurabilityMode.Relaxed)))
            Assert.Equal(20, store.Count);
    }
}

using MyNoSql.Storage.Engine;
using MyNoSql.Storage.IO;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// Creation work (zero-filled log, manifest) happens before OpenAsync returns, so the first saves of a new database
/// only write and fdatasync (issue 14: the first saves used to compete with zero-fills and manifest rewrites).
/// </summary>
public class LogPreparationTests
{
    // A large threshold: no spare is due during these tests.
    private static StoreOptions Options(bool sealOnClose = true) => Small(shards: 2, sealOnClose: sealOnClose, logThreshold: 64L << 20);

    private static Dictionary<string, long> Logs(string path) =>
        Files(path, "*.wal").ToDictionary(f => f, f => new FileInfo(f).Length);

    private static Dictionary<string, byte[]> Manifests(string path) =>
        Files(path, "shard.manifest").ToDictionary(f => f, File.ReadAllBytes);

    [Fact]
    public async Task NewStore_HasAZeroFilledLogPerShard_BeforeTheFirstWrite()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Options());
        var logs = Logs(dir.Path);
        Assert.Equal(2, logs.Count);
        Assert.All(logs.Values, length => Assert.Equal(Shard.InitialPreallocation, length));
        Assert.All(logs.Keys, f => Assert.Equal(0, File.ReadAllBytes(f).Max()));
    }

    [Fact]
    public async Task FirstWrites_CreateNoFile_AndRewriteNoManifest()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Options());
        var logs = Logs(dir.Path);
        var manifests = Manifests(dir.Path);
        for (int i = 0; i < 200; i++) await store.WriteAsync(Record($"k{i:D3}", 1));
        Assert.Equal(logs, Logs(dir.Path));
        var after = Manifests(dir.Path);
        Assert.Equal(manifests.Keys.Order(), after.Keys.Order());
        Assert.All(manifests, m => Assert.Equal(m.Value, after[m.Key]));
        Assert.Empty(Files(dir.Path, "*.tmp"));
        Assert.Equal(200, store.GetStatistics().Syncs);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FreshStore_ClosedWithoutWrites_ReopensAndWrites(bool sealOnClose)
    {
        using var dir = new TempDirectory();
        await (await RecordStore.OpenAsync(dir.Path, Options(sealOnClose))).DisposeAsync();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options(sealOnClose)))
        {
            Assert.Equal(0, store.Count);
            await store.WriteAsync(Record("a", 1));
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options(sealOnClose)))
        {
            Assert.Equal(1, store.Count);
            Assert.Equal(Body("a", 1), Text(await store.ReadAsync("a")));
            await store.WriteAsync(Record("a", 2));
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options(sealOnClose)))
            Assert.Equal(Body("a", 2), Text(await store.ReadAsync("a")));
    }

    [Fact]
    public async Task Reopen_TopsUpATruncatedLog_BeforeReturning()
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options(sealOnClose: false)))
        {
            for (int i = 0; i < 50; i++) await store.WriteAsync(Record($"k{i:D2}", 1));
        }
        // Closing without sealing cut the zeros off; the next open zero-fills ahead of the frames again.
        var closed = Logs(dir.Path);
        Assert.All(closed.Values, length => Assert.True(length < Shard.InitialPreallocation));
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options(sealOnClose: false)))
        {
            var reopened = Logs(dir.Path);
            Assert.Equal(closed.Keys.Order(), reopened.Keys.Order());
            // Zero-filled to a page boundary: direct log writes pad the last page and must stay inside the zeros.
            const long page = DirectAppendWriter.PageSize;
            Assert.All(reopened, l => Assert.Equal((closed[l.Key] + Shard.InitialPreallocation + page - 1) / page * page, l.Value));
            Assert.Equal(50, store.Count);
            await store.WriteAsync(Record("k00", 2));
            Assert.Equal(Body("k00", 2), Text(await store.ReadAsync("k00")));
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Options(sealOnClose: false)))
        {
            Assert.Equal(50, store.Count);
            Assert.Equal(Body("k00", 2), Text(await store.ReadAsync("k00")));
            Assert.Equal(Body("k49", 1), Text(await store.ReadAsync("k49")));
        }
    }
}

using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Mirror;

namespace MyNoSql.Storage.Tests.Mirror;

public sealed class AntiEntropyTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mynosql-ae", Guid.NewGuid().ToString("N"));
    private DatabaseCatalog _a = null!, _b = null!;

    public Task InitializeAsync()
    {
        _a = new DatabaseCatalog(Path.Combine(_root, "a"), new StoreOptions(), 1 << 20);
        _b = new DatabaseCatalog(Path.Combine(_root, "b"), new StoreOptions(), 1 << 20);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Replicas_that_diverged_converge_in_one_round_including_conflicts()
    {
        var a = await _a.GetAsync("db");
        var b = await _b.GetAsync("db");
        // Common history, then each side writes things the other lacks, and both edit "shared" concurrently.
        var shared = await a.SaveAsync(new JsonObject { ["id"] = "shared", ["v"] = 0 });
        await b.MergeLeavesAsync("shared", (await a.ReadRecordAsync("shared"))!.Leaves, pending: false);
        for (int i = 0; i < 300; i++) await a.SaveAsync(new JsonObject { ["id"] = $"a/{i}", ["v"] = i });
        for (int i = 0; i < 200; i++) await b.SaveAsync(new JsonObject { ["id"] = $"b/{i}", ["v"] = i });
        await a.SaveAsync(new JsonObject { ["id"] = "shared", ["rev"] = (string)shared["rev"]!, ["v"] = "from a" });
        await b.SaveAsync(new JsonObject { ["id"] = "shared", ["rev"] = (string)shared["rev"]!, ["v"] = "from b" });
        Assert.NotEqual(a.Index!.Digests(), b.Index!.Digests());

        var report = await AntiEntropy.RepairAsync(new LocalReplica(_a), new LocalReplica(_b), "db", default);
        Assert.True(report.RecordsPulled >= 201 && report.RecordsPushed >= 301, report.ToString());
        Assert.Equal(a.Index!.Digests(), b.Index!.Digests());
        var ra = await a.ReadRecordAsync("shared");
        var rb = await b.ReadRecordAsync("shared");
        Assert.Equal(ra!.Winner.Rev, rb!.Winner.Rev);
        Assert.Single(ra.Conflicts);
        Assert.Single(rb.Conflicts);

        var again = await AntiEntropy.RepairAsync(new LocalReplica(_a), new LocalReplica(_b), "db", default);
        Assert.Equal(new RepairReport(0, 0, 0), again);
    }

    [Fact]
    public async Task Index_is_rebuilt_from_disk_with_the_same_digests()
    {
        var a = await _a.GetAsync("persist");
        for (int i = 0; i < 100; i++) await a.SaveAsync(new JsonObject { ["id"] = $"k{i}", ["v"] = i });
        var gone = await a.SaveAsync(new JsonObject { ["id"] = "gone" });
        await a.DeleteAsync("gone", (string)gone["rev"]!);
        var before = a.Index!.Digests();
        await _a.DisposeAsync();
        _a = new DatabaseCatalog(Path.Combine(_root, "a"), new StoreOptions(), 1 << 20);
        var reopened = await _a.GetAsync("persist");
        Assert.Equal(before, reopened.Index!.Digests());
        Assert.Contains("persist", _a.Names());
    }
}

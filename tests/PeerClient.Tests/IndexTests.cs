using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;
using MyNoSql.Storage.Tests.Indexing;
using Xunit.Abstractions;

namespace MyNoSql.PeerClient.Tests;

/// <summary>
/// The peer's index API (DESIGN §7) and its crash consistency with real processes: a child saves and deletes under
/// two indexes (tiny memtables, so runs flush and merge all the time) and is SIGKILLed at random moments; after each
/// reopen every index scan equals the full scan, for several ranges, both directions.
/// </summary>
public class IndexTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Indexes_are_created_listed_deleted_and_persist_in_the_database_folder()
    {
        using var dir = new TempDir();
        await using (var db = await MyNoSqlDb.OpenAsync("shop", dir.Options()))
        {
            for (int i = 0; i < 20; i++) await db.SaveDocAsync(new JsonObject { ["id"] = $"o{i}", ["type"] = i % 2 == 0 ? "order" : "note", ["date"] = $"2026-01-{i + 10}" });
            Assert.True(await db.CreateIndexAsync("by-type-date", ["type", "date"]));
            Assert.False(await db.CreateIndexAsync("by-type-date", ["type", "date"]));
            await Assert.ThrowsAsync<ArgumentException>(() => db.CreateIndexAsync("by-type-date", ["date"]));
            await Assert.ThrowsAsync<ArgumentException>(() => db.CreateIndexAsync("bad name", ["date"]));
            Assert.True(await db.CreateIndexAsync("by-id", ["id"]));
            Assert.True(await db.DeleteIndexAsync("by-id"));
            Assert.False(await db.DeleteIndexAsync("by-id"));
            var index = db.Store.Indexes.QuerySource.Indexes.Single();
            var orders = index.Scan(KeyRange.Prefix(CollationKey.Of(JsonValue.Create("order"))), descending: true).Select(h => h.Id).ToList();
            Assert.Equal([.. Enumerable.Range(0, 20).Where(i => i % 2 == 0).Select(i => $"o{i}").Reverse()], orders);
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, "shop", "indexes", "catalog.json")));
        await using (var db = await MyNoSqlDb.OpenAsync("shop", dir.Options()))
        {
            var list = await db.ListIndexesAsync();
            Assert.Equal("by-type-date", Assert.Single(list).Name);
            Assert.Equal(["type", "date"], list[0].Fields);
        }
    }

    [Fact]
    public async Task Index_answers_equal_full_scans_after_SIGKILL_at_random_moments()
    {
        using var dir = new TempDir();
        var random = new Random(20261205);
        int acks = 0;
        for (int round = 0; round < 5; round++)
        {
            using (var child = ChildProcess.Start("index", dir.Path, "crashix", "2"))
            {
                await child.WaitForLineAsync(l => l == "READY", TimeSpan.FromSeconds(60));
                // Some writes are acknowledged before the random kill is armed, however slow the disk is under load.
                using (var started = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                {
                    int before = acks;
                    await foreach (var line in child.Lines.ReadAllAsync(started.Token))
                        if (line.StartsWith("ACK ", StringComparison.Ordinal) && ++acks - before >= 20) break;
                }
                using (var killAt = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(300, 1500))))
                {
                    try
                    {
                        await foreach (var line in child.Lines.ReadAllAsync(killAt.Token))
                            if (line.StartsWith("ACK ", StringComparison.Ordinal)) acks++;
                    }
                    catch (OperationCanceledException) { }
                }
                child.Kill();
                Assert.True(await child.WaitForExitAsync(TimeSpan.FromSeconds(30)), "child did not die");
            }
            await using var db = await MyNoSqlDb.OpenAsync("crashix", dir.Options());
            var source = db.Store.Indexes.QuerySource;
            Assert.Equal(2, source.Indexes.Count);
            foreach (var index in source.Indexes) await IndexOracle.AssertSameAsync(source, index, random);
            output.WriteLine($"round {round}: {acks} acks so far, {source.LiveIds(null).Count()} live documents, index == full scan");
        }
        Assert.True(acks > 50, "the child acknowledged almost nothing: the test exercised nothing");
    }
}

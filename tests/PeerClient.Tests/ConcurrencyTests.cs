using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

public class ConcurrencyTests
{
    [Fact]
    public async Task Many_tasks_saving_and_reading_see_their_own_writes_and_everything_survives_reopen()
    {
        using var dir = new TempDir();
        var options = dir.Options();
        options.LogSealThresholdBytes = 32 << 10; // keep the compactor busy underneath
        const int tasks = 32, perTask = 60;
        await using (var db = await MyNoSqlDb.OpenAsync("busy", options))
        {
            await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
            {
                string? rev = null;
                for (int i = 0; i < perTask; i++)
                {
                    var own = await db.SaveDocAsync(new JsonObject { ["id"] = $"t{t}/{i}", ["v"] = i, ["pad"] = new string('p', 200) });
                    var back = await db.ReadDocAsync($"t{t}/{i}");
                    Assert.Equal((string)own["rev"]!, (string)back!["rev"]!);
                    // A record per task updated over and over.
                    var counter = new JsonObject { ["id"] = $"counter/{t}", ["n"] = i };
                    if (rev is not null) counter["rev"] = rev;
                    rev = (string)(await db.SaveDocAsync(counter))["rev"]!;
                }
            })));
        }
        await using (var db = await MyNoSqlDb.OpenAsync("busy", options))
        {
            for (int t = 0; t < tasks; t++)
            {
                var c = await db.ReadDocAsync($"counter/{t}");
                Assert.Equal(perTask - 1, (int)c!["n"]!);
                Assert.StartsWith($"{perTask}-", (string)c["rev"]!);
                for (int i = 0; i < perTask; i++) Assert.NotNull(await db.ReadDocAsync($"t{t}/{i}"));
            }
        }
    }

    [Fact]
    public async Task Concurrent_updates_from_the_same_rev_let_exactly_one_win()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("race", dir.Options());
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "hot", ["v"] = 0 });
        string rev = (string)v1["rev"]!;
        var attempts = await Task.WhenAll(Enumerable.Range(1, 16).Select(i => Task.Run(async () =>
        {
            try { await db.SaveDocAsync(new JsonObject { ["id"] = "hot", ["rev"] = rev, ["v"] = i }); return true; }
            catch (RevisionConflictException) { return false; }
        })));
        Assert.Equal(1, attempts.Count(ok => ok));
        var final = await db.ReadDocAsync("hot");
        Assert.StartsWith("2-", (string)final!["rev"]!);
    }

    [Fact]
    public async Task Conflicts_are_listed_and_resolved_by_deleting_the_loser()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("conflicts", dir.Options());
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "c", ["v"] = 0 });
        Assert.Empty(await db.GetConflictsAsync("c"));
        // Simulate a concurrent edit made offline elsewhere arriving by replication.
        var record = await db.Store.ReadRecordAsync("c");
        var remote = Storage.Documents.RevisionLeaf.Child(record!.Winner, false, "{\"v\":\"remote\"}"u8.ToArray());
        await db.SaveDocAsync(new JsonObject { ["id"] = "c", ["rev"] = (string)v1["rev"]!, ["v"] = "local" });
        Assert.Equal(Storage.Documents.MergeResult.Conflict, await db.Store.MergeAsync("c", remote, pending: false));

        var winner = await db.ReadDocAsync("c");
        var losers = await db.GetConflictsAsync("c");
        var loser = Assert.Single(losers);
        Assert.NotEqual((string)winner!["rev"]!, (string)loser["rev"]!);
        Assert.Contains((string)winner["v"]!, new[] { "local", "remote" });
        await db.DeleteDocAsync("c", (string)loser["rev"]!);
        Assert.Empty(await db.GetConflictsAsync("c"));
        Assert.Equal((string)winner["rev"]!, (string)(await db.ReadDocAsync("c"))!["rev"]!);
    }
}

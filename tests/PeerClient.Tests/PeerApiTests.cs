using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

public class PeerApiTests
{
    [Fact]
    public async Task Save_generates_id_and_rev_and_read_returns_the_record()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var saved = await db.SaveDocAsync(new JsonObject { ["temp"] = 21.5, ["where"] = "kitchen" });
        string id = (string)saved["id"]!;
        Assert.Matches("^[0-9A-Z]{26}$", id);
        Assert.Matches("^1-[0-9a-f]{32}$", (string)saved["rev"]!);
        var read = await db.ReadDocAsync(id);
        Assert.NotNull(read);
        Assert.Equal(21.5, (double)read!["temp"]!);
        Assert.Equal((string)saved["rev"]!, (string)read["rev"]!);
        Assert.Null(await db.ReadDocAsync("missing"));
    }

    [Fact]
    public async Task Update_needs_the_current_rev_and_a_stale_one_writes_nothing()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "/players/ann", ["score"] = 1 });
        var v2 = await db.SaveDocAsync(new JsonObject { ["id"] = "/players/ann", ["rev"] = (string)v1["rev"]!, ["score"] = 2 });
        Assert.StartsWith("2-", (string)v2["rev"]!);

        var stale = await Assert.ThrowsAsync<RevisionConflictException>(() =>
            db.SaveDocAsync(new JsonObject { ["id"] = "/players/ann", ["rev"] = (string)v1["rev"]!, ["score"] = 99 }));
        Assert.Equal((string)v2["rev"]!, stale.CurrentRevision);
        await Assert.ThrowsAsync<RevisionConflictException>(() => db.SaveDocAsync(new JsonObject { ["id"] = "/players/ann", ["score"] = 98 }));
        await Assert.ThrowsAsync<RevisionConflictException>(() => db.SaveDocAsync(new JsonObject { ["id"] = "/players/ann", ["rev"] = "bogus", ["score"] = 97 }));

        var read = await db.ReadDocAsync("/players/ann");
        Assert.Equal(2, (int)read!["score"]!);
        Assert.Equal((string)v2["rev"]!, (string)read["rev"]!);
    }

    [Fact]
    public async Task Resaving_unchanged_content_returns_the_current_rev()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "a", ["x"] = 1 });
        var again = await db.SaveDocAsync(new JsonObject { ["id"] = "a", ["rev"] = (string)v1["rev"]!, ["x"] = 1 });
        Assert.Equal((string)v1["rev"]!, (string)again["rev"]!);
    }

    [Fact]
    public async Task Delete_hides_the_record_then_it_can_be_created_again()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "d", ["x"] = 1 });
        await Assert.ThrowsAsync<RevisionConflictException>(() => db.DeleteDocAsync("d", "1-00000000000000000000000000000000"));
        string tomb = await db.DeleteDocAsync("d", (string)v1["rev"]!);
        Assert.StartsWith("2-", tomb);
        Assert.Null(await db.ReadDocAsync("d"));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => db.DeleteDocAsync("d", tomb));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => db.DeleteDocAsync("never", tomb));
        var v3 = await db.SaveDocAsync(new JsonObject { ["id"] = "d", ["rev"] = "ignored", ["x"] = 3 });
        Assert.StartsWith("3-", (string)v3["rev"]!);
    }

    [Fact]
    public async Task ListIds_yields_live_ids_with_the_prefix_in_ordinal_order()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        string[] ids = ["/Comedy/MontyPython/Actor:JohnCleese", "/Comedy/MontyPython/Actor:EricIdle", "/Drama/X", "/Comedy/Z", "/Comedy/a"];
        foreach (var id in ids) await db.SaveDocAsync(new JsonObject { ["id"] = id });
        var gone = await db.SaveDocAsync(new JsonObject { ["id"] = "/Comedy/Deleted" });
        await db.DeleteDocAsync("/Comedy/Deleted", (string)gone["rev"]!);

        var listed = new List<string>();
        await foreach (var id in db.ListIdsAsync("/Comedy/")) listed.Add(id);
        Assert.Equal(ids.Where(i => i.StartsWith("/Comedy/", StringComparison.Ordinal)).Order(StringComparer.Ordinal), listed);
        var all = new List<string>();
        await foreach (var id in db.ListIdsAsync()) all.Add(id);
        Assert.Equal(5, all.Count);
    }

    [Fact]
    public async Task Batch_save_is_all_or_nothing()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("logger", dir.Options());
        var first = await db.SaveDocsAsync(Enumerable.Range(0, 500).Select(i => new JsonObject { ["id"] = $"r/{i:D4}", ["v"] = i }));
        Assert.Equal(500, first.Count);
        Assert.All(first, d => Assert.StartsWith("1-", (string)d["rev"]!));

        // One stale record in the batch: nothing of the batch is written.
        var batch = new List<JsonObject>
        {
            new() { ["id"] = "r/new", ["v"] = 1 },
            new() { ["id"] = "r/0001", ["rev"] = (string)first[1]["rev"]!, ["v"] = 100 },
            new() { ["id"] = "r/0002", ["v"] = 200 },
        };
        await Assert.ThrowsAsync<RevisionConflictException>(() => db.SaveDocsAsync(batch));
        Assert.Null(await db.ReadDocAsync("r/new"));
        Assert.Equal(1, (int)(await db.ReadDocAsync("r/0001"))!["v"]!);

        // A repeated id applies in order within the batch: the second save of "t" has no rev, so it conflicts
        // with the first, and the whole batch is refused.
        await Assert.ThrowsAsync<RevisionConflictException>(() =>
            db.SaveDocsAsync([new JsonObject { ["id"] = "t", ["v"] = 1 }, new JsonObject { ["id"] = "t", ["v"] = 2 }]));
        Assert.Null(await db.ReadDocAsync("t"));
    }

    [Fact]
    public async Task Everything_survives_reopen_including_mode_mirrors_and_outbox()
    {
        using var dir = new TempDir();
        string rev;
        await using (var db = await MyNoSqlDb.OpenAsync("persist", dir.Options()))
        {
            Assert.Equal(DbMode.Peer, db.Mode);
            await db.SetModeAsync(DbMode.Mirror);
            await db.AddPeerAsync("http://127.0.0.1:8800/");
            await db.AddPeerAsync("http://127.0.0.1:8800");
            rev = (string)(await db.SaveDocAsync(new JsonObject { ["id"] = "k", ["v"] = "é" }))["rev"]!;
            await db.SaveDocsAsync(Enumerable.Range(0, 100).Select(i => new JsonObject { ["id"] = $"b{i}" }));
            Assert.Equal(101, db.GetSyncStatus().PendingWrites);
        }
        await using (var db = await MyNoSqlDb.OpenAsync("persist", dir.Options()))
        {
            Assert.Equal(DbMode.Mirror, db.Mode);
            var status = db.GetSyncStatus();
            Assert.Equal(["http://127.0.0.1:8800"], status.Mirrors);
            Assert.Equal(101, status.PendingWrites);
            var k = await db.ReadDocAsync("k");
            Assert.Equal("é", (string)k!["v"]!);
            Assert.Equal(rev, (string)k["rev"]!);
        }
    }

    [Fact]
    public async Task Sync_without_a_mirror_fails_clearly_and_keeps_the_outbox()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("offline", dir.Options());
        await db.SaveDocAsync(new JsonObject { ["a"] = 1 });
        var e = await Assert.ThrowsAsync<MyNoSqlException>(() => db.SyncAsync());
        Assert.Contains("offline", e.Message);
        Assert.Equal(1, db.GetSyncStatus().PendingWrites);
    }
}

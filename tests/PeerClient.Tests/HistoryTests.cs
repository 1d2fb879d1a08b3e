using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

/// <summary>DESIGN §8 history and undo/redo through the peer API, on real files.</summary>
public class HistoryTests
{
    private static async Task<JsonObject> Save(MyNoSqlDb db, string id, object v, JsonObject? previous = null)
    {
        var doc = new JsonObject { ["id"] = id, ["v"] = JsonValue.Create(v) };
        if (previous is not null) doc["rev"] = (string)previous["rev"]!;
        return await db.SaveDocAsync(doc);
    }

    [Fact]
    public async Task Undo_undo_redo_after_v1_v2_v3_gives_v2_v1_v2_as_new_revisions_and_survives_reopen()
    {
        using var dir = new TempDir();
        string rev3;
        await using (var db = await MyNoSqlDb.OpenAsync("app", dir.Options()))
        {
            var v1 = await Save(db, "doc", "v1");
            var v2 = await Save(db, "doc", "v2", v1);
            var v3 = await Save(db, "doc", "v3", v2);
            rev3 = (string)v3["rev"]!;
            var v4 = await db.UndoAsync("doc");
            Assert.Equal("v2", (string)v4["v"]!);
            Assert.StartsWith("4-", (string)v4["rev"]!, StringComparison.Ordinal);
            Assert.Equal("doc", (string)v4["id"]!);
            Assert.Equal((string)v4["rev"]!, (string)(await db.ReadDocAsync("doc"))!["rev"]!);
        }
        await using (var db = await MyNoSqlDb.OpenAsync("app", dir.Options()))
        {
            var v5 = await db.UndoAsync("doc");
            Assert.Equal("v1", (string)v5["v"]!);
            Assert.StartsWith("5-", (string)v5["rev"]!, StringComparison.Ordinal);
            var nothing = await Assert.ThrowsAsync<MyNoSqlException>(() => db.UndoAsync("doc"));
            Assert.Contains("nothing to undo", nothing.Message, StringComparison.Ordinal);
            var v6 = await db.RedoAsync("doc");
            Assert.Equal("v2", (string)v6["v"]!);
            Assert.StartsWith("6-", (string)v6["rev"]!, StringComparison.Ordinal);
            Assert.Equal("v2", (string)(await db.ReadDocAsync("doc"))!["v"]!);

            var history = await db.GetHistoryAsync("doc");
            Assert.Equal(6, history.Count);
            Assert.Equal((string)v6["rev"]!, history[0].Rev);
            Assert.Equal(rev3, history[3].Rev);
            Assert.All(history, h => Assert.True(h.HasBody));
            Assert.All(history, h => Assert.False(h.Deleted));
            Assert.All(history, h => Assert.InRange(h.SavedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1)));
            Assert.True(history.Zip(history.Skip(1)).All(p => p.First.SavedAt >= p.Second.SavedAt));
            Assert.Equal("v3", (string)(await db.ReadDocAsync("doc", rev3))!["v"]!);
            Assert.Equal(rev3, (string)(await db.ReadDocAsync("doc", rev3))!["rev"]!);
            Assert.True(db.GetSyncStatus().PendingWrites > 0); // undo/redo are ordinary pending writes
        }
    }

    [Fact]
    public async Task A_plain_save_clears_redo()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await Save(db, "doc", 1);
        await Save(db, "doc", 2, v1);
        var undone = await db.UndoAsync("doc");
        Assert.Equal(1, (int)undone["v"]!);
        await Save(db, "doc", 3, undone);
        var e = await Assert.ThrowsAsync<MyNoSqlException>(() => db.RedoAsync("doc"));
        Assert.Contains("nothing to redo", e.Message, StringComparison.Ordinal);
        Assert.Contains("'doc'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'app'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_depth_3_keeps_three_bodies_and_older_revisions_are_listed_without()
    {
        using var dir = new TempDir();
        var options = dir.Options();
        options.HistoryDepth = 3;
        await using var db = await MyNoSqlDb.OpenAsync("app", options);
        var revs = new List<string>();
        JsonObject? last = null;
        for (int i = 1; i <= 7; i++) { last = await Save(db, "doc", i, last); revs.Add((string)last["rev"]!); }
        var history = await db.GetHistoryAsync("doc");
        Assert.Equal(Enumerable.Reverse(revs), history.Select(h => h.Rev));
        Assert.Equal([true, true, true, true, false, false, false], history.Select(h => h.HasBody));
        Assert.Null(history[5].SavedAt);
        Assert.Null(await db.ReadDocAsync("doc", revs[2]));
        Assert.Equal(4, (int)(await db.ReadDocAsync("doc", revs[3]))!["v"]!);
        Assert.Equal(6, (int)(await db.UndoAsync("doc"))["v"]!);
    }

    [Fact]
    public async Task History_depth_0_keeps_no_bodies_and_undo_has_nothing()
    {
        using var dir = new TempDir();
        var options = dir.Options();
        options.HistoryDepth = 0;
        await using var db = await MyNoSqlDb.OpenAsync("app", options);
        var v1 = await Save(db, "doc", 1);
        await Save(db, "doc", 2, v1);
        var history = await db.GetHistoryAsync("doc");
        Assert.Equal([true, false], history.Select(h => h.HasBody));
        Assert.Null(await db.ReadDocAsync("doc", (string)v1["rev"]!));
        await Assert.ThrowsAsync<MyNoSqlException>(() => db.UndoAsync("doc"));
    }

    [Fact]
    public async Task Undo_after_a_delete_restores_the_content_as_a_live_revision()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await Save(db, "doc", "kept");
        string tombstone = await db.DeleteDocAsync("doc", (string)v1["rev"]!);
        Assert.Null(await db.ReadDocAsync("doc"));
        var history = await db.GetHistoryAsync("doc");
        Assert.Equal([tombstone, (string)v1["rev"]!], history.Select(h => h.Rev));
        Assert.Equal([true, false], history.Select(h => h.Deleted));
        Assert.Equal([false, true], history.Select(h => h.HasBody));
        Assert.Null(await db.ReadDocAsync("doc", tombstone));

        var back = await db.UndoAsync("doc");
        Assert.Equal("kept", (string)back["v"]!);
        Assert.StartsWith("3-", (string)back["rev"]!, StringComparison.Ordinal);
        Assert.Equal("kept", (string)(await db.ReadDocAsync("doc"))!["v"]!);
        Assert.Contains("doc", await db.ListIdsAsync().ToListAsync());
    }

    [Fact]
    public async Task Bad_arguments_and_unknown_records()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await Save(db, "doc", 1);
        await Assert.ThrowsAsync<ArgumentException>(() => db.ReadDocAsync("doc", "not-a-rev"));
        await Assert.ThrowsAsync<ArgumentException>(() => db.GetHistoryAsync(""));
        Assert.Empty(await db.GetHistoryAsync("missing"));
        Assert.Null(await db.ReadDocAsync("missing", (string)v1["rev"]!));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => db.UndoAsync("missing"));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => db.RedoAsync("missing"));
        Assert.Equal(1, (int)(await db.ReadDocAsync("doc", (string)v1["rev"]!))!["v"]!);
    }
}

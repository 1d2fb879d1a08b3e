using System.Text.Json.Nodes;
using static MyNoSql.PeerClient.Tests.Attachments.AttachmentApiTests;

namespace MyNoSql.PeerClient.Tests.Attachments;

/// <summary>Peer-side collection: deleted records and revisions that leave the history free their chunks; bodies a
/// kept revision (history, another record) still names stay.</summary>
public sealed class AttachmentCollectionTests
{
    [Fact]
    public async Task Deleted_records_free_their_chunks_once_no_kept_revision_names_them()
    {
        using var dir = new TempDir();
        var options = dir.Options();
        options.HistoryDepth = 0; // no kept history: a replaced revision is collectable at once
        await using var db = await MyNoSqlDb.OpenAsync("app", options);
        db.AttachmentGrace = TimeSpan.Zero;
        byte[] shared = Bytes(1 << 20, 10);
        var a = await db.PutAttachmentAsync("a", null, "x", new MemoryStream([.. shared, .. Bytes(1 << 20, 11)]));
        var b = await db.PutAttachmentAsync("b", null, "x", new MemoryStream(shared));
        Assert.Equal(2, ChunkFiles(dir.Path, "app"));

        await db.DeleteDocAsync("a", (string)a["rev"]!);
        await db.CompactAsync();
        Assert.Equal(1, ChunkFiles(dir.Path, "app")); // a's own chunk went, the chunk shared with b stayed
        Assert.Equal(shared, await ReadAll(db, "b", "x"));

        var noAtt = await db.DeleteAttachmentAsync("b", (string)b["rev"]!, "x");
        await db.CompactAsync();
        Assert.Equal(0, ChunkFiles(dir.Path, "app"));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "app", "attachments", "manifests")));
        Assert.NotNull(await db.ReadDocAsync("b"));
        Assert.Null(noAtt["_attachments"]);
    }

    [Fact]
    public async Task Bodies_named_by_kept_history_stay_until_the_history_lets_them_go()
    {
        using var dir = new TempDir();
        var options = dir.Options();
        options.HistoryDepth = 1;
        await using var db = await MyNoSqlDb.OpenAsync("app", options);
        db.AttachmentGrace = TimeSpan.Zero;
        var v1 = await db.PutAttachmentAsync("r", null, "x", new MemoryStream(Bytes(1000, 20)));
        var v2 = await db.PutAttachmentAsync("r", (string)v1["rev"]!, "x", new MemoryStream(Bytes(1000, 21)));
        await db.CompactAsync();
        Assert.Equal(2, ChunkFiles(dir.Path, "app")); // v1's body is in the kept history (undo can return to it)
        var v3 = await db.SaveDocAsync(new JsonObject { ["id"] = "r", ["rev"] = (string)v2["rev"]!, ["note"] = 1 });
        await db.CompactAsync();
        Assert.Equal(1, ChunkFiles(dir.Path, "app")); // v1 left the history (depth 1): its body went
        Assert.Equal(Bytes(1000, 21), await ReadAll(db, "r", "x"));
        Assert.NotNull(v3);
    }

    [Fact]
    public async Task A_delete_schedules_a_background_collection()
    {
        using var dir = new TempDir();
        var options = dir.Options();
        options.HistoryDepth = 0;
        await using var db = await MyNoSqlDb.OpenAsync("app", options);
        db.AttachmentGrace = TimeSpan.Zero;
        db.AttachmentCollectInterval = TimeSpan.Zero;
        var a = await db.PutAttachmentAsync("a", null, "x", new MemoryStream(Bytes(5000, 30)));
        await db.DeleteDocAsync("a", (string)a["rev"]!);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (ChunkFiles(dir.Path, "app") > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, ChunkFiles(dir.Path, "app"));
    }
}

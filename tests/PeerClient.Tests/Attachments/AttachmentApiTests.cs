using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests.Attachments;

/// <summary>DESIGN §9 attachments through the peer API on real files: put/open/delete, the stub format, the rules
/// that keep stubs out of user saves, errors, and bodies shared across records.</summary>
public sealed class AttachmentApiTests
{
    internal static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    internal static async Task<byte[]> ReadAll(MyNoSqlDb db, string id, string name)
    {
        await using var s = await db.OpenAttachmentAsync(id, name);
        var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        return copy.ToArray();
    }

    internal static int ChunkFiles(string dataDir, string db) =>
        Directory.EnumerateFiles(Path.Combine(dataDir, db, "attachments", "chunks"), "*", SearchOption.AllDirectories).Count();

    [Fact]
    public async Task Put_open_and_delete_make_revisions_with_the_stub_and_survive_reopen()
    {
        using var dir = new TempDir();
        byte[] body = Bytes(2_500_000, 1);
        string rev;
        await using (var db = await MyNoSqlDb.OpenAsync("app", dir.Options()))
        {
            var doc = await db.SaveDocAsync(new JsonObject { ["id"] = "car/1", ["model"] = "T" });
            var saved = await db.PutAttachmentAsync("car/1", (string)doc["rev"]!, "photo.jpg", new MemoryStream(body), "image/jpeg");
            Assert.StartsWith("2-", (string)saved["rev"]!, StringComparison.Ordinal);
            Assert.Equal("T", (string)saved["model"]!);
            var stub = saved["_attachments"]!["photo.jpg"]!.AsObject();
            Assert.Equal("image/jpeg", (string)stub["content_type"]!);
            Assert.Equal(body.Length, (long)stub["length"]!);
            Assert.Equal("sha256-" + Convert.ToBase64String(SHA256.HashData(body)), (string)stub["digest"]!);
            Assert.Equal(saved.ToJsonString(), (await db.ReadDocAsync("car/1"))!.ToJsonString());
            rev = (string)saved["rev"]!;
        }
        await using (var db = await MyNoSqlDb.OpenAsync("app", dir.Options()))
        {
            Assert.Equal(body, await ReadAll(db, "car/1", "photo.jpg"));
            await using (var s = await db.OpenAttachmentAsync("car/1", "photo.jpg"))
            {
                Assert.True(s.CanSeek);
                Assert.Equal(body.Length, s.Length);
                s.Position = 1_500_000;
                var part = new byte[100];
                s.ReadExactly(part);
                Assert.Equal(body.AsSpan(1_500_000, 100).ToArray(), part);
            }
            var after = await db.DeleteAttachmentAsync("car/1", rev, "photo.jpg");
            Assert.StartsWith("3-", (string)after["rev"]!, StringComparison.Ordinal);
            Assert.Null(after["_attachments"]);
            Assert.Equal("T", (string)after["model"]!);
            await Assert.ThrowsAsync<AttachmentNotFoundException>(() => db.OpenAttachmentAsync("car/1", "photo.jpg"));
        }
    }

    [Fact]
    public async Task Putting_on_a_missing_record_creates_it_and_the_default_content_type_is_octet_stream()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var saved = await db.PutAttachmentAsync("new", null, "log.txt", new MemoryStream("hello"u8.ToArray()));
        Assert.StartsWith("1-", (string)saved["rev"]!, StringComparison.Ordinal);
        Assert.Equal("application/octet-stream", (string)saved["_attachments"]!["log.txt"]!["content_type"]!);
        Assert.Equal("hello"u8.ToArray(), await ReadAll(db, "new", "log.txt"));
        // A second attachment, then replacing the first.
        var two = await db.PutAttachmentAsync("new", (string)saved["rev"]!, "b.bin", new MemoryStream([1, 2, 3]), "application/x-b");
        var replaced = await db.PutAttachmentAsync("new", (string)two["rev"]!, "log.txt", new MemoryStream("bye"u8.ToArray()), "text/plain");
        Assert.Equal(2, replaced["_attachments"]!.AsObject().Count);
        Assert.Equal("bye"u8.ToArray(), await ReadAll(db, "new", "log.txt"));
        Assert.Equal([1, 2, 3], await ReadAll(db, "new", "b.bin"));
    }

    [Fact]
    public async Task User_saves_keep_the_stubs_and_cannot_change_them()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var doc = await db.SaveDocAsync(new JsonObject { ["id"] = "r", ["v"] = 1 });
        var withAtt = await db.PutAttachmentAsync("r", (string)doc["rev"]!, "a.bin", new MemoryStream(Bytes(1000, 2)));
        var stubs = withAtt["_attachments"]!.ToJsonString();

        // A save without _attachments keeps them.
        var saved = await db.SaveDocAsync(new JsonObject { ["id"] = "r", ["rev"] = (string)withAtt["rev"]!, ["v"] = 2 });
        Assert.Equal(stubs, saved["_attachments"]!.ToJsonString());
        Assert.Equal(2, (int)(await db.ReadDocAsync("r"))!["v"]!);

        // Re-saving what was read (stubs included) is allowed and, unchanged, writes nothing.
        var read = (await db.ReadDocAsync("r"))!;
        var same = await db.SaveDocAsync(read.DeepClone().AsObject());
        Assert.Equal((string)read["rev"]!, (string)same["rev"]!);

        // Changing or dropping a stub through a save is refused and writes nothing.
        var changed = read.DeepClone().AsObject();
        changed["_attachments"]!["a.bin"]!["length"] = 5;
        var e = await Assert.ThrowsAsync<DocumentFormatException>(() => db.SaveDocAsync(changed));
        Assert.Contains("attachment API", e.Message, StringComparison.Ordinal);
        var emptied = read.DeepClone().AsObject();
        emptied["_attachments"] = new JsonObject();
        await Assert.ThrowsAsync<DocumentFormatException>(() => db.SaveDocAsync(emptied));
        Assert.Equal((string)read["rev"]!, (string)(await db.ReadDocAsync("r"))!["rev"]!);

        // A new record cannot be born with stubs.
        await Assert.ThrowsAsync<DocumentFormatException>(() => db.SaveDocAsync(new JsonObject { ["id"] = "fake", ["_attachments"] = withAtt["_attachments"]!.DeepClone() }));

        // Patches and undo keep them too.
        var patched = await db.PatchDocAsync("r", (string)read["rev"]!, new JsonObject { ["v"] = 3 });
        Assert.Equal(stubs, patched["_attachments"]!.ToJsonString());
        var undone = await db.UndoAsync("r");
        Assert.Equal(2, (int)undone["v"]!);
        Assert.Equal(stubs, undone["_attachments"]!.ToJsonString());
        var undoneAgain = await db.UndoAsync("r");
        Assert.Equal(1, (int)undoneAgain["v"]!);
        var beforeAttachment = await db.UndoAsync("r"); // back to the first revision, which had no attachment: the stubs stay
        Assert.Equal(1, (int)beforeAttachment["v"]!);
        Assert.StartsWith("7-", (string)beforeAttachment["rev"]!, StringComparison.Ordinal);
        Assert.Equal(stubs, beforeAttachment["_attachments"]!.ToJsonString());
        Assert.Equal(1000, (await ReadAll(db, "r", "a.bin")).Length);
    }

    [Fact]
    public async Task Bad_input_gives_clear_errors_and_writes_nothing()
    {
        using var dir = new TempDir();
        var options = dir.Options();
        options.MaxAttachmentBytes = 100_000;
        await using var db = await MyNoSqlDb.OpenAsync("app", options);
        var doc = await db.SaveDocAsync(new JsonObject { ["id"] = "r" });
        string rev = (string)doc["rev"]!;
        foreach (string bad in new[] { "", "_private", "a\nb", new string('x', 256) })
            await Assert.ThrowsAsync<ArgumentException>(() => db.PutAttachmentAsync("r", rev, bad, new MemoryStream([1])));
        await Assert.ThrowsAsync<ArgumentException>(() => db.PutAttachmentAsync("r", rev, "ok", new MemoryStream([1]), "text/\nplain"));
        await Assert.ThrowsAsync<ArgumentException>(() => db.PutAttachmentAsync("", rev, "ok", new MemoryStream([1])));
        var conflict = await Assert.ThrowsAsync<RevisionConflictException>(() => db.PutAttachmentAsync("r", "9-00000000000000000000000000000000", "ok", new MemoryStream([1])));
        Assert.Contains("'r'", conflict.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RevisionConflictException>(() => db.PutAttachmentAsync("r", null, "ok", new MemoryStream([1])));
        var tooLarge = await Assert.ThrowsAsync<AttachmentTooLargeException>(() => db.PutAttachmentAsync("r", rev, "big", new MemoryStream(new byte[100_001])));
        Assert.Equal(100_000, tooLarge.Limit);
        Assert.Contains("'big'", tooLarge.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<AttachmentNotFoundException>(() => db.DeleteAttachmentAsync("r", rev, "nope"));
        Assert.Equal(("app", "r", "nope"), (missing.Database, missing.Id, missing.Name));
        await Assert.ThrowsAsync<AttachmentNotFoundException>(() => db.OpenAttachmentAsync("r", "nope"));
        await Assert.ThrowsAsync<AttachmentNotFoundException>(() => db.OpenAttachmentAsync("absent", "nope"));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => db.DeleteAttachmentAsync("absent", rev, "nope"));
        Assert.Equal(rev, (string)(await db.ReadDocAsync("r"))!["rev"]!);
        Assert.Null((await db.ReadDocAsync("r"))!["_attachments"]);
    }

    [Fact]
    public async Task The_same_content_on_three_records_costs_its_bytes_once()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        byte[] body = Bytes(3 << 20, 3);
        for (int i = 0; i < 3; i++)
            await db.PutAttachmentAsync($"r{i}", null, "same.bin", new MemoryStream(body));
        Assert.Equal(3, ChunkFiles(dir.Path, "app"));
        long onDisk = Directory.EnumerateFiles(Path.Combine(dir.Path, "app", "attachments"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(onDisk < body.Length + 64 * 1024, $"{onDisk} bytes on disk for a {body.Length}-byte body on three records");
        for (int i = 0; i < 3; i++) Assert.Equal(body, await ReadAll(db, $"r{i}", "same.bin"));
    }
}

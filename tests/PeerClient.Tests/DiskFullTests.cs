using System.Text.Json.Nodes;
using MyNoSql.Tests.Support;

namespace MyNoSql.PeerClient.Tests;

/// <summary>
/// A peer on a real file system that fills up (a 32 MiB tmpfs, mounted for the test; the test needs root, as CI runs):
/// saves and attachment puts fail with <see cref="StorageFullException"/> naming the database and the record, every
/// acknowledged record still reads back, and writes resume in the same process once space is freed.
/// </summary>
public sealed class DiskFullTests
{
    [Fact]
    public async Task A_full_disk_refuses_writes_with_StorageFullException_keeps_every_acknowledged_record_and_recovers()
    {
        using var dir = new TempDir();
        using var disk = SmallFileSystem.Mount(dir.Path, 32);
        if (disk is null) return; // not root: nothing to mount a small file system with (CI runs as root)
        // Room to free later: what a user deletes to make space.
        string filler = Path.Combine(dir.Path, "filler.bin");
        await File.WriteAllBytesAsync(filler, new byte[8 << 20]);
        var acknowledged = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var db = await MyNoSqlDb.OpenAsync("full", dir.Options()))
        {
            StorageFullException? refused = null;
            string text = new('x', 2_000);
            for (int i = 0; i < 40_000 && refused is null; i++)
            {
                try
                {
                    await db.SaveDocAsync(new JsonObject { ["id"] = $"r{i:D5}", ["n"] = i, ["text"] = text });
                    acknowledged[$"r{i:D5}"] = i;
                }
                catch (StorageFullException e)
                {
                    refused = e;
                }
            }
            Assert.NotNull(refused);
            Assert.Contains("Database 'full'", refused.Message, StringComparison.Ordinal);
            Assert.Contains("disk is full", refused.Message, StringComparison.Ordinal);
            Assert.True(acknowledged.Count > 100, $"only {acknowledged.Count} saves before the disk filled");

            var attachment = await Assert.ThrowsAsync<StorageFullException>(() =>
                db.PutAttachmentAsync("photo", null, "big.bin", new MemoryStream(RandomBytes(12 << 20))));
            Assert.Contains("'big.bin'", attachment.Message, StringComparison.Ordinal);
            Assert.Contains("'photo'", attachment.Message, StringComparison.Ordinal);

            foreach (var (id, n) in acknowledged) Assert.Equal(n, (int)(await db.ReadDocAsync(id))!["n"]!);

            // Space freed: the same process writes again (a later save may meet a shard still waiting for its log's extension).
            File.Delete(filler);
            JsonObject? saved = null;
            for (int attempt = 0; attempt < 50 && saved is null; attempt++)
            {
                try
                {
                    saved = await db.SaveDocAsync(new JsonObject { ["id"] = $"after{attempt}", ["n"] = -1 });
                }
                catch (StorageFullException)
                {
                }
            }
            Assert.NotNull(saved);
        }
        await using (var reopened = await MyNoSqlDb.OpenAsync("full", dir.Options()))
        {
            foreach (var (id, n) in acknowledged) Assert.Equal(n, (int)(await reopened.ReadDocAsync(id))!["n"]!);
        }
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}

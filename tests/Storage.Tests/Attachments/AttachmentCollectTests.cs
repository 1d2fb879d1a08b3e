using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Tests.Engine;
using static MyNoSql.Storage.Tests.Attachments.AttachmentStoreTests;

namespace MyNoSql.Storage.Tests.Attachments;

/// <summary>Mark and sweep of the chunk store: unreferenced bodies go, shared chunks and young uploads stay.</summary>
public sealed class AttachmentCollectTests
{
    private static int Files(AttachmentStore store, string sub) => Directory.EnumerateFiles(Path.Combine(store.Directory, sub), "*", SearchOption.AllDirectories).Count();

    [Fact]
    public async Task Unreferenced_bodies_are_collected_and_chunks_they_share_with_live_ones_are_kept()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        byte[] shared = RandomBytes(Chunk, 20);
        var live = await store.PutAsync(new MemoryStream([.. shared, .. RandomBytes(Chunk, 21)]), default);
        var dead = await store.PutAsync(new MemoryStream([.. shared, .. RandomBytes(Chunk, 22), .. RandomBytes(10, 23)]), default);
        Assert.Equal(4, Files(store, "chunks"));

        // Within the grace period nothing goes (a put whose stub is not saved yet).
        var spared = await store.CollectAsync(new HashSet<string> { live.Digest }, TimeSpan.FromHours(1), default);
        Assert.Equal(0, spared.ManifestsDeleted + spared.ChunksDeleted);
        Assert.True(store.HasBody(dead.Digest));

        var result = await store.CollectAsync(new HashSet<string> { live.Digest }, TimeSpan.Zero, default);
        Assert.Equal(1, result.ManifestsDeleted);
        Assert.Equal(2, result.ChunksDeleted);
        Assert.True(result.BytesFreed > Chunk);
        Assert.Equal(2, Files(store, "chunks"));
        Assert.Null(store.TryGetManifest(dead.Digest));
        Assert.True(store.HasBody(live.Digest));
        var copy = new MemoryStream();
        await store.OpenRead(live).CopyToAsync(copy);
        Assert.Equal(2 * Chunk, copy.Length);

        var none = await store.CollectAsync(new HashSet<string>(), TimeSpan.Zero, default);
        Assert.Equal(1, none.ManifestsDeleted);
        Assert.Equal(0, Files(store, "chunks"));
        Assert.Equal(0, Files(store, "manifests"));
    }

    [Fact]
    public async Task An_upload_whose_manifest_has_not_arrived_is_spared_by_the_grace_period()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        byte[] chunk = RandomBytes(Chunk, 30);
        string id = ChunkFile.IdOf(chunk);
        await store.PutChunkAsync(id, chunk, default);
        var result = await store.CollectAsync(new HashSet<string>(), TimeSpan.FromMinutes(10), default);
        Assert.Equal(0, result.ChunksDeleted);
        Assert.True(store.HasChunk(id));
        // Old and still without a manifest: collected.
        File.SetLastWriteTimeUtc(Path.Combine(store.Directory, "chunks", id[..2], id), DateTime.UtcNow.AddHours(-1));
        result = await store.CollectAsync(new HashSet<string>(), TimeSpan.FromMinutes(10), default);
        Assert.Equal(1, result.ChunksDeleted);
        Assert.False(store.HasChunk(id));
    }

    [Fact]
    public async Task Reusing_an_old_chunk_makes_it_young_again_so_a_collection_meanwhile_keeps_it()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        byte[] body = RandomBytes(Chunk, 40);
        var first = await store.PutAsync(new MemoryStream(body), default);
        string chunkPath = Path.Combine(store.Directory, "chunks", first.Chunks[0][..2], first.Chunks[0]);
        string manifestPath = Path.Combine(store.Directory, "manifests", Directory.GetFiles(Path.Combine(store.Directory, "manifests")).Select(Path.GetFileName).Single()!);
        File.SetLastWriteTimeUtc(chunkPath, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(manifestPath, DateTime.UtcNow.AddHours(-1));
        // Put again (deduplicated: nothing written) — the reuse refreshes both files.
        await store.PutAsync(new MemoryStream(body), default);
        var result = await store.CollectAsync(new HashSet<string>(), TimeSpan.FromMinutes(10), default);
        Assert.Equal(0, result.ChunksDeleted + result.ManifestsDeleted);
        Assert.True(store.HasBody(first.Digest));
    }
}

using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Tests.Engine;
using static MyNoSql.Storage.Tests.Attachments.AttachmentStoreTests;

namespace MyNoSql.Storage.Tests.Attachments;

/// <summary>Chunks received from another mirror (<see cref="AttachmentStore.StageChunkAsync"/>): invisible until made durable
/// by their manifest or a full group, checked like any received chunk, and never left behind.</summary>
public sealed class StagedChunksTests
{
    private static string TempDir(AttachmentStore store) => Path.Combine(store.Directory, "tmp");

    /// <summary>
    /// Chunks waiting in the store: nameless files on Linux file systems with <c>O_TMPFILE</c>, named temp files where
    /// there is none (<paramref name="named"/>: forced for <paramref name="store"/>'s directory, and then each is a file).
    /// </summary>
    private static int Waiting(AttachmentStore store, bool named)
    {
        int files = Directory.GetFiles(TempDir(store)).Length;
        Assert.Equal(named ? store.StagedCount : 0, files);
        return store.StagedCount;
    }

    /// <summary>Runs <paramref name="test"/> with named temp files forced under <paramref name="root"/> when <paramref name="named"/>.</summary>
    private static async Task InModeAsync(bool named, string root, Func<Task> test)
    {
        if (named) MyNoSql.Storage.IO.FileSync.NoAnonymousFilesForTests = root;
        try { await test(); }
        finally { if (named) MyNoSql.Storage.IO.FileSync.NoAnonymousFilesForTests = null; }
    }

    /// <summary>A body put on <paramref name="from"/> and its chunks' raw bytes (what a sending mirror has).</summary>
    private static async Task<(AttachmentManifest Manifest, byte[][] Raw)> SourceBodyAsync(AttachmentStore from, int chunks, int seed)
    {
        var manifest = await from.PutAsync(new MemoryStream(RandomBytes(chunks * Chunk - 100, seed)), default);
        var raw = new byte[manifest.Chunks.Count][];
        for (int i = 0; i < raw.Length; i++) raw[i] = await from.ReadChunkAsync(manifest.Chunks[i], default);
        return (manifest, raw);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_staged_chunk_is_not_held_until_the_manifest_naming_it_commits_it(bool named)
    {
        using var source = new TempDirectory();
        using var dir = new TempDirectory();
        await InModeAsync(named, dir.Path, async () =>
        {
            await using var from = OpenStore(source.Path);
            await using var store = OpenStore(dir.Path);
            var (manifest, raw) = await SourceBodyAsync(from, 3, 1);

            for (int i = 0; i < raw.Length; i++) await store.StageChunkAsync(manifest.Chunks[i], raw[i], default);
            await store.StageChunkAsync(manifest.Chunks[0], raw[0], default); // a repeat is not written twice
            Assert.Equal(manifest.Chunks, store.MissingChunks(manifest.Chunks));
            Assert.Equal(3, Waiting(store, named));

            await store.CommitStagedAsync(manifest.Chunks);
            Assert.Empty(store.MissingChunks(manifest.Chunks));
            Assert.Equal(0, Waiting(store, named));
            await store.StoreManifestAsync(manifest, default);
            var copy = new MemoryStream();
            await store.OpenRead(manifest).CopyToAsync(copy);
            Assert.Equal(raw.SelectMany(r => r).ToArray(), copy.ToArray());
        });
    }

    [Fact]
    public async Task A_full_group_is_committed_without_waiting_for_its_manifest()
    {
        using var source = new TempDirectory();
        using var dir = new TempDirectory();
        await using var from = OpenStore(source.Path);
        await using var store = OpenStore(dir.Path);
        var (manifest, raw) = await SourceBodyAsync(from, ChunkGroups.GroupChunks + 3, 2);

        for (int i = 0; i < raw.Length; i++) await store.StageChunkAsync(manifest.Chunks[i], raw[i], default);
        // The group commit runs in the background: the first GroupChunks chunks become held without any manifest.
        var first = manifest.Chunks.Take(ChunkGroups.GroupChunks).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (store.MissingChunks(first).Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Empty(store.MissingChunks(first));
        Assert.Equal(manifest.Chunks.Skip(ChunkGroups.GroupChunks), store.MissingChunks(manifest.Chunks));

        await store.CommitStagedAsync(manifest.Chunks);
        await store.StoreManifestAsync(manifest, default);
        Assert.True(store.HasBody(manifest.Digest));
        Assert.Empty(Directory.GetFiles(TempDir(store)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bad_chunks_are_refused_and_stale_or_unclaimed_ones_are_deleted(bool named)
    {
        using var source = new TempDirectory();
        using var dir = new TempDirectory();
        await InModeAsync(named, dir.Path, async () =>
        {
            await using var from = OpenStore(source.Path);
            var (manifest, raw) = await SourceBodyAsync(from, 2, 3);
            await using (var store = OpenStore(dir.Path))
            {
                await Assert.ThrowsAsync<ArgumentException>(() => store.StageChunkAsync(manifest.Chunks[1], raw[0], default));
                await Assert.ThrowsAsync<ArgumentException>(() => store.StageChunkAsync("../../etc/passwd", raw[0], default));
                await Assert.ThrowsAsync<ArgumentException>(() => store.StageChunkAsync(manifest.Chunks[0], new byte[Chunk + 1], default));
                Assert.Equal(0, Waiting(store, named));

                // An upload whose manifest never came: its staged chunk goes with the next collection past the grace.
                await store.StageChunkAsync(manifest.Chunks[0], raw[0], default);
                await store.CollectAsync(new HashSet<string>(), TimeSpan.FromHours(1), default);
                Assert.Equal(1, Waiting(store, named));
                await store.CollectAsync(new HashSet<string>(), TimeSpan.Zero, default);
                Assert.Equal(0, Waiting(store, named));
                await store.CommitStagedAsync(manifest.Chunks);
                Assert.Equal(manifest.Chunks, store.MissingChunks(manifest.Chunks));

                // Closing the store deletes what is still staged.
                await store.StageChunkAsync(manifest.Chunks[1], raw[1], default);
                Assert.Equal(1, Waiting(store, named));
            }
            Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "attachments", "tmp")));
            await using var reopened = OpenStore(dir.Path);
            Assert.Equal(0, Waiting(reopened, named));
            Assert.Equal(manifest.Chunks, reopened.MissingChunks(manifest.Chunks));
        });
    }

    [Fact]
    public async Task A_chunk_already_held_is_only_kept_young()
    {
        using var source = new TempDirectory();
        using var dir = new TempDirectory();
        await using var from = OpenStore(source.Path);
        await using var store = OpenStore(dir.Path);
        var (manifest, raw) = await SourceBodyAsync(from, 1, 4);
        await store.PutChunkAsync(manifest.Chunks[0], raw[0], default);
        await store.StageChunkAsync(manifest.Chunks[0], raw[0], default);
        Assert.Empty(Directory.GetFiles(TempDir(store)));
        Assert.Empty(store.MissingChunks(manifest.Chunks));
    }
}

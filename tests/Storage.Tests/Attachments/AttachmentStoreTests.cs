using System.Security.Cryptography;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Tests.Engine;

namespace MyNoSql.Storage.Tests.Attachments;

/// <summary>The chunk store on real files: round trips, seeks, dedup, compression choice, corruption, limits, hostile ids.</summary>
public sealed class AttachmentStoreTests
{
    internal const int Chunk = 64 << 10;

    internal static AttachmentStore OpenStore(string dir, long max = AttachmentStoreOptions.DefaultMaxAttachmentBytes) =>
        AttachmentStore.Open(Path.Combine(dir, "attachments"), new AttachmentStoreOptions { ChunkSize = Chunk, MaxAttachmentBytes = max });

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    internal static byte[] TextBytes(int length)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; text.Length < length; i++) text.Append("{\"sensor\":\"s-").Append(i % 97).Append("\",\"value\":").Append(i * 7 % 1000).Append("}\n");
        return System.Text.Encoding.UTF8.GetBytes(text.ToString())[..length];
    }

    private static string ChunkFileOf(AttachmentStore store, string id) => Path.Combine(store.Directory, "chunks", id[..2], id);

    private static int ChunkFiles(AttachmentStore store) => Directory.EnumerateFiles(Path.Combine(store.Directory, "chunks"), "*", SearchOption.AllDirectories).Count();

    [Fact]
    public async Task A_body_round_trips_with_its_digest_and_reads_from_any_position()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        byte[] body = [.. RandomBytes(2 * Chunk, 1), .. TextBytes(Chunk + 123)];
        var manifest = await store.PutAsync(new MemoryStream(body), default);

        Assert.Equal(body.Length, manifest.Length);
        Assert.Equal(4, manifest.Chunks.Count);
        Assert.Equal("sha256-" + Convert.ToBase64String(SHA256.HashData(body)), manifest.Digest);
        Assert.Equal(manifest, store.TryGetManifest(manifest.Digest) is { } m ? m with { Chunks = manifest.Chunks } : null);
        Assert.Equal(manifest.Chunks, store.TryGetManifest(manifest.Digest)!.Chunks);
        Assert.True(store.HasBody(manifest.Digest));

        await using var read = store.OpenRead(manifest);
        Assert.True(read.CanSeek);
        Assert.Equal(body.Length, read.Length);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(body, copy.ToArray());

        foreach (long at in new long[] { 0, 1, Chunk - 1, Chunk, 3 * Chunk + 5, body.Length - 1 })
        {
            read.Position = at;
            var part = new byte[Math.Min(Chunk + 10, body.Length - (int)at)];
            read.ReadExactly(part);
            Assert.Equal(body.AsSpan((int)at, part.Length).ToArray(), part);
        }
        read.Seek(0, SeekOrigin.End);
        Assert.Equal(0, read.Read(new byte[10]));
    }

    [Fact]
    public async Task An_empty_body_and_a_body_of_exactly_one_chunk_round_trip()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        var empty = await store.PutAsync(new MemoryStream(), default);
        Assert.Equal(0, empty.Length);
        Assert.Empty(empty.Chunks);
        Assert.True(store.HasBody(empty.Digest));
        Assert.Equal(0, store.OpenRead(empty).Read(new byte[4]));

        byte[] one = RandomBytes(Chunk, 2);
        var manifest = await store.PutAsync(new MemoryStream(one), default);
        Assert.Single(manifest.Chunks);
        var copy = new MemoryStream();
        await store.OpenRead(manifest).CopyToAsync(copy);
        Assert.Equal(one, copy.ToArray());
    }

    [Fact]
    public async Task The_same_bytes_are_stored_once_across_bodies()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        byte[] a = RandomBytes(3 * Chunk, 3);
        var first = await store.PutAsync(new MemoryStream(a), default);
        Assert.Equal(3, ChunkFiles(store));
        var again = await store.PutAsync(new MemoryStream(a), default);
        Assert.Equal(first.Digest, again.Digest);
        Assert.Equal(3, ChunkFiles(store));
        // A body sharing its first two chunks costs one more chunk.
        byte[] b = [.. a.AsSpan(0, 2 * Chunk), .. RandomBytes(100, 4)];
        var second = await store.PutAsync(new MemoryStream(b), default);
        Assert.Equal(first.Chunks.Take(2), second.Chunks.Take(2));
        Assert.Equal(4, ChunkFiles(store));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(store.Directory, "manifests")).Length);
    }

    [Fact]
    public async Task Compressible_chunks_are_stored_compressed_and_random_chunks_raw()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        var text = await store.PutAsync(new MemoryStream(TextBytes(Chunk)), default);
        var noise = await store.PutAsync(new MemoryStream(RandomBytes(Chunk, 5)), default);
        long textFile = new FileInfo(ChunkFileOf(store, text.Chunks[0])).Length;
        long noiseFile = new FileInfo(ChunkFileOf(store, noise.Chunks[0])).Length;
        Assert.True(textFile < Chunk / 4, $"text chunk stored in {textFile} bytes");
        Assert.Equal(Chunk + ChunkFile.HeaderSize, noiseFile);
        Assert.Equal(TextBytes(Chunk), await store.ReadChunkAsync(text.Chunks[0], default));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_damaged_chunk_is_reported_with_its_file_and_offset(bool compressible)
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        byte[] body = compressible ? TextBytes(2 * Chunk) : RandomBytes(2 * Chunk, 6);
        var manifest = await store.PutAsync(new MemoryStream(body), default);
        string path = ChunkFileOf(store, manifest.Chunks[1]);
        using (var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = ChunkFile.HeaderSize + 10;
            int b = f.ReadByte();
            f.Position = ChunkFile.HeaderSize + 10;
            f.WriteByte((byte)(b ^ 0x40));
        }
        await using var read = store.OpenRead(manifest);
        read.ReadExactly(new byte[Chunk]); // the first chunk is intact
        var e = Assert.Throws<CorruptDataException>(() => read.ReadExactly(new byte[10]));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(ChunkFile.HeaderSize, e.Offset);
        var again = await Assert.ThrowsAsync<CorruptDataException>(async () => await store.ReadChunkAsync(manifest.Chunks[1], default));
        Assert.Equal(path, again.FilePath);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_whether_or_not_its_length_is_known()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path, max: 2 * Chunk);
        await store.PutAsync(new MemoryStream(RandomBytes(2 * Chunk, 7)), default);
        var e = await Assert.ThrowsAsync<AttachmentTooLargeException>(async () => await store.PutAsync(new MemoryStream(RandomBytes(2 * Chunk + 1, 8)), default));
        Assert.Equal(2 * Chunk, e.Limit);
        await Assert.ThrowsAsync<AttachmentTooLargeException>(async () => await store.PutAsync(new UnseekableStream(RandomBytes(3 * Chunk, 9)), default));
        Assert.Empty(Directory.GetFiles(Path.Combine(store.Directory, "tmp")));
    }

    [Fact]
    public async Task Sync_side_chunk_and_manifest_calls_check_hashes_ids_and_missing_chunks()
    {
        using var dir = new TempDirectory();
        using var source = new TempDirectory();
        await using var from = OpenStore(source.Path);
        await using var store = OpenStore(dir.Path);
        byte[] body = [.. RandomBytes(Chunk, 10), .. TextBytes(Chunk / 2)];
        var manifest = await from.PutAsync(new MemoryStream(body), default);

        Assert.Equal(manifest.Chunks, store.MissingChunks([.. manifest.Chunks, manifest.Chunks[0]]));
        Assert.Throws<ArgumentException>(() => store.StoreManifestAsync(manifest, default).AsTask().GetAwaiter().GetResult());
        Assert.Null(store.TryGetManifest(manifest.Digest));
        byte[] first = await from.ReadChunkAsync(manifest.Chunks[0], default);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutChunkAsync(manifest.Chunks[1], first, default));
        await store.PutChunkAsync(manifest.Chunks[0], first, default);
        Assert.Equal([manifest.Chunks[1]], store.MissingChunks(manifest.Chunks));
        Assert.False(store.HasBody(manifest.Digest));
        await store.PutChunkAsync(manifest.Chunks[1], await from.ReadChunkAsync(manifest.Chunks[1], default), default);
        await store.StoreManifestAsync(manifest, default);
        Assert.True(store.HasBody(manifest.Digest));
        var copy = new MemoryStream();
        await store.OpenRead(store.TryGetManifest(manifest.Digest)!).CopyToAsync(copy);
        Assert.Equal(body, copy.ToArray());

        foreach (string bad in new[] { "../../etc/passwd", "", new string('A', 64), new string('a', 63), "0/" + new string('a', 62) })
        {
            Assert.Throws<ArgumentException>(() => store.HasChunk(bad));
            await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutChunkAsync(bad, first, default));
            await Assert.ThrowsAsync<ArgumentException>(async () => await store.ReadChunkAsync(bad, default));
        }
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutChunkAsync(manifest.Chunks[0], new byte[Chunk + 1], default));
        await Assert.ThrowsAsync<FileNotFoundException>(async () => await store.ReadChunkAsync(new string('0', 64), default));
        Assert.Null(store.TryGetManifest("sha256-notbase64!"));
        Assert.Null(store.TryGetManifest("../manifests/x"));
        // A manifest whose chunk count does not match its length is refused.
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.StoreManifestAsync(manifest with { Length = body.Length + Chunk }, default));
    }

    [Fact]
    public async Task Temp_files_left_by_a_crash_are_removed_at_open_and_chunks_survive_reopen()
    {
        using var dir = new TempDirectory();
        AttachmentManifest manifest;
        await using (var store = OpenStore(dir.Path))
        {
            manifest = await store.PutAsync(new MemoryStream(RandomBytes(Chunk + 1, 11)), default);
            File.WriteAllBytes(Path.Combine(store.Directory, "tmp", "deadbeef.12345678"), [1, 2, 3]);
        }
        await using (var store = OpenStore(dir.Path))
        {
            Assert.Empty(Directory.GetFiles(Path.Combine(store.Directory, "tmp")));
            Assert.True(store.HasBody(manifest.Digest));
        }
    }

    [Fact]
    public async Task A_body_of_several_durable_groups_round_trips_and_leaves_no_temp_files()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        // 2.5 groups of chunks; chunk 40 repeats chunk 3, which is then still waiting in a group (not yet in place).
        int chunks = ChunkGroups.GroupChunks * 5 / 2;
        byte[] body = RandomBytes(chunks * Chunk + 77, 21);
        body.AsSpan(3 * Chunk, Chunk).CopyTo(body.AsSpan(40 * Chunk));
        var manifest = await store.PutAsync(new MemoryStream(body), default);
        Assert.Equal(chunks + 1, manifest.Chunks.Count);
        Assert.Equal(manifest.Chunks[3], manifest.Chunks[40]);
        Assert.Equal(chunks, ChunkFiles(store));
        Assert.Empty(Directory.GetFiles(Path.Combine(store.Directory, "tmp")));
        await using var read = store.OpenRead(manifest);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(body, copy.ToArray());
    }

    [Fact]
    public async Task A_put_that_fails_midway_leaves_no_temp_files_and_only_whole_chunks_under_their_names()
    {
        using var dir = new TempDirectory();
        await using var store = OpenStore(dir.Path);
        byte[] body = RandomBytes((ChunkGroups.GroupChunks + 10) * Chunk, 22);
        var failing = new UnseekableStream(body, failAt: (ChunkGroups.GroupChunks + 5) * Chunk);
        await Assert.ThrowsAsync<IOException>(async () => await store.PutAsync(failing, default));
        Assert.Empty(Directory.GetFiles(Path.Combine(store.Directory, "tmp")));
        // Groups committed before the failure stay (orphans the collector frees later): whatever is visible reads back whole.
        foreach (string file in Directory.EnumerateFiles(Path.Combine(store.Directory, "chunks"), "*", SearchOption.AllDirectories))
        {
            string id = Path.GetFileName(file);
            Assert.Equal(id, ChunkFile.IdOf(await store.ReadChunkAsync(id, default)));
        }
        Assert.True(ChunkFiles(store) <= ChunkGroups.GroupChunks + 5, "only chunks read before the failure");
        // The same body then goes in whole.
        var manifest = await store.PutAsync(new MemoryStream(body), default);
        Assert.True(store.HasBody(manifest.Digest));
        Assert.Equal(ChunkGroups.GroupChunks + 10, ChunkFiles(store));
    }

    /// <summary>A body of unknown length, read in small pieces; with <paramref name="failAt"/>, its read throws once that many
    /// bytes were read (a cut connection).</summary>
    internal sealed class UnseekableStream(byte[] data, int failAt = int.MaxValue) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_inner.Position >= failAt) throw new IOException("connection cut");
            return _inner.Read(buffer, offset, (int)Math.Min(Math.Min(count, 7000), failAt - _inner.Position));
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

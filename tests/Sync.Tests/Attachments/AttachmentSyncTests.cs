using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;
using Xunit.Abstractions;

namespace MyNoSql.Sync.Tests.Attachments;

/// <summary>
/// Attachment bodies through a real mirror process (src/Storage/Sync/README.md "Attachment bodies"): uploaded before the
/// records, only the chunks the mirror lacks; Mirror-mode peers pull every body, Peer-mode peers fetch one when it is
/// first opened.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class AttachmentSyncTests(MirrorFixture mirror, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Chunk = 1 << 20;
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    private async Task<(MyNoSqlDb Peer, BodyCounter Counter)> OpenAsync(string db, DbMode mode, string? directory = null, IProgress<SyncProgress>? progress = null, bool offline = false)
    {
        var counter = new BodyCounter();
        var peer = await _peers.OpenAsync(db, directory, progress: progress, offline: offline, configure: o => CountingTransport.Configure(o, counter));
        if (mode == DbMode.Mirror) await peer.SetModeAsync(DbMode.Mirror);
        await peer.AddPeerAsync(CountingTransport.Url(mirror.Url));
        return (peer, counter);
    }

    private static async Task<JsonObject> PutAsync(MyNoSqlDb peer, string id, string name, long length, ulong seed)
    {
        var doc = await peer.ReadDocAsync(id) ?? await peer.SaveDocAsync(new JsonObject { ["id"] = id, ["title"] = id });
        await using var body = new PatternStream(length, seed);
        return await peer.PutAttachmentAsync(id, (string)doc["rev"]!, name, body, "application/x-test");
    }

    private static async Task<string> OpenDigestAsync(MyNoSqlDb peer, string id, string name)
    {
        await using var s = await peer.OpenAttachmentAsync(id, name);
        return "sha256-" + Convert.ToBase64String(await PatternStream.HashAsync(s));
    }

    [Fact]
    public async Task A_body_goes_peer_to_mirror_to_peers_once_and_an_unchanged_body_is_never_sent_again()
    {
        const string Db = "att-roundtrip";
        const long Length = 3L * Chunk + 100; // four chunks, the last short
        string digest = PatternStream.Digest(Length, 7);
        var log = new ProgressLog();
        var (writer, sent) = await OpenAsync(Db, DbMode.Peer, progress: log);
        var first = await PutAsync(writer, "photo1", "body.bin", Length, 7);
        Assert.Equal(digest, (string)first["_attachments"]!["body.bin"]!["digest"]!);
        // The same bytes on a second record: stored and sent once.
        await PutAsync(writer, "photo2", "copy.bin", Length, 7);
        await writer.SyncAsync();
        output.WriteLine($"first sync: {sent.ChunksAttempted.Count} chunk uploads, {sent.MissingChecks.Count} missing-checks, {sent.ManifestsPut.Count} manifests");
        Assert.Equal(4, sent.ChunksAttempted.Count);
        Assert.Equal(4, sent.ChunksStored.Distinct().Count());
        // One manifest for the shared body, naming a record that refers to it (placement under replicas).
        var (putDigest, putFor) = Assert.Single(sent.ManifestsPut);
        Assert.Equal(digest, putDigest);
        Assert.Contains(putFor, new[] { "photo1", "photo2" });
        Assert.Equal(0, writer.GetSyncStatus().PendingWrites);
        Assert.Equal(Length, log.Reports[^1].AttachmentBytesSent);

        // The mirror serves it (HTTP GET of the attachment): the bytes arrived whole.
        using (var response = await mirror.Http.GetAsync($"{mirror.Url}/db/{Db}/doc/photo2/att/copy.bin", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var s = await response.Content.ReadAsStreamAsync();
            Assert.Equal(digest, "sha256-" + Convert.ToBase64String(await PatternStream.HashAsync(s)));
        }

        // Edits that keep the attachment: no chunk, no missing-check, no manifest travels again.
        sent.Clear();
        var doc = (await writer.ReadDocAsync("photo1"))!;
        doc["title"] = "edited";
        doc.Remove("_attachments");
        await writer.SaveDocAsync(doc);
        await writer.SyncAsync();
        Assert.Empty(sent.ChunksAttempted);
        Assert.Empty(sent.MissingChecks);
        Assert.Empty(sent.ManifestsPut);
        Assert.Equal(0, writer.GetSyncStatus().PendingWrites);

        // A second body sharing three chunks with the first (same prefix, other tail): only the new chunk is sent.
        sent.Clear();
        await using (var grown = new PatternStream(Length + Chunk, 7))
        {
            var current = (await writer.ReadDocAsync("photo1"))!;
            await writer.PutAttachmentAsync("photo1", (string)current["rev"]!, "grown.bin", grown, "application/x-test");
        }
        await writer.SyncAsync();
        output.WriteLine($"grown body: {sent.ChunksAttempted.Count} chunk uploads");
        Assert.Equal(2, sent.ChunksAttempted.Count); // the old short tail is now a whole chunk, plus the new tail

        // A Mirror-mode peer pulls every body its records refer to, each chunk once.
        var (full, fullCounter) = await OpenAsync(Db, DbMode.Mirror);
        await full.SyncAsync();
        output.WriteLine($"mirror-mode pull: {fullCounter.ChunksFetched.Count} chunk downloads");
        Assert.Equal(6, fullCounter.ChunksFetched.Count);
        Assert.Equal(digest, await OpenDigestAsync(full, "photo2", "copy.bin"));
        Assert.Equal(PatternStream.Digest(Length + Chunk, 7), await OpenDigestAsync(full, "photo1", "grown.bin"));
        Assert.Equal(6, fullCounter.ChunksFetched.Count); // opens read the local copy

        // A Peer-mode peer reads the record without its body; the first open fetches it, the second reads it locally.
        var (lazy, lazyCounter) = await OpenAsync(Db, DbMode.Peer);
        var read = await lazy.ReadDocAsync("photo2");
        Assert.Equal(digest, (string)read!["_attachments"]!["copy.bin"]!["digest"]!);
        Assert.Empty(lazyCounter.ChunksFetched);
        Assert.Equal(digest, await OpenDigestAsync(lazy, "photo2", "copy.bin"));
        Assert.Equal(4, lazyCounter.ChunksFetched.Count);
        Assert.Equal(digest, await OpenDigestAsync(lazy, "photo2", "copy.bin"));
        Assert.Equal(4, lazyCounter.ChunksFetched.Count);
    }

    [Fact]
    public async Task A_mirror_mode_peer_opens_every_body_offline_and_a_peer_mode_peer_only_what_it_opened()
    {
        const string Db = "att-offline";
        var (writer, _) = await OpenAsync(Db, DbMode.Peer);
        for (int i = 0; i < 3; i++) await PutAsync(writer, $"r{i}", "a.bin", 100_000 + i, (ulong)(100 + i));
        await writer.SyncAsync();

        string fullDir = _peers.NewDirectory();
        var (full, _) = await OpenAsync(Db, DbMode.Mirror, fullDir);
        await full.SyncAsync();
        string lazyDir = _peers.NewDirectory();
        var (lazy, _) = await OpenAsync(Db, DbMode.Peer, lazyDir);
        Assert.NotNull(await lazy.ReadDocAsync("r0"));
        Assert.NotNull(await lazy.ReadDocAsync("r1"));
        Assert.Equal(PatternStream.Digest(100_000, 100), await OpenDigestAsync(lazy, "r0", "a.bin"));
        await _peers.CloseAsync(full);
        await _peers.CloseAsync(lazy);

        // No network now.
        (full, _) = await OpenAsync(Db, DbMode.Mirror, fullDir, offline: true);
        for (int i = 0; i < 3; i++)
            Assert.Equal(PatternStream.Digest(100_000 + i, (ulong)(100 + i)), await OpenDigestAsync(full, $"r{i}", "a.bin"));
        (lazy, _) = await OpenAsync(Db, DbMode.Peer, lazyDir, offline: true);
        Assert.Equal(PatternStream.Digest(100_000, 100), await OpenDigestAsync(lazy, "r0", "a.bin"));
        // r1's record is held, its body was never opened: not on this peer, and no mirror is reachable.
        var e = await Assert.ThrowsAnyAsync<MyNoSqlException>(() => OpenDigestAsync(lazy, "r1", "a.bin"));
        output.WriteLine(e.Message);
    }

    [Fact]
    public async Task A_peer_switched_to_mirror_mode_pulls_the_bodies_of_records_it_already_held()
    {
        const string Db = "att-switch";
        var (writer, _) = await OpenAsync(Db, DbMode.Peer);
        await PutAsync(writer, "s1", "a.bin", 2 * Chunk, 11);
        await writer.SyncAsync();

        var (peer, counter) = await OpenAsync(Db, DbMode.Peer);
        Assert.NotNull(await peer.ReadDocAsync("s1"));
        await peer.SyncAsync();
        Assert.Empty(counter.ChunksFetched);
        await peer.SetModeAsync(DbMode.Mirror);
        await peer.SyncAsync();
        Assert.Equal(2, counter.ChunksFetched.Count);
    }

    [Fact]
    public async Task A_downloaded_chunk_that_does_not_hash_to_its_id_fails_the_pull_and_is_not_stored()
    {
        const string Db = "att-altered";
        var (writer, _) = await OpenAsync(Db, DbMode.Peer);
        await PutAsync(writer, "v1", "a.bin", 2 * Chunk, 21);
        await writer.SyncAsync();

        var (reader, counter) = await OpenAsync(Db, DbMode.Mirror);
        counter.CorruptFetchedChunks = true;
        try { await reader.SyncAsync(); }
        catch (MyNoSqlException e) { output.WriteLine(e.Message); }
        string? error = reader.GetSyncStatus().LastError;
        output.WriteLine(error);
        Assert.Contains("does not match its id", error, StringComparison.Ordinal);
        int fetched = counter.ChunksFetched.Count;
        Assert.Equal(1, fetched); // the first chunk failed its check: nothing after it was asked for

        // The next round (bytes intact) fetches both chunks: the altered one was not kept.
        counter.CorruptFetchedChunks = false;
        await reader.SyncAsync();
        Assert.Equal(fetched + 2, counter.ChunksFetched.Count);
        Assert.Equal(PatternStream.Digest(2 * Chunk, 21), await OpenDigestAsync(reader, "v1", "a.bin"));
    }

    [Fact]
    public async Task Through_an_orleans_mirror_a_record_whose_body_cannot_travel_waits_in_the_outbox_and_says_why()
    {
        const string Db = "att-orleans";
        var peer = await _peers.OpenAsync(Db, configure: o => o.UseOrleans());
        await peer.AddPeerAsync($"orleans://127.0.0.1:{mirror.GatewayPort}");
        await PutAsync(peer, "with", "a.bin", 5000, 3);
        await peer.SaveDocAsync(new JsonObject { ["id"] = "plain", ["title"] = "no attachment" });
        await peer.SyncAsync();
        var status = peer.GetSyncStatus();
        output.WriteLine(status.LastError);
        Assert.Equal(1, status.PendingWrites);
        Assert.Contains("cannot carry attachment bodies", status.LastError, StringComparison.Ordinal);
        using (var plain = await mirror.Http.GetAsync($"{mirror.Url}/db/{Db}/doc/plain"))
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        using (var with = await mirror.Http.GetAsync($"{mirror.Url}/db/{Db}/doc/with"))
            Assert.Equal(HttpStatusCode.NotFound, with.StatusCode);

        // An HTTP round takes it, body first.
        await peer.RemovePeerAsync($"orleans://127.0.0.1:{mirror.GatewayPort}");
        await peer.AddPeerAsync(mirror.Url);
        await peer.SyncAsync();
        Assert.Equal(0, peer.GetSyncStatus().PendingWrites);
        using var body = await mirror.Http.GetAsync($"{mirror.Url}/db/{Db}/doc/with/att/a.bin");
        Assert.Equal(HttpStatusCode.OK, body.StatusCode);
        Assert.Equal(PatternStream.Digest(5000, 3), "sha256-" + Convert.ToBase64String(PatternStream.Hash(await body.Content.ReadAsStreamAsync())));
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests.Delta;

/// <summary>
/// Delta sync (DESIGN §8, issue 13) against a real mirror: a changed record moves as a delta against a revision the
/// receiver holds (pull: the peer's; push: the newest its history says a mirror acknowledged), a mirror that lacks the
/// base answers need_whole and gets it whole in the same round, hostile deltas store nothing, stamps travel end to end,
/// and many offline edits arrive as a descendant (stored ancestry 100).
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class DeltaSyncTests(MirrorFixture mirror) : IAsyncLifetime
{
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    private async Task<(MyNoSqlDb Peer, SyncRecorder Recorder)> OpenRecordedAsync(string db)
    {
        var recorder = new SyncRecorder(mirror.Url);
        var peer = await _peers.OpenAsync(db, configure: recorder.Configure);
        await peer.AddPeerAsync(SyncRecorder.Url);
        return (peer, recorder);
    }

    /// <summary>About 10 KB of JSON: 150 fields of varied words (compressible like real records, not trivially).</summary>
    private static JsonObject LargeDoc(string id)
    {
        var random = new Random(13);
        string[] words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november"];
        var doc = new JsonObject { ["id"] = id };
        for (int i = 0; i < 150; i++)
        {
            var text = new StringBuilder();
            for (int w = 0; w < 8; w++) text.Append(words[random.Next(words.Length)]).Append(random.Next(1000)).Append(' ');
            doc[$"field{i}"] = text.ToString();
        }
        return doc;
    }

    private async Task<byte[]> FetchWholeAsync(string db, string id)
    {
        using var content = new StringContent($"[\"{id}\"]", Encoding.UTF8, "application/json");
        using var response = await mirror.Http.PostAsync($"{mirror.Url}/db/{db}/sync/fetch", content);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<JsonObject> MirrorGetAsync(string path)
    {
        using var response = await mirror.Http.GetAsync($"{mirror.Url}{path}");
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task One_changed_field_of_a_10_KB_record_moves_under_a_tenth_of_its_whole_size_on_push_and_pull()
    {
        string db = "delta-bytes";
        var (writer, writes) = await OpenRecordedAsync(db);
        var (reader, reads) = await OpenRecordedAsync(db);
        var doc = await writer.SaveDocAsync(LargeDoc("big"));
        Assert.InRange(Encoding.UTF8.GetByteCount(doc.ToJsonString()), 9_000, 14_000);
        await writer.SyncAsync();
        Assert.NotNull(await reader.ReadDocAsync("big")); // fetched on demand: the reader holds it now
        await reader.SyncAsync();

        doc["field77"] = "changed";
        doc = await writer.SaveDocAsync(doc);
        writes.Clear();
        await writer.SyncAsync();
        Assert.Equal(0, writer.GetSyncStatus().PendingWrites);
        int whole = (await FetchWholeAsync(db, "big")).Length;
        int pushed = Assert.Single(writes.Pushed);
        Assert.Equal(["accepted"], writes.Statuses);
        Assert.True(pushed * 10 <= whole, $"push of one changed field: {pushed} bytes; the whole record is {whole}");
        Assert.Equal((string)doc["rev"]!, (string)(await MirrorGetAsync($"/db/{db}/doc/big"))["rev"]!);

        reads.Clear();
        await reader.SyncAsync();
        int fetched = Assert.Single(reads.Fetched);
        Assert.Equal([1], reads.FetchedWithRev);
        Assert.True(fetched * 10 <= whole, $"pull of one changed field: {fetched} bytes; the whole record is {whole}");
        var read = await reader.ReadDocAsync("big");
        Assert.Equal((string)doc["rev"]!, (string)read!["rev"]!);
        Assert.Equal("changed", (string)read["field77"]!);
        Assert.Equal((string)doc["field3"]!, (string)read["field3"]!);
        Assert.Empty(await reader.GetConflictsAsync("big"));
    }

    [Fact]
    public async Task A_delta_that_does_not_rebuild_at_the_peer_is_fetched_again_whole()
    {
        string db = "delta-corrupt";
        var (writer, _) = await OpenRecordedAsync(db);
        var (reader, reads) = await OpenRecordedAsync(db);
        var doc = await writer.SaveDocAsync(LargeDoc("c"));
        await writer.SyncAsync();
        Assert.NotNull(await reader.ReadDocAsync("c"));
        doc["field5"] = "edited";
        doc = await writer.SaveDocAsync(doc);
        await writer.SyncAsync();

        reads.CorruptDeltas = true;
        reads.Clear();
        await reader.SyncAsync();
        Assert.Equal([1, 0], reads.FetchedWithRev); // the delta failed its checks: asked again, whole
        var read = await reader.ReadDocAsync("c");
        Assert.Equal((string)doc["rev"]!, (string)read!["rev"]!);
        Assert.Equal("edited", (string)read["field5"]!);
        Assert.Empty(await reader.GetConflictsAsync("c"));
    }

    [Fact]
    public async Task Thirty_offline_edits_reach_a_peer_holding_the_old_revision_as_a_descendant_not_a_conflict()
    {
        string db = "delta-offline30";
        var (a, _) = await OpenRecordedAsync(db);
        var (b, reads) = await OpenRecordedAsync(db);
        var doc = await a.SaveDocAsync(Peers.Doc("shared", "v0"));
        await a.SyncAsync();
        Assert.Equal((string)doc["rev"]!, (string)(await b.ReadDocAsync("shared"))!["rev"]!);

        for (int i = 1; i <= 30; i++)
        {
            doc["text"] = $"offline edit {i}";
            doc = await a.SaveDocAsync(doc);
        }
        await a.SyncAsync();
        reads.Clear();
        await b.SyncAsync();
        // Checked before the read: a read more than ReadFreshness after the pull would rightly fetch once more.
        Assert.Equal([1], reads.FetchedWithRev); // asked relative to the revision it held

        var read = await b.ReadDocAsync("shared");
        Assert.Equal((string)doc["rev"]!, (string)read!["rev"]!);
        Assert.Equal("offline edit 30", (string)read["text"]!);
        Assert.Empty(await b.GetConflictsAsync("shared"));
        Assert.Empty((await MirrorGetAsync($"/db/{db}/conflicts/shared"))["conflicts"]!.AsArray());
    }

    [Fact]
    public async Task A_mirror_without_the_base_answers_need_whole_and_the_peer_sends_the_record_whole_in_the_same_round()
    {
        string db = "delta-needwhole";
        var (peer, recorder) = await OpenRecordedAsync(db);
        var doc = await peer.SaveDocAsync(LargeDoc("r"));
        await peer.SyncAsync();
        doc["field1"] = "edited after the mirror acknowledged";
        doc = await peer.SaveDocAsync(doc);

        // The same mirror, another database: it never held the acknowledged base the peer's delta is against.
        recorder.DatabaseOverride = db + "-other";
        recorder.Clear();
        await peer.SyncAsync();

        Assert.Equal(0, peer.GetSyncStatus().PendingWrites);
        Assert.Equal(["need_whole", "accepted"], recorder.Statuses);
        var pushed = recorder.Pushed.ToArray();
        Assert.Equal(2, pushed.Length);
        Assert.True(pushed[0] * 10 < pushed[1], $"the delta ({pushed[0]} bytes) should be far smaller than the whole record ({pushed[1]})");
        var stored = await MirrorGetAsync($"/db/{db}-other/doc/r");
        Assert.Equal((string)doc["rev"]!, (string)stored["rev"]!);
        Assert.Equal("edited after the mirror acknowledged", (string)stored["field1"]!);
    }

    [Fact]
    public async Task Hostile_delta_bytes_are_invalid_and_store_nothing()
    {
        string db = "delta-hostile";
        var (peer, _) = await OpenRecordedAsync(db);
        var doc = await peer.SaveDocAsync(Peers.Doc("h", "original"));
        await peer.SyncAsync();
        string rev = (string)doc["rev"]!;
        string child = "2-" + new string('a', 32);
        var random = new Random(7);
        byte[] noise = new byte[64];
        random.NextBytes(noise);
        (ReplicatedRevision Leaf, string Status)[] hostile =
        [
            (new(child, false, [rev], noise) { BaseRev = rev, BodyIsDelta = true }, "invalid"),                  // garbage delta
            (new(child, false, [rev], [1]) { BaseRev = rev, BodyIsDelta = true }, "invalid"),                    // truncated delta
            (new(child, false, [rev], []) { BaseRev = rev, BodyIsDelta = true }, "invalid"),                     // empty delta
            (new(child, false, [rev], Encoding.UTF8.GetBytes("{\"text\":\"x\"}")) { BaseRev = rev }, "invalid"), // whole body, wrong revision
            (new(child, false, [], noise) { BaseRev = child, BodyIsDelta = true }, "need_whole"),                // relative to a base it lacks
        ];
        foreach (var (leaf, status) in hostile)
        {
            var batch = SyncBatch.Encode([new SyncRecord("h", [leaf])]);
            using var content = new ByteArrayContent(batch);
            content.Headers.ContentType = new(SyncBatch.MediaType);
            using var response = await mirror.Http.PostAsync($"{mirror.Url}/db/{db}/sync/push", content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["results"]!.AsArray();
            Assert.Equal(status, (string)Assert.Single(answer)!["status"]!);
        }
        var stored = await MirrorGetAsync($"/db/{db}/doc/h");
        Assert.Equal(rev, (string)stored["rev"]!);
        Assert.Equal("original", (string)stored["text"]!);
        Assert.Empty((await MirrorGetAsync($"/db/{db}/conflicts/h"))["conflicts"]!.AsArray());
    }

    [Fact]
    public async Task Stamps_travel_from_peer_to_mirror_to_peer_whole_and_as_deltas()
    {
        string db = "delta-stamps";
        var (a, _) = await OpenRecordedAsync(db);
        var (b, _) = await OpenRecordedAsync(db);
        var doc = await a.SaveDocAsync(LargeDoc("s"));
        await a.SyncAsync();
        Assert.NotNull(await b.ReadDocAsync("s"));
        await AssertSameStampAsync();

        doc["field9"] = "second";
        doc = await a.SaveDocAsync(doc);
        await a.SyncAsync();
        await b.SyncAsync();
        Assert.Equal((string)doc["rev"]!, (string)(await b.ReadDocAsync("s"))!["rev"]!);
        await AssertSameStampAsync();

        async Task AssertSameStampAsync()
        {
            var onA = (await a.GetHistoryAsync("s"))[0];
            var onB = (await b.GetHistoryAsync("s"))[0];
            Assert.Equal(onA.Rev, onB.Rev);
            Assert.NotNull(onA.SavedAt);
            Assert.Equal(onA.SavedAt, onB.SavedAt);
            var leaf = Assert.Single(Assert.Single(SyncBatch.Decode(await FetchWholeAsync(db, "s"))).Leaves);
            Assert.Equal(onA.Rev, leaf.Rev);
            Assert.Equal(onA.SavedAt!.Value.ToUnixTimeMilliseconds(), leaf.Stamp >> 16);
        }
    }
}

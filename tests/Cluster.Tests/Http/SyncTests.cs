using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Grains.Sync;
using MyNoSql.Storage.Sync;
using MyNoSql.Storage.Documents;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>The sync routes: changes since a checkpoint, fetch and push of record batches.</summary>
[Collection(HttpClusterCollection.Name)]
public sealed class SyncTests(HttpClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task A_peer_pushes_its_outbox_polls_changes_and_fetches_what_it_lacks()
    {
        string db = "sync" + Guid.NewGuid().ToString("N")[..8];
        var pushed = Enumerable.Range(0, 50).Select(i => new SyncRecord($"dev/{i:D2}", [Leaf(null, $$"""{"i":{{i}}}""")])).ToList();
        var results = await PushAsync(db, fixture.Url(0), pushed);
        Assert.All(results, r => Assert.Equal("accepted", (string)r!["status"]!));
        Assert.All(await PushAsync(db, fixture.Url(1), pushed.Take(3)), r => Assert.Equal("known", (string)r!["status"]!));

        // Another replica starts from nothing: pages of changes, then a fetch of every record.
        var (token, changes) = await AllChangesAsync(db, fixture.Url(2), since: null, limit: 7);
        Assert.Equal(pushed.Select(r => r.Id).Order(StringComparer.Ordinal), changes.Select(c => (string)c["id"]!).Order(StringComparer.Ordinal));
        var fetched = await FetchAsync(db, fixture.Url(1), [.. changes.Select(c => (string)c["id"]!), "never-written"]);
        Assert.Equal(50, fetched.Count);
        Assert.Equal(pushed.Single(r => r.Id == "dev/07").Leaves[0].Rev, fetched.Single(r => r.Id == "dev/07").Leaves[0].Rev);

        // Nothing changed: a small answer that says so.
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/sync/changes?since={token}"))
        using (var response = await Http.SendAsync(request))
        {
            string text = await response.Content.ReadAsStringAsync();
            Assert.Equal("""{"checkpoint":null,"more":false,"horizon":2592000,"changes":[]}""", text);
        }

        // One record changes through the document API: exactly it shows up, with its new revision.
        var (_, doc) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/{Uri.EscapeDataString("dev/07")}");
        var (_, saved) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/doc/{Uri.EscapeDataString("dev/07")}",
            Json($$"""{"rev":"{{Str(doc, "rev")}}","i":700}"""));
        var (_, delta) = await AllChangesAsync(db, fixture.Url(2), token, limit: 100);
        var only = Assert.Single(delta);
        Assert.Equal(("dev/07", Str(saved, "rev")), ((string)only["id"]!, (string)only["rev"]!));
    }

    [Fact]
    public async Task A_concurrent_edit_pushed_by_a_peer_is_kept_as_a_conflict()
    {
        string db = "syncconf";
        var (_, created) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/shared", Json("""{"v":0}"""));
        var root = (await FetchAsync(db, fixture.Url(0), ["shared"])).Single().Leaves[0];
        Assert.Equal(Str(created, "rev"), root.Rev);
        await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/shared", Json($$"""{"rev":"{{root.Rev}}","v":"server"}"""));
        var offline = Leaf(root, """{"v":"offline edit"}""");
        var result = Assert.Single(await PushAsync(db, fixture.Url(2), [new SyncRecord("shared", [offline])]));
        Assert.Equal("conflict", (string)result!["status"]!);
        var record = (await FetchAsync(db, fixture.Url(1), ["shared"])).Single();
        Assert.Equal(2, record.Leaves.Length);
        Assert.Contains(record.Leaves, l => l.Rev == offline.Rev);
    }

    [Fact]
    public async Task Bad_sync_requests_get_4xx_errors()
    {
        Assert.Equal("invalid_checkpoint", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/x/sync/changes?since=%%%")));
        Assert.Equal("invalid_checkpoint", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/x/sync/changes?since=AAAA")));
        Assert.Equal("invalid_limit", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/x/sync/changes?limit=0")));
        Assert.Equal("bad_batch", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/x/sync/push", Raw([1, 2, 3], SyncBatch.MediaType))));
        Assert.Equal("unsupported_media_type", AssertError(HttpStatusCode.UnsupportedMediaType, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/x/sync/push", Json("{}"))));
        Assert.Equal("bad_json", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/x/sync/fetch", Json("{\"a\":1}"))));
        Assert.Equal("invalid_id", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/x/sync/fetch", Json("[\"\"]"))));
        Assert.Equal("invalid_db", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/X/sync/changes")));

        // A revision whose hash does not match its content is refused, not stored.
        var forged = new ReplicatedRevision(Revision.Next(default, false, "{\"a\":1}"u8).ToString(), false, [], "{\"a\":2}"u8.ToArray());
        var result = Assert.Single(await PushAsync("x", fixture.Url(0), [new SyncRecord("forged", [forged])]));
        Assert.Equal("invalid", (string)result!["status"]!);
        AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/x/doc/forged"));
    }

    [Fact]
    public async Task A_push_that_decodes_past_the_push_limit_gets_413_naming_the_limit_and_stores_nothing()
    {
        // A few hundred KiB of Brotli that unfold into more than 64 MiB: refused before the records are decoded.
        string db = "bomb" + Guid.NewGuid().ToString("N")[..8];
        var body = Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', SyncService.MaxPushBytes) + "\"}");
        var bomb = SyncBatch.Encode([new SyncRecord("bomb", [new ReplicatedRevision(Revision.Next(default, false, body).ToString(), false, [], body)])]);
        Assert.True(bomb.Length < SyncService.MaxPushBytes / 16, $"the batch is {bomb.Length} bytes compressed");
        var (status, error) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/{db}/sync/push", Raw(bomb, SyncBatch.MediaType));
        Assert.Equal("too_large", AssertError(HttpStatusCode.RequestEntityTooLarge, (status, error)));
        Assert.Contains(SyncService.MaxPushBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), Str(error, "reason"), StringComparison.Ordinal);
        AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/bomb"));

        // Just under the limit once decoded still goes through.
        var small = Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', 1 << 20) + "\"}");
        var ok = Assert.Single(await PushAsync(db, fixture.Url(0), [new SyncRecord("fine", [new ReplicatedRevision(Revision.Next(default, false, small).ToString(), false, [], small)])]));
        Assert.Equal("accepted", (string)ok!["status"]!);
    }

    [Fact]
    public async Task Checkpoints_are_format_2_and_format_1_and_orleans_tokens_still_resume()
    {
        string db = "cp" + Guid.NewGuid().ToString("N")[..8];
        await PushAsync(db, fixture.Url(0), Enumerable.Range(0, 20).Select(i => new SyncRecord($"r{i}", [Leaf(null, $$"""{"i":{{i}}}""")])));
        var (token, _) = await AllChangesAsync(db, fixture.Url(0), since: null, limit: 1000);
        Assert.Equal(2, Base64Url.DecodeFromChars(token)[0]);
        Assert.True(SyncCheckpoint.TryParse(token, out var checkpoint));
        Assert.Equal(token, checkpoint.ToToken());

        // The same position as a v1 token (u32 epochs, as gateways issued before 64-bit epochs) and as the Orleans
        // transport's former "o1." vector: both parse; with epochs that fit in 32 bits nothing is listed again.
        var v1 = new List<byte> { 1, SyncCheckpoint.Segments };
        var o1 = new byte[SyncCheckpoint.VectorLength * 8];
        bool fits = true;
        for (int s = 0; s < SyncCheckpoint.Segments; s++)
        {
            fits &= checkpoint.Epoch(s) is >= 0 and <= uint.MaxValue;
            v1.AddRange(BitConverter.GetBytes((uint)checkpoint.Epoch(s)));
            for (ulong v = (ulong)checkpoint.Sequence(s); ; v >>= 7)
            {
                v1.Add((byte)(v < 0x80 ? v : (v & 0x7F) | 0x80));
                if (v < 0x80) break;
            }
            BinaryPrimitives.WriteInt64LittleEndian(o1.AsSpan(s * 16), checkpoint.Epoch(s));
            BinaryPrimitives.WriteInt64LittleEndian(o1.AsSpan(s * 16 + 8), checkpoint.Sequence(s));
        }
        foreach (string old in new[] { Base64Url.EncodeToString([.. v1]), "o1." + Base64Url.EncodeToString(o1) })
        {
            Assert.True(SyncCheckpoint.TryParse(old, out var parsed));
            Assert.True(parsed.SameAs(checkpoint) || !fits);
            var (status, body) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/sync/changes?since={Uri.EscapeDataString(old)}");
            Assert.Equal(HttpStatusCode.OK, status);
            if (fits) Assert.Empty(body!["changes"]!.AsArray());
        }

        // 64-bit epochs survive the round trip; a truncated or trailing-garbage token does not parse.
        var wide = new SyncCheckpoint();
        wide.Set(5, long.MaxValue - 3, 1L << 40);
        wide.Set(63, -2, 7);
        Assert.True(SyncCheckpoint.TryParse(wide.ToToken(), out var back) && back.SameAs(wide));
        Assert.False(SyncCheckpoint.TryParse(wide.ToToken()[..^4], out _));
        Assert.False(SyncCheckpoint.TryParse(Base64Url.EncodeToString([.. Base64Url.DecodeFromChars(token), 0]), out _));
    }

    [Fact]
    public void Every_merge_status_has_one_wire_name_that_parses_back()
    {
        foreach (var status in Enum.GetValues<MergeStatus>())
        {
            var push = SyncService.ToPushStatus(status);
            Assert.Equal((int)status, (int)push);
            Assert.True(PushStatusNames.TryParse(PushStatusNames.ToWire(push), out var back));
            Assert.Equal(push, back);
        }
        Assert.Equal(Enum.GetValues<MergeStatus>().Length, Enum.GetValues<PushStatus>().Length);
        Assert.Equal(["accepted", "known", "conflict", "invalid", "quorum_unavailable", "need_whole"], Enum.GetValues<PushStatus>().Select(PushStatusNames.ToWire));
        Assert.False(PushStatusNames.TryParse("Accepted", out _));
    }

    private static ReplicatedRevision Leaf(ReplicatedRevision? parent, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var rev = Revision.Next(parent is null ? default : Revision.Parse(parent.Rev), false, body);
        return new ReplicatedRevision(rev.ToString(), false, parent is null ? [] : [parent.Rev, .. parent.Ancestry], body);
    }

    private async Task<JsonArray> PushAsync(string db, string url, IEnumerable<SyncRecord> records)
    {
        var (status, body) = await SendAsync(Http, HttpMethod.Post, $"{url}/db/{db}/sync/push", Raw(SyncBatch.Encode(records), SyncBatch.MediaType));
        Assert.Equal(HttpStatusCode.OK, status);
        return body!["results"]!.AsArray();
    }

    private async Task<IReadOnlyList<SyncRecord>> FetchAsync(string db, string url, string[] ids)
    {
        using var response = await Http.PostAsync($"{url}/db/{db}/sync/fetch", Json(new JsonArray([.. ids.Select(i => JsonValue.Create(i))]).ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SyncBatch.MediaType, response.Content.Headers.ContentType?.MediaType);
        return SyncBatch.Decode(await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<(string Token, List<JsonNode> Changes)> AllChangesAsync(string db, string url, string? since, int limit)
    {
        var all = new List<JsonNode>();
        string? token = since;
        for (int round = 0; round < 100; round++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{url}/db/{db}/sync/changes?limit={limit}" + (token is null ? "" : $"&since={token}"));
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            if (response.Content.Headers.ContentEncoding.Contains("br"))
            {
                using var input = new System.IO.Compression.BrotliStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
                using var output = new MemoryStream();
                await input.CopyToAsync(output);
                bytes = output.ToArray();
            }
            var body = JsonNode.Parse(bytes)!;
            var page = body["changes"]!.AsArray();
            Assert.True(page.Count <= limit);
            all.AddRange(page.Select(n => n!));
            token = (string?)body["checkpoint"] ?? token;
            if (!(bool)body["more"]!) return (token!, all);
        }
        throw new InvalidOperationException("changes never finished");
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using static MyNoSql.Cluster.Tests.Attachments.Att;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Attachments;

/// <summary>
/// The server side of the body sync protocol: missing-check, chunk and manifest upload (checked: hash, missing chunks,
/// size), then the body is on a write quorum of mirrors and readable through any of them by manifest and chunk.
/// </summary>
[Collection(AttachmentClusterCollection.Name)]
public sealed class AttachmentSyncRouteTests(AttachmentClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task A_peer_uploads_only_missing_chunks_and_the_body_is_then_on_every_mirror()
    {
        string db = NewDb();
        byte[] body = RandomBody((1 << 20) + 5000, seed: 8);
        byte[][] parts = [body[..(1 << 20)], body[(1 << 20)..]];
        string[] ids = [.. parts.Select(p => Convert.ToHexStringLower(SHA256.HashData(p)))];
        string digest = DigestOf(body);
        var manifest = new JsonObject { ["digest"] = digest, ["length"] = body.Length, ["chunk_size"] = 1 << 20, ["chunks"] = new JsonArray(ids[0], ids[1]) };
        string sync = $"{fixture.Url(0)}/db/{db}/sync/att";

        var (s0, missing) = await SendAsync(Http, HttpMethod.Post, $"{sync}/missing", Json($$"""{"chunks":["{{ids[0]}}","{{ids[1]}}","{{ids[0]}}"]}"""));
        Assert.Equal(HttpStatusCode.OK, s0);
        Assert.Equal(ids, missing!["missing"]!.AsArray().Select(n => (string)n!).ToArray());

        // Manifest before its chunks: 409 naming what is missing.
        var early = await SendAsync(Http, HttpMethod.Put, $"{sync}/manifest", Json(manifest.ToJsonString()));
        Assert.Equal("missing_chunks", AssertError(HttpStatusCode.Conflict, early));
        Assert.Equal(2, early.Body!["missing"]!.AsArray().Count);

        // A chunk whose bytes do not hash to its id is refused; a good one is stored.
        var bad = await SendAsync(Http, HttpMethod.Put, $"{sync}/chunk/{ids[0]}", Body(parts[1]));
        Assert.Equal("bad_chunk", AssertError(HttpStatusCode.BadRequest, bad));
        using (var r = await Http.PutAsync($"{sync}/chunk/{ids[0]}", Body(parts[0]))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var (_, half) = await SendAsync(Http, HttpMethod.Post, $"{sync}/missing", Json($$"""{"chunks":["{{ids[0]}}","{{ids[1]}}"]}"""));
        Assert.Equal([ids[1]], half!["missing"]!.AsArray().Select(n => (string)n!).ToArray());
        using (var r = await Http.PutAsync($"{sync}/chunk/{ids[1]}", Body(parts[1]))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        using (var r = await Http.PutAsync($"{sync}/manifest", Json(manifest.ToJsonString()))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        // Another mirror serves the manifest (digest URL-encoded) and each chunk.
        string other = $"{fixture.Url(2)}/db/{db}/sync/att";
        var (s1, served) = await SendAsync(Http, HttpMethod.Get, $"{other}/manifest/{Uri.EscapeDataString(digest)}");
        Assert.Equal(HttpStatusCode.OK, s1);
        Assert.True(JsonNode.DeepEquals(manifest, served), served!.ToJsonString());
        for (int i = 0; i < 2; i++)
        {
            var (s, bytes, response) = await GetAsync(Http, $"{other}/chunk/{ids[i]}");
            Assert.Equal(HttpStatusCode.OK, s);
            Assert.Equal(parts[i], bytes);
        }
        var (_, none) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/db/{db}/sync/att/missing", Json($$"""{"chunks":["{{ids[0]}}","{{ids[1]}}"]}"""));
        Assert.Empty(none!["missing"]!.AsArray());

        // Hostile inputs: ids, digests, manifests, sizes.
        string zero = new('0', 64);
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, $"{sync}/missing", Json("""{"chunks":["ABC"]}"""))));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, $"{sync}/missing", Json("""[1,2]"""))));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Put, $"{sync}/chunk/{zero.ToUpperInvariant()[..63]}G", Body([1]))));
        Assert.Equal("too_large", AssertError(HttpStatusCode.RequestEntityTooLarge, await SendAsync(Http, HttpMethod.Put, $"{sync}/chunk/{zero}", Body(new byte[(1 << 20) + 1]))));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{sync}/chunk/{zero}")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{sync}/manifest/{Uri.EscapeDataString(DigestOf([1, 2, 3]))}")));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{sync}/manifest/sha256-nope")));
        var wrongCount = new JsonObject { ["digest"] = digest, ["length"] = body.Length, ["chunk_size"] = 1 << 20, ["chunks"] = new JsonArray(ids[0]) };
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Put, $"{sync}/manifest", Json(wrongCount.ToJsonString()))));
        long huge = AttachmentClusterFixture.MaxBytes + 1;
        var tooBig = new JsonObject { ["digest"] = digest, ["length"] = huge, ["chunk_size"] = 1 << 20, ["chunks"] = new JsonArray([.. Enumerable.Repeat(zero, (int)((huge + (1 << 20) - 1) >> 20)).Select(z => (JsonNode)z!)]) };
        Assert.Equal("too_large", AssertError(HttpStatusCode.RequestEntityTooLarge, await SendAsync(Http, HttpMethod.Put, $"{sync}/manifest", Json(tooBig.ToJsonString()))));
    }
}

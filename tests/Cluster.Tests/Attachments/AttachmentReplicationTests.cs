using System.Net;
using System.Text.Json.Nodes;
using static MyNoSql.Cluster.Tests.Attachments.Att;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Attachments;

/// <summary>
/// Where bodies live across the mirrors: the same content on three records costs its bytes once per mirror; a mirror
/// that was down during a put gets the chunks by anti-entropy (seen in its own chunk store before anyone reads them).
/// </summary>
[Collection(AttachmentClusterCollection.Name)]
public sealed class AttachmentReplicationTests(AttachmentClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task The_same_body_on_three_records_put_through_three_mirrors_is_stored_once_on_every_mirror()
    {
        string db = NewDb();
        byte[] body = RandomBody(3 << 20, seed: 4); // three whole chunks, incompressible
        for (int i = 0; i < 3; i++)
        {
            var (status, _) = await PutAsync(Http, $"{fixture.Url(i)}/db/{db}/doc/r{i}/att/same.bin", Body(body));
            Assert.Equal(HttpStatusCode.Created, status);
        }
        for (int m = 0; m < 3; m++)
        {
            // Every mirror holds the body (a write quorum at once, the rest in the background): poll briefly.
            var stats = await PollAsync(async () =>
            {
                var s = await StatsAsync(Http, fixture.Url(m), db);
                return s.Manifests >= 1 && s.Chunks >= 3 ? (object)s : null;
            }, TimeSpan.FromSeconds(30), $"mirror {m} to hold the body");
            var (manifests, chunks, bytes) = ((int, int, long))stats;
            Assert.Equal(1, manifests);
            Assert.Equal(3, chunks);
            Assert.InRange(bytes, body.Length, body.Length + 4096); // raw (incompressible) chunks plus their small headers
            for (int i = 0; i < 3; i++)
            {
                var (s, bytesRead, _) = await GetAsync(Http, $"{fixture.Url(m)}/db/{db}/doc/r{i}/att/same.bin");
                Assert.Equal(HttpStatusCode.OK, s);
                Assert.True(body.AsSpan().SequenceEqual(bytesRead));
            }
        }
    }

    [Fact]
    public async Task A_mirror_down_during_a_put_gets_the_chunks_by_anti_entropy_after_it_returns()
    {
        string db = NewDb();
        byte[] body = RandomBody((2 << 20) + 77, seed: 5);
        var cluster = fixture.Cluster;
        await cluster.Mirrors[2].StopAsync(TimeSpan.FromSeconds(60));
        try
        {
            await cluster.WaitForMirrorsAsync(2, TimeSpan.FromSeconds(60));
            var (status, put) = await PutAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/fw/att/firmware.bin", Body(body));
            Assert.True(status == HttpStatusCode.Created, $"{status} {put}");
            Assert.Equal(1, (await StatsAsync(Http, fixture.Url(1), db)).Manifests); // the quorum copy
        }
        finally
        {
            cluster.StartMirror(2);
            await cluster.Mirrors[2].WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
            await cluster.WaitForMirrorsAsync(3, TimeSpan.FromSeconds(60));
        }
        // Nobody reads through the returned mirror: its own store gets the body from anti-entropy (record pushed, body pulled).
        await PollAsync(async () =>
        {
            var s = await StatsAsync(Http, fixture.Url(2), db);
            return s.Manifests == 1 && s.Chunks == 3 ? (object)s : null;
        }, TimeSpan.FromSeconds(60), "the returned mirror to hold the body");
        var local = await PollAsync(async () =>
        {
            var copy = await LocalCopyAsync(Http, fixture.Url(2), db);
            return (int)copy["records"]! == 1 ? copy : null;
        }, TimeSpan.FromSeconds(30), "the returned mirror to hold the record");
        Assert.NotNull(local);
        var (s2, bytes, _) = await GetAsync(Http, $"{fixture.Url(2)}/db/{db}/doc/fw/att/firmware.bin");
        Assert.Equal(HttpStatusCode.OK, s2);
        Assert.True(body.AsSpan().SequenceEqual(bytes));
    }

    [Fact]
    public async Task A_body_uploaded_through_the_sync_routes_is_on_a_write_quorum_when_its_manifest_is_accepted()
    {
        string db = NewDb();
        byte[] body = RandomBody((3 << 20) + 99, seed: 8); // four chunks, the last one short
        var chunks = new JsonArray();
        for (int offset = 0; offset < body.Length; offset += 1 << 20)
        {
            byte[] chunk = body[offset..Math.Min(body.Length, offset + (1 << 20))];
            string id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(chunk));
            // 204 once durable on this mirror; its copies to the other two go on in the background.
            using (var put = await Http.PutAsync($"{fixture.Url(0)}/db/{db}/sync/att/chunk/{id}", Body(chunk)))
                Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
            chunks.Add(id);
        }
        var manifest = new JsonObject { ["digest"] = DigestOf(body), ["length"] = body.Length, ["chunk_size"] = 1 << 20, ["chunks"] = chunks };
        using (var put = await Http.PutAsync($"{fixture.Url(0)}/db/{db}/sync/att/manifest", Json(manifest.ToJsonString())))
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        // The 204 means a write quorum (2 of 3) holds the whole body: this mirror and at least one other, at once.
        var others = new[] { await StatsAsync(Http, fixture.Url(1), db), await StatsAsync(Http, fixture.Url(2), db) };
        Assert.Contains(others, s => s.Manifests == 1 && s.Chunks == 4);
        for (int m = 1; m < 3; m++)
        {
            await PollAsync(async () =>
            {
                var s = await StatsAsync(Http, fixture.Url(m), db);
                return s.Manifests == 1 && s.Chunks == 4 ? (object)s : null;
            }, TimeSpan.FromSeconds(30), $"mirror {m} to hold the body");
        }
    }

    [Fact]
    public async Task Collection_removes_bodies_no_record_names_and_keeps_the_named_ones()
    {
        string db = NewDb();
        byte[] named = RandomBody(1500, seed: 6), orphan = RandomBody(1600, seed: 7);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/kept/att/a", Body(named))).Status);
        // A body uploaded through the sync routes whose record never came: nothing names it.
        string chunk = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(orphan));
        using (var put = await Http.PutAsync($"{fixture.Url(0)}/db/{db}/sync/att/chunk/{chunk}", Body(orphan)))
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        var manifest = new JsonObject { ["digest"] = DigestOf(orphan), ["length"] = orphan.Length, ["chunk_size"] = 1 << 20, ["chunks"] = new JsonArray(chunk) };
        using (var put = await Http.PutAsync($"{fixture.Url(0)}/db/{db}/sync/att/manifest", Json(manifest.ToJsonString())))
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        Assert.Equal(2, (await StatsAsync(Http, fixture.Url(0), db)).Manifests);

        // A grace period protects young bodies (an upload in flight); with none, only the orphan goes.
        var (_, graced) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/_mirror/attachments/{db}/_collect?grace=3600");
        Assert.Equal(0, (int)graced!["manifests_deleted"]!);
        var (status, collected) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/_mirror/attachments/{db}/_collect?grace=0");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, (int)collected!["manifests_deleted"]!);
        Assert.Equal(1, (int)collected["chunks_deleted"]!);
        var stats = await StatsAsync(Http, fixture.Url(0), db);
        Assert.Equal((1, 1), (stats.Manifests, stats.Chunks));
        var (s, bytes, _) = await GetAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/kept/att/a");
        Assert.Equal(HttpStatusCode.OK, s);
        Assert.Equal(named, bytes);
    }
}

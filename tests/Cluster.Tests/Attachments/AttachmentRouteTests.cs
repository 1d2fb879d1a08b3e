using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static MyNoSql.Cluster.Tests.Attachments.Att;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Attachments;

/// <summary>
/// DESIGN §9 attachments through the HTTP gateway of three real mirror processes: a body put on one mirror is read on
/// the others (its bytes, headers and ranges), stubs show in the record, a stale rev is refused, delete removes it.
/// </summary>
[Collection(AttachmentClusterCollection.Name)]
public sealed class AttachmentRouteTests(AttachmentClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task A_body_put_on_one_mirror_is_read_whole_and_by_range_on_the_others_and_deleted_by_rev()
    {
        string db = NewDb();
        var (status, created) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/photos%2F1", Json("""{"title":"beach"}"""));
        Assert.Equal(HttpStatusCode.Created, status);
        string rev1 = Str(created, "rev");
        byte[] body = RandomBody((5 << 19) + 123, seed: 1); // 2.5 MiB + 123: three chunks, the last short
        var (putStatus, put) = await PutAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/photos%2F1/att/beach.png?rev={rev1}", Body(body, "image/png"));
        Assert.Equal(HttpStatusCode.Created, putStatus);
        Assert.Equal("photos/1", Str(put, "id"));
        string rev2 = Str(put, "rev");
        Assert.StartsWith("2-", rev2, StringComparison.Ordinal);

        // The record carries the stub, its other content unchanged.
        var (_, record) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/photos%2F1");
        Assert.Equal(rev2, Str(record, "rev"));
        Assert.Equal("beach", Str(record, "title"));
        var stub = record!["_attachments"]!["beach.png"]!;
        Assert.Equal("image/png", Str(stub, "content_type"));
        Assert.Equal(body.Length, (long)stub["length"]!);
        Assert.Equal(DigestOf(body), Str(stub, "digest"));

        // Every mirror serves the whole body with its headers (the quorum copy or a read-through copy).
        foreach (int m in new[] { 1, 2, 0 })
        {
            var (s, bytes, response) = await GetAsync(Http, $"{fixture.Url(m)}/db/{db}/doc/photos%2F1/att/beach.png");
            Assert.Equal(HttpStatusCode.OK, s);
            Assert.True(body.AsSpan().SequenceEqual(bytes), $"mirror {m} served different bytes");
            Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(body.Length, response.Content.Headers.ContentLength);
            Assert.Equal($"\"{DigestOf(body)}\"", response.Headers.ETag!.Tag);
            Assert.Contains("bytes", response.Headers.AcceptRanges);
        }

        // Ranges: inside a chunk, across a chunk boundary, open-ended, suffix, clamped end.
        foreach (var (header, start, length) in new (string, long, long)[]
        {
            ("bytes=0-9", 0, 10), ("bytes=1048570-1048585", 1048570, 16), ("bytes=2621000-", 2621000, body.Length - 2621000),
            ("bytes=-5", body.Length - 5, 5), ("bytes=100-99999999", 100, body.Length - 100), ("bytes=-99999999", 0, body.Length),
        })
        {
            var (s, bytes, response) = await GetAsync(Http, $"{fixture.Url(2)}/db/{db}/doc/photos%2F1/att/beach.png", r => r.Headers.TryAddWithoutValidation("Range", header));
            Assert.Equal(HttpStatusCode.PartialContent, s);
            Assert.Equal(length, bytes.Length);
            Assert.True(body.AsSpan((int)start, (int)length).SequenceEqual(bytes), $"{header}: wrong bytes");
            Assert.Equal($"bytes {start}-{start + length - 1}/{body.Length}", response.Content.Headers.ContentRange!.ToString());
        }

        // Conditional GET with the ETag: 304, no body.
        var (notModified, empty, _) = await GetAsync(Http, $"{fixture.Url(1)}/db/{db}/doc/photos%2F1/att/beach.png",
            r => r.Headers.TryAddWithoutValidation("If-None-Match", $"\"{DigestOf(body)}\""));
        Assert.Equal(HttpStatusCode.NotModified, notModified);
        Assert.Empty(empty);

        // A stale rev changes nothing: 409 for put and delete; delete by the current rev removes the stub.
        var stalePut = await PutAsync(Http, $"{fixture.Url(1)}/db/{db}/doc/photos%2F1/att/other.bin?rev={rev1}", Body([1, 2, 3]));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, stalePut));
        Assert.Contains(db, Str(stalePut.Body, "reason"), StringComparison.Ordinal);
        var staleDelete = await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/db/{db}/doc/photos%2F1/att/beach.png?rev={rev1}");
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, staleDelete));
        var (deleted, after) = await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/db/{db}/doc/photos%2F1/att/beach.png?rev={rev2}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal("photos/1", Str(after, "id"));
        string rev3 = Str(after, "rev");
        Assert.StartsWith("3-", rev3, StringComparison.Ordinal);
        var (_, without) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/photos%2F1");
        Assert.Equal(rev3, Str(without, "rev"));
        Assert.Null(without!["_attachments"]);
        Assert.Equal("beach", Str(without, "title"));
        var gone = await GetAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/photos%2F1/att/beach.png");
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Contains("beach.png", Encoding.UTF8.GetString(gone.Body), StringComparison.Ordinal);
        var again = await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{db}/doc/photos%2F1/att/beach.png?rev={rev3}");
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, again));
    }

    [Fact]
    public async Task A_put_without_rev_creates_the_record_and_user_saves_keep_the_stub()
    {
        string db = NewDb();
        byte[] body = Encoding.UTF8.GetBytes("hello, attachments");
        var (status, put) = await PutAsync(Http, $"{fixture.Url(1)}/db/{db}/doc/notes/att/readme.txt", Body(body, "text/plain; charset=utf-8"));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("notes", Str(put, "id"));
        string rev = Str(put, "rev");
        var (s, bytes, response) = await GetAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/notes/att/readme.txt");
        Assert.Equal(HttpStatusCode.OK, s);
        Assert.Equal(body, bytes);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType!.ToString());

        // A put without rev on a live record is a conflict; a rev on a missing record is 404.
        var conflict = await PutAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/notes/att/x.txt", Body([1]));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, conflict));
        var missing = await PutAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/nobody/att/x.txt?rev={rev}", Body([1]));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, missing));
        var missingGet = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/nobody/att/x.txt");
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, missingGet));

        // On a deleted record, as for a save: a rev from before the delete is stale (409), the tombstone's re-creates it.
        var (_, made) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/gone", Json("""{"v":1}"""));
        var (_, tombstone) = await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{db}/doc/gone?rev={Str(made, "rev")}");
        var stale = await PutAsync(Http, $"{fixture.Url(1)}/db/{db}/doc/gone/att/x.txt?rev={Str(made, "rev")}", Body([1]));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, stale));
        var (recreated, back) = await PutAsync(Http, $"{fixture.Url(2)}/db/{db}/doc/gone/att/x.txt?rev={Str(tombstone, "rev")}", Body([1]));
        Assert.Equal(HttpStatusCode.Created, recreated);
        Assert.StartsWith("3-", Str(back, "rev"), StringComparison.Ordinal);

        // A user save without _attachments keeps the stub (only the attachment API changes it).
        var (saved, doc) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/doc/notes", Json($$"""{"rev":"{{rev}}","color":"red"}"""));
        Assert.Equal(HttpStatusCode.Created, saved);
        var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/notes");
        Assert.Equal(Str(doc, "rev"), Str(read, "rev"));
        Assert.Equal("red", Str(read, "color"));
        Assert.Equal(DigestOf(body), Str(read!["_attachments"]!["readme.txt"], "digest"));
    }
}

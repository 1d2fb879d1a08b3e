using System.Net;
using System.Net.Sockets;
using System.Text;
using static MyNoSql.Cluster.Tests.Attachments.Att;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Attachments;

/// <summary>Hostile names, ranges and sizes on the attachment routes: each gets its 4xx with a reason, nothing is stored.</summary>
[Collection(AttachmentClusterCollection.Name)]
public sealed class AttachmentHostileInputTests(AttachmentClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Bad_names_are_refused_and_odd_but_valid_names_and_ids_round_trip()
    {
        string db = NewDb();
        string url = $"{fixture.Url(0)}/db/{db}/doc/rec";
        foreach (string name in new[] { "_design", "%5Fhidden", "a%01b", "tab%09", new string('n', 256), "%C3%A9" + new string('x', 254) })
        {
            var answer = await PutAsync(Http, $"{url}/att/{name}", Body([1, 2, 3]));
            Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, answer));
            Assert.Contains("rec", Str(answer.Body, "reason"), StringComparison.Ordinal);
            Assert.DoesNotContain("(Parameter", Str(answer.Body, "reason"), StringComparison.Ordinal); // names our code, not the request
            var read = await SendAsync(Http, HttpMethod.Get, $"{url}/att/{name}");
            Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, read));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, url)).Status); // nothing was created

        // Valid: 255 bytes, spaces, unicode, a plain slash after /att/, an encoded "/att/" inside the name.
        string rev = "";
        foreach (var (sent, stored) in new (string, string)[]
        {
            (new string('n', 255), new string('n', 255)), ("my%20photo%20%E2%9C%93.jpg", "my photo ✓.jpg"),
            ("dir/file.txt", "dir/file.txt"), ("a%2Fatt%2Fb", "a/att/b"),
        })
        {
            var (status, put) = await PutAsync(Http, $"{url}/att/{sent}{(rev.Length > 0 ? "?rev=" + rev : "")}", Body(Encoding.UTF8.GetBytes(stored)));
            Assert.True(status == HttpStatusCode.Created, $"{sent}: {status} {put}");
            rev = Str(put, "rev");
            var (s, bytes, _) = await GetAsync(Http, $"{fixture.Url(1)}/db/{db}/doc/rec/att/{sent}");
            Assert.Equal(HttpStatusCode.OK, s);
            Assert.Equal(stored, Encoding.UTF8.GetString(bytes));
        }
        var (_, record) = await SendAsync(Http, HttpMethod.Get, url);
        Assert.Equal(4, record!["_attachments"]!.AsObject().Count);
        Assert.NotNull(record["_attachments"]!["a/att/b"]);

        // An id that itself contains "/att/" is sent with its slashes encoded: a record, not an attachment.
        var (recStatus, _) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/x%2Fatt%2Fy", Json("""{"k":1}"""));
        Assert.Equal(HttpStatusCode.Created, recStatus);
        var (getRec, doc) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/x%2Fatt%2Fy");
        Assert.Equal(HttpStatusCode.OK, getRec);
        Assert.Equal("x/att/y", Str(doc, "id"));
        var (onIt, _) = await PutAsync(Http, $"{fixture.Url(2)}/db/{db}/doc/x%2Fatt%2Fy/att/f?rev={Str(doc, "rev")}", Body([9]));
        Assert.Equal(HttpStatusCode.Created, onIt);

        // Bad database names and ids.
        Assert.Equal("invalid_db", AssertError(HttpStatusCode.BadRequest, await PutAsync(Http, $"{fixture.Url(0)}/db/Bad!/doc/a/att/f", Body([1]))));
        Assert.Equal("invalid_id", AssertError(HttpStatusCode.BadRequest, await PutAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/a%01b/att/f", Body([1]))));
    }

    [Fact]
    public async Task An_empty_name_or_id_around_a_plain_att_segment_is_refused_and_makes_no_record()
    {
        string db = NewDb();
        string doc = $"{fixture.Url(0)}/db/{db}/doc";
        // Before: "h1/att/" and "/att/a.txt" became records with those ids (a JSON body) or a misleading 415.
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Put, $"{doc}/h1/att/", Json("""{"x":1}"""))));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await PutAsync(Http, $"{doc}/h1/att/", Body([1, 2]))));
        Assert.Equal("invalid_id", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Put, $"{doc}//att/a.txt", Json("""{"x":1}"""))));
        Assert.Equal("invalid_id", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{doc}//att/a.txt")));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{doc}/h1%2Fatt%2F")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{doc}/%2Fatt%2Fa.txt")).Status);
    }

    [Fact]
    public async Task A_malformed_rev_is_a_conflict_on_an_existing_record_and_ignored_when_one_is_created()
    {
        // DESIGN §2: "A missing or malformed rev on an existing record is a conflict, never an overwrite"; creating a record
        // ignores it.
        string db = NewDb();
        string url = $"{fixture.Url(0)}/db/{db}/doc/r";
        var (created, put) = await PutAsync(Http, $"{url}/att/a", Body([1, 2, 3]));
        Assert.Equal(HttpStatusCode.Created, created);
        string rev = Str(put, "rev");
        foreach (string bad in new[] { "garbage", "-1-abc", "1-%00", new string('7', 300) })
        {
            Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await PutAsync(Http, $"{url}/att/a?rev={bad}", Body([4]))));
            Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Delete, $"{url}/att/a?rev={bad}")));
            Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Delete, $"{url}?rev={bad}")));
            Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Put, url, Json($$"""{"rev":"{{bad}}","k":1}"""))));
        }
        var (fresh, saved) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/doc/new-one", Json("""{"rev":"garbage","k":1}"""));
        Assert.Equal(HttpStatusCode.Created, fresh);
        Assert.StartsWith("1-", Str(saved, "rev"));
        // A well-formed but stale rev is still a conflict.
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await PutAsync(Http, $"{url}/att/a?rev=1-{new string('0', 32)}", Body([4]))));
        var (_, record) = await SendAsync(Http, HttpMethod.Get, url);
        Assert.Equal(rev, Str(record, "rev"));
    }

    [Fact]
    public async Task Attachment_writes_are_fenced_as_saves_are_and_a_stale_token_writes_nothing()
    {
        string db = NewDb();
        string url = $"{fixture.Url(0)}/db/{db}/doc/r";
        string locks = $"{fixture.Url(1)}/db/{db}/_locks/job";
        var (_, first) = await SendAsync(Http, HttpMethod.Post, $"{locks}?ttl=30");
        long t1 = (long)first!["token"]!;
        var (put, saved) = await PutAsync(Http, $"{url}/att/a?fence=job:{t1}", Body([1, 2, 3]));
        Assert.Equal(HttpStatusCode.Created, put);
        string rev = Str(saved, "rev");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Http, HttpMethod.Delete, $"{locks}?token={t1}")).Status);
        var (_, second) = await SendAsync(Http, HttpMethod.Post, $"{locks}?ttl=30");
        long t2 = (long)second!["token"]!;
        Assert.True(t2 > t1);

        // The old holder's token: refused before the body is stored, and on a delete.
        Assert.Equal("fenced", AssertError(HttpStatusCode.Conflict, await PutAsync(Http, $"{url}/att/b?rev={rev}&fence=job:{t1}", Body([4, 5]))));
        Assert.Equal("fenced", AssertError(HttpStatusCode.Conflict, await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/db/{db}/doc/r/att/a?rev={rev}&fence=job:{t1}")));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await PutAsync(Http, $"{url}/att/b?rev={rev}&fence=job", Body([4]))));
        var (_, record) = await SendAsync(Http, HttpMethod.Get, url);
        Assert.Equal(rev, Str(record, "rev"));
        Assert.Single(record!["_attachments"]!.AsObject());

        // The current holder's token writes; after that the old one is refused by the record itself as well.
        var (deleted, gone) = await SendAsync(Http, HttpMethod.Delete, $"{url}/att/a?rev={rev}&fence=job:{t2}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal("fenced", AssertError(HttpStatusCode.Conflict, await PutAsync(Http, $"{url}/att/c?rev={Str(gone, "rev")}&fence=job:{t1}", Body([6]))));
    }

    [Fact]
    public async Task Other_units_and_several_ranges_get_the_whole_body_and_if_range_serves_a_range_only_for_the_current_body()
    {
        string db = NewDb();
        string url = $"{fixture.Url(0)}/db/{db}/doc/r/att/b";
        byte[] body = RandomBody(1000, seed: 4);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Http, url, Body(body))).Status);
        foreach (string header in new[] { "items=0-1", "bytes=0-1,5-6" })
        {
            var (status, bytes, response) = await GetAsync(Http, url, r => r.Headers.TryAddWithoutValidation("Range", header));
            Assert.True(status == HttpStatusCode.OK, $"{header}: {status}");
            Assert.True(body.AsSpan().SequenceEqual(bytes), header);
            Assert.Null(response.Content.Headers.ContentRange);
        }
        string etag = $"\"{DigestOf(body)}\"";
        var (partial, part, _) = await GetAsync(Http, url, r => { r.Headers.TryAddWithoutValidation("Range", "bytes=10-19"); r.Headers.TryAddWithoutValidation("If-Range", etag); });
        Assert.Equal(HttpStatusCode.PartialContent, partial);
        Assert.True(body.AsSpan(10, 10).SequenceEqual(part));
        // The client names a body that is no longer the attachment's (or a date): the whole current body, never a splice.
        foreach (string stale in new[] { "\"sha256-stale\"", "Wed, 21 Oct 2026 07:28:00 GMT", "W/" + etag })
        {
            var (whole, bytes, response) = await GetAsync(Http, url, r => { r.Headers.TryAddWithoutValidation("Range", "bytes=10-19"); r.Headers.TryAddWithoutValidation("If-Range", stale); });
            Assert.True(whole == HttpStatusCode.OK, $"{stale}: {whole}");
            Assert.Equal(body.Length, bytes.Length);
            Assert.Null(response.Content.Headers.ContentRange);
        }
        // HEAD: the GET's headers, no body (attachment and record).
        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        Assert.Equal(etag, head.Headers.ETag!.ToString());
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        using var headRecord = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"{fixture.Url(1)}/db/{db}/doc/r"));
        Assert.Equal(HttpStatusCode.OK, headRecord.StatusCode);
        Assert.True(headRecord.Content.Headers.ContentLength > 0);
        Assert.Empty(await headRecord.Content.ReadAsByteArrayAsync());
        using var headMissing = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"{fixture.Url(1)}/db/{db}/doc/nothing"));
        Assert.Equal(HttpStatusCode.NotFound, headMissing.StatusCode);
    }

    [Fact]
    public async Task Unsatisfiable_and_malformed_ranges_get_416_with_the_length()
    {
        string db = NewDb();
        byte[] body = RandomBody(1000, seed: 2);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/r/att/b", Body(body))).Status);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/e/att/empty", Body([]))).Status);
        foreach (var (url, header) in new[]
        {
            ("r/att/b", "bytes=1000-"), ("r/att/b", "bytes=5-2"), ("r/att/b", "bytes=abc"),
            ("r/att/b", "bytes=-0"), ("r/att/b", "bytes=-"), ("r/att/b", "bytes=99999999999999999999-"), ("r/att/b", "bytes=--1"),
            ("r/att/b", "bytes= 1-x"), ("e/att/empty", "bytes=0-0"), ("e/att/empty", "bytes=-1"),
        })
        {
            var (status, bytes, response) = await GetAsync(Http, $"{fixture.Url(1)}/db/{db}/doc/{url}", r => r.Headers.TryAddWithoutValidation("Range", header));
            Assert.True(status == HttpStatusCode.RequestedRangeNotSatisfiable, $"{url} {header}: {status}");
            var error = System.Text.Json.Nodes.JsonNode.Parse(bytes)!;
            Assert.Equal("range_not_satisfiable", Str(error, "error"));
            Assert.Contains(db, Str(error, "reason"), StringComparison.Ordinal);
            Assert.Equal($"bytes */{(url.StartsWith('e') ? 0 : 1000)}", response.Content.Headers.ContentRange!.ToString());
        }
        var (whole, emptyBytes, _) = await GetAsync(Http, $"{fixture.Url(2)}/db/{db}/doc/e/att/empty");
        Assert.Equal(HttpStatusCode.OK, whole);
        Assert.Empty(emptyBytes);
    }

    [Fact]
    public async Task Bodies_beyond_the_limit_get_413_declared_or_streamed_and_a_body_at_the_limit_is_stored()
    {
        string db = NewDb();
        long max = AttachmentClusterFixture.MaxBytes;
        // Declared too large: refused before the body is read.
        var declared = await RawPutAsync(fixture.Cluster.Slots[0].Http, $"/db/{db}/doc/big/att/a.bin", $"Content-Length: {max + 1}\r\n", []);
        Assert.StartsWith("HTTP/1.1 413", declared, StringComparison.Ordinal);
        Assert.Contains("too_large", declared, StringComparison.Ordinal);
        Assert.Contains("--max-attachment-bytes", declared, StringComparison.Ordinal);

        // Streamed (chunked, no length) past the limit: refused once the limit is crossed; no record made.
        var streamed = new StreamContent(new PatternStream(max + (1 << 20)));
        streamed.Headers.ContentType = new("application/octet-stream");
        using (var request = new HttpRequestMessage(HttpMethod.Put, $"{fixture.Url(1)}/db/{db}/doc/big/att/a.bin") { Content = streamed })
        {
            request.Headers.TransferEncodingChunked = true;
            try
            {
                using var response = await Http.SendAsync(request);
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
                Assert.Contains("too_large", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            catch (HttpRequestException)
            {
                // The mirror may close the connection while the client still sends: refused either way.
            }
        }
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/big")).Status);

        // Exactly the limit: stored and read back.
        byte[] body = RandomBody((int)max, seed: 3);
        var (status, _) = await PutAsync(Http, $"{fixture.Url(2)}/db/{db}/doc/big/att/a.bin", Body(body));
        Assert.Equal(HttpStatusCode.Created, status);
        var (s, bytes, _) = await GetAsync(Http, $"{fixture.Url(0)}/db/{db}/doc/big/att/a.bin");
        Assert.Equal(HttpStatusCode.OK, s);
        Assert.True(body.AsSpan().SequenceEqual(bytes));

        // A control character in the Content-Type is refused.
        var badType = await RawPutAsync(fixture.Cluster.Slots[0].Http, $"/db/{db}/doc/t/att/a", "Content-Type: text/plain\u0001x\r\nContent-Length: 1\r\n", [1]);
        Assert.True(badType.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), badType);
    }

    /// <summary>A PUT written on a raw socket (a declared length the client never sends; odd header bytes); the response text.</summary>
    private static async Task<string> RawPutAsync(int port, string path, string headers, byte[] body)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        byte[] head = Encoding.Latin1.GetBytes($"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n");
        await stream.WriteAsync(head);
        await stream.WriteAsync(body);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        while (true)
        {
            int n;
            try { n = await stream.ReadAsync(chunk, cts.Token); }
            catch (IOException) { break; }
            if (n == 0) break;
            buffer.Write(chunk, 0, n);
            if (Encoding.Latin1.GetString(buffer.ToArray()).Contains("}", StringComparison.Ordinal)) break;
        }
        return Encoding.Latin1.GetString(buffer.ToArray());
    }

    /// <summary>A read-only stream of <c>length</c> pattern bytes without a known length (so the client sends it chunked).</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - _position);
            for (int i = 0; i < n; i++) buffer[offset + i] = (byte)((_position + i) * 31);
            _position += n;
            return n;
        }
    }
}

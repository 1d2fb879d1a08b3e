using System.Text;
using System.Text.Json;

namespace MyNoSql.Cluster.Tests.Fuzz;

/// <summary>
/// The named hostile inputs of issue 5 against a real mirror: each gets a 4xx with the JSON error body (a bare 4xx
/// when Kestrel rejects the framing itself, before the app runs), or a 2xx where the input is legal after all (an id
/// "..": ids are strings, never paths); never a 5xx, and the mirror stays healthy. Cases with an exact status pin it.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class HostileInputTests(MirrorFixture fixture)
{
    private const string Json = "application/json";
    private const string Batch = "application/x-mynosql-batch";
    private static readonly (string, string)[] NoHeaders = [];

    private static (string, string)[] Type(string contentType) => [("Content-Type", contentType)];

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Nested(int depth, char open, char close, string inner = "1")
    {
        var sb = new StringBuilder(depth * 6 + 8);
        for (int i = 0; i < depth; i++) sb.Append(open == '{' ? "{\"a\":" : "[");
        sb.Append(inner);
        sb.Append(close, depth);
        return Utf8(sb.ToString());
    }

    private static byte[] Spaces(int size)
    {
        var body = new byte[size];
        body.AsSpan().Fill((byte)' ');
        body[0] = (byte)'{';
        body[^1] = (byte)'}';
        return body;
    }

    private static readonly string LongName = new('a', 10_000);

    private static IEnumerable<HostileRequest> All()
    {
        // Malformed and truncated JSON.
        yield return new("truncated JSON object", "POST", "/db/hostile/doc", Type(Json), Utf8("{\"a\":[1,2"), Expect: 400);
        yield return new("truncated JSON string", "POST", "/db/hostile/doc", Type(Json), Utf8("{\"a\":\"abc"), Expect: 400);
        yield return new("trailing comma", "POST", "/db/hostile/doc", Type(Json), Utf8("{\"a\":1,}"), Expect: 400);
        yield return new("trailing garbage", "POST", "/db/hostile/doc", Type(Json), Utf8("{\"a\":1} xyz"), Expect: 400);
        yield return new("two documents", "POST", "/db/hostile/doc", Type(Json), Utf8("{}{}"), Expect: 400);
        yield return new("single quotes", "POST", "/db/hostile/doc", Type(Json), Utf8("{'a':1}"), Expect: 400);
        yield return new("NaN literal", "POST", "/db/hostile/doc", Type(Json), Utf8("{\"a\":NaN}"), Expect: 400);
        yield return new("comment", "POST", "/db/hostile/doc", Type(Json), Utf8("{/*x*/\"a\":1}"), Expect: 400);
        yield return new("number overflow", "PUT", "/db/hostile/doc/big-number", Type(Json), Utf8("{\"a\":1e999999}"));
        yield return new("duplicate id keys", "POST", "/db/hostile/doc", Type(Json), Utf8("{\"id\":\"a\",\"id\":\"b\"}"), Expect: 400);
        yield return new("rev not a string", "PUT", "/db/hostile/doc/rev-number", Type(Json), Utf8("{\"rev\":42}"));
        yield return new("rev garbage on a new record", "PUT", "/db/hostile/doc/rev-garbage", Type(Json), Utf8("{\"rev\":\"\\u0000..\"}"));
        yield return new("JSON body on a fetch truncated", "POST", "/db/hostile/sync/fetch", Type(Json), Utf8("[\"a\","), Expect: 400);
        yield return new("fetch of numbers", "POST", "/db/hostile/sync/fetch", Type(Json), Utf8("[1,2,3]"), Expect: 400);
        yield return new("fetch of an object", "POST", "/db/hostile/sync/fetch", Type(Json), Utf8("{\"ids\":[]}"), Expect: 400);
        yield return new("fetch of 1001 ids", "POST", "/db/hostile/sync/fetch", Type(Json),
            Utf8("[" + string.Join(",", Enumerable.Range(0, 1001).Select(i => $"\"i{i}\"")) + "]"), Expect: 400);
        yield return new("fetch of invalid ids", "POST", "/db/hostile/sync/fetch", Type(Json), Utf8("[\"\",\"a\\u0000b\"]"), Expect: 400);

        // Invalid UTF-8 and odd Unicode.
        yield return new("invalid UTF-8 in a string", "POST", "/db/hostile/doc", Type(Json), [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8], Expect: 400);
        yield return new("invalid UTF-8 in a key", "POST", "/db/hostile/doc", Type(Json), [.. "{\""u8, 0xFF, 0xFE, .. "\":1}"u8], Expect: 400);
        yield return new("overlong UTF-8 slash", "POST", "/db/hostile/doc", Type(Json), [.. "{\"a\":\""u8, 0xC0, 0xAF, .. "\"}"u8], Expect: 400);
        yield return new("UTF-16 body", "POST", "/db/hostile/doc", Type(Json), Encoding.Unicode.GetBytes("{\"a\":1}"), Expect: 400);
        yield return new("BOM before the object", "POST", "/db/hostile/doc", Type(Json), [0xEF, 0xBB, 0xBF, .. "{\"a\":1}"u8]);
        yield return new("lone surrogate escape in a value", "PUT", "/db/hostile/doc/surrogate-value", Type(Json), Utf8("{\"a\":\"\\ud800\"}"));
        yield return new("lone surrogate escape in an id", "POST", "/db/hostile/doc", Type(Json), Utf8("{\"id\":\"x\\udc00\"}"), Expect: 400);
        yield return new("lone surrogate escape in a rev", "PUT", "/db/hostile/doc/surrogate-rev", Type(Json), Utf8("{\"rev\":\"1-\\ud800\"}"));
        yield return new("lone surrogate escape in a key", "PUT", "/db/hostile/doc/surrogate-key", Type(Json), Utf8("{\"\\ud800\":1}"));
        yield return new("lone surrogate escape in a fetch id", "POST", "/db/hostile/sync/fetch", Type(Json), Utf8("[\"\\ud800\"]"), Expect: 400);
        yield return new("invalid UTF-8 in a fetch id", "POST", "/db/hostile/sync/fetch", Type(Json), [.. "[\""u8, 0xC3, .. "\"]"u8], Expect: 400);
        yield return new("invalid UTF-8 percent-encoded in an id", "GET", "/db/hostile/doc/%C3%28%FF", NoHeaders, null);
        yield return new("raw invalid UTF-8 in the path", "GET", "/db/hostile/doc/\u00C3\u0028", NoHeaders, null, Framing: true);

        // Nesting 100,000 deep.
        yield return new("arrays nested 100,000 deep", "POST", "/db/hostile/doc", Type(Json), Nested(100_000, '[', ']'), Expect: 400);
        yield return new("objects nested 100,000 deep", "POST", "/db/hostile/doc", Type(Json), Nested(100_000, '{', '}'), Expect: 400);
        yield return new("a field nested 100,000 deep", "POST", "/db/hostile/doc", Type(Json), [.. "{\"x\":"u8, .. Nested(100_000, '[', ']'), .. "}"u8], Expect: 400);
        yield return new("nesting just over the limit (257)", "POST", "/db/hostile/doc", Type(Json), Nested(257, '{', '}'), Expect: 400);
        yield return new("fetch nested 100,000 deep", "POST", "/db/hostile/sync/fetch", Type(Json), Nested(100_000, '[', ']'), Expect: 400);
        yield return new("unclosed nesting 100,000 deep", "POST", "/db/hostile/doc", Type(Json), Utf8(new string('[', 100_000)), Expect: 400);

        // Bodies far over the limit.
        yield return new("17 MiB document", "POST", "/db/hostile/doc", Type(Json), Spaces(17 << 20), Expect: 413);
        yield return new("17 MiB document chunked", "PUT", "/db/hostile/doc/huge", Type(Json), Spaces(17 << 20), Chunked: true, Expect: 413);
        yield return new("declared 1 TB, sent 2 bytes", "POST", "/db/hostile/doc", [("Content-Type", Json), ("Content-Length", "1000000000000")], Utf8("{}"), Expect: 413);
        yield return new("declared 1 TB push", "POST", "/db/hostile/sync/push", [("Content-Type", Batch), ("Content-Length", "1000000000000")], [1], Expect: 413);
        yield return new("2 MiB fetch body", "POST", "/db/hostile/sync/fetch", Type(Json), Spaces(2 << 20), Expect: 413);
        yield return new("Content-Length not a number", "POST", "/db/hostile/doc", [("Content-Type", Json), ("Content-Length", "12abc")], Utf8("{}"), Framing: true);
        yield return new("negative Content-Length", "POST", "/db/hostile/doc", [("Content-Type", Json), ("Content-Length", "-5")], Utf8("{}"), Framing: true);
        yield return new("bad chunk size", "POST", "/db/hostile/doc", [("Content-Type", Json), ("Transfer-Encoding", "chunked")], Utf8("zz\r\n{}\r\n0\r\n\r\n"), Framing: true);

        // Ids with .., /, %2f, NUL and 10,000 characters.
        yield return new("id ..", "PUT", "/db/hostile/doc/..", Type(Json), Utf8("{\"t\":1}"));
        yield return new("id %2e%2e", "PUT", "/db/hostile/doc/%2e%2e", Type(Json), Utf8("{\"t\":1}"));
        yield return new("id ../../etc/passwd", "GET", "/db/hostile/doc/../../etc/passwd", NoHeaders, null);
        yield return new("id %2e%2e%2f%2e%2e%2fetc", "PUT", "/db/hostile/doc/%2e%2e%2f%2e%2e%2fetc", Type(Json), Utf8("{\"t\":1}"));
        yield return new("id with slashes", "PUT", "/db/hostile/doc/a/b//c/", Type(Json), Utf8("{\"t\":1}"));
        yield return new("id %2F", "PUT", "/db/hostile/doc/%2FComedy%2FMonty", Type(Json), Utf8("{\"t\":1}"));
        yield return new("id %2f..%2f", "DELETE", "/db/hostile/doc/%2f..%2f?rev=1-00000000000000000000000000000000", NoHeaders, null, Expect: 404);
        // Kestrel refuses a decoded NUL in the path itself (bare 400).
        yield return new("id with %00", "PUT", "/db/hostile/doc/a%00b", Type(Json), Utf8("{\"t\":1}"), Framing: true, Expect: 400);
        yield return new("id with raw NUL", "GET", "/db/hostile/doc/a\0b", NoHeaders, null, Framing: true);
        yield return new("id of 10,000 characters", "GET", "/db/hostile/doc/" + LongName, NoHeaders, null, Expect: 400);
        yield return new("id of 10,000 characters in the body", "POST", "/db/hostile/doc", Type(Json), Utf8($"{{\"id\":\"{LongName}\"}}"), Expect: 400);
        yield return new("id of 10,000 escaped characters", "PUT", "/db/hostile/doc/" + string.Concat(Enumerable.Repeat("%E2%82%AC", 3_400)), Type(Json), Utf8("{}"), Expect: 400);
        yield return new("id with a bad escape", "GET", "/db/hostile/doc/%zz%", NoHeaders, null);
        yield return new("id only a percent", "PUT", "/db/hostile/doc/%", Type(Json), Utf8("{}"));
        yield return new("id of control characters in the body", "POST", "/db/hostile/doc", Type(Json), Utf8("{\"id\":\"\\u001b[31m\"}"), Expect: 400);
        yield return new("id as an object", "POST", "/db/hostile/doc", Type(Json), Utf8("{\"id\":{\"$ne\":null}}"), Expect: 400);

        // Database names with .., /, %2f, NUL and 10,000 characters.
        yield return new("db ..", "GET", "/db/../doc/x", NoHeaders, null);
        yield return new("id with a bad percent escape", "PUT", "/db/hostile/doc/%zz", Type(Json), Utf8("{}"), Expect: 400);
        yield return new("id percent-encoding bytes that are not UTF-8", "PUT", "/db/hostile/doc/%FF%FE", Type(Json), Utf8("{}"), Expect: 400);
        yield return new("id with a truncated percent escape", "GET", "/db/hostile/doc/a%2", NoHeaders, null, Expect: 400);
        yield return new("db %2e%2e", "GET", "/db/%2e%2e/doc/x", NoHeaders, null);
        yield return new("db %2F", "POST", "/db/a%2Fb/doc", Type(Json), Utf8("{}"), Expect: 400);
        yield return new("db with %00", "GET", "/db/a%00/docs", NoHeaders, null, Framing: true, Expect: 400);
        yield return new("db with raw NUL", "GET", "/db/a\0/docs", NoHeaders, null, Framing: true);
        yield return new("db of 10,000 characters", "POST", "/db/" + LongName + "/doc", Type(Json), Utf8("{}"), Expect: 400);
        yield return new("db of 10,000 characters on sync", "GET", "/db/" + LongName + "/sync/changes", NoHeaders, null, Expect: 400);
        yield return new("db upper case on push", "POST", "/db/Hostile/sync/push", Type(Batch), [1, 2, 3], Expect: 400);
        yield return new("db unicode", "GET", "/db/%C3%A9t%C3%A9/sync/poll", NoHeaders, null, Expect: 400);

        // Query strings.
        yield return new("limit overflow", "GET", "/db/hostile/docs?limit=99999999999999999999", NoHeaders, null, Expect: 400);
        yield return new("limit negative", "GET", "/db/hostile/sync/changes?limit=-1", NoHeaders, null, Expect: 400);
        yield return new("prefix with NUL", "GET", "/db/hostile/docs?prefix=%00", NoHeaders, null, Expect: 400);
        yield return new("prefix of 10,000 characters", "GET", "/db/hostile/docs?prefix=" + LongName, NoHeaders, null, Expect: 200);
        yield return new("after of 10,000 characters", "GET", "/db/hostile/docs?after=" + LongName, NoHeaders, null);
        yield return new("since garbage", "GET", "/db/hostile/sync/changes?since=!!!", NoHeaders, null, Expect: 400);
        yield return new("since of 10,000 characters", "GET", "/db/hostile/sync/changes?since=" + LongName, NoHeaders, null, Expect: 400);
        yield return new("since valid base64 of junk", "GET", "/db/hostile/sync/changes?since=AQIDBAUGBwgJ", NoHeaders, null, Expect: 400);
        yield return new("poll token garbage", "GET", "/db/hostile/sync/poll?t=%00%FF", NoHeaders, null);
        yield return new("repeated query keys", "GET", "/db/hostile/docs?limit=1&limit=abc&prefix=a&prefix=b", NoHeaders, null);
        yield return new("delete rev garbage", "DELETE", "/db/hostile/doc/x?rev=%00%00", NoHeaders, null, Expect: 404); // no such record (DESIGN §2: a malformed rev is a conflict only on an existing one)

        // Wrong methods.
        yield return new("PATCH with a body that is not JSON", "PATCH", "/db/hostile/doc/x", Type(Json), Utf8("n=2"), Expect: 415);
        yield return new("GET the push route", "GET", "/db/hostile/sync/push", NoHeaders, null, Expect: 405);
        yield return new("PUT the fetch route", "PUT", "/db/hostile/sync/fetch", Type(Json), Utf8("[]"), Expect: 405);
        yield return new("POST the changes route", "POST", "/db/hostile/sync/changes", Type(Json), Utf8("{}"), Expect: 405);
        yield return new("DELETE /healthz", "DELETE", "/healthz", NoHeaders, null, Expect: 405);
        yield return new("POST the list route", "POST", "/db/hostile/docs", Type(Json), Utf8("{}"), Expect: 405);
        yield return new("TRACE", "TRACE", "/db/hostile/doc/x", NoHeaders, null);
        yield return new("OPTIONS", "OPTIONS", "/db/hostile/doc/x", NoHeaders, null);
        yield return new("made-up method", "FUZZ", "/db/hostile/doc/x", NoHeaders, null, Expect: 405);
        yield return new("HEAD a document", "HEAD", "/db/hostile/doc/x", NoHeaders, null);
        yield return new("CONNECT", "CONNECT", "127.0.0.1:1", NoHeaders, null, Framing: true);
        yield return new("lower-case method", "get", "/healthz", NoHeaders, null, Framing: true);

        // Wrong content types.
        // A body that parses as one JSON object is taken whatever the Content-Type says (DESIGN §11); anything else is 415.
        yield return new("text/plain non-object", "POST", "/db/hostile/doc", Type("text/plain"), Utf8("hello"), Expect: 415);
        yield return new("text/plain array", "POST", "/db/hostile/doc", Type("text/plain"), Utf8("[{}]"), Expect: 415);
        yield return new("form-encoded object then garbage", "POST", "/db/hostile/doc", Type("application/x-www-form-urlencoded"), Utf8("{}&a=1"), Expect: 415);
        yield return new("form-encoded document", "PUT", "/db/hostile/doc/x", Type("application/x-www-form-urlencoded"), Utf8("a=1"), Expect: 415);
        yield return new("multipart document", "POST", "/db/hostile/doc", Type("multipart/form-data; boundary=x"), Utf8("--x--"), Expect: 415);
        yield return new("no content type", "POST", "/db/hostile/doc", NoHeaders, Utf8("{\"a\""), Expect: 415);
        yield return new("garbage content type", "POST", "/db/hostile/doc", Type(";;;=="), Utf8("not json"), Expect: 415);
        yield return new("JSON push", "POST", "/db/hostile/sync/push", Type(Json), Utf8("[]"), Expect: 415);
        yield return new("batch fetch", "POST", "/db/hostile/sync/fetch", Type(Batch), [1], Expect: 415);
        yield return new("gzip-encoded JSON that is not gzip", "POST", "/db/hostile/doc", [("Content-Type", Json), ("Content-Encoding", "gzip")], [0x1f, 0x8b, 1, 2, 3], Expect: 400);

        // The push body (a Brotli record batch) from hostile peers.
        yield return new("push of JSON text as a batch", "POST", "/db/hostile/sync/push", Type(Batch), Utf8("{\"records\":[]}"), Expect: 400);
        yield return new("push of an empty body", "POST", "/db/hostile/sync/push", Type(Batch), [], Expect: 400);
        yield return new("push of random bytes", "POST", "/db/hostile/sync/push", Type(Batch), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 >> 3))], Expect: 400);
        yield return new("push chunked of random bytes", "POST", "/db/hostile/sync/push", Type(Batch), [.. Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31 + (i >> 8)))], Chunked: true, Expect: 400);

        // Routes that do not exist, and odd targets.
        yield return new("unknown route", "GET", "/db/hostile/nothing", NoHeaders, null, Expect: 404);
        yield return new("absolute-form target", "GET", "http://127.0.0.1/healthz", NoHeaders, null);
        yield return new("asterisk target on GET", "GET", "*", NoHeaders, null, Framing: true);
        yield return new("target without a slash", "GET", "healthz", NoHeaders, null, Framing: true);
        yield return new("path of 60,000 characters", "GET", "/" + new string('x', 60_000), NoHeaders, null, Expect: 404);
        yield return new("path of 100,000 characters (over the 64 KiB request line)", "GET", "/" + new string('x', 100_000), NoHeaders, null, Framing: true, Expect: 414);
    }

    private static readonly Dictionary<string, HostileRequest> Cases = All().ToDictionary(c => c.Name);

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Hostile_input_gets_a_4xx_with_the_json_error_never_a_5xx(string name)
    {
        var request = Cases[name];
        var response = await RawHttp.SendAsync(fixture.Port, request.ToBytes(), request.IsHead, TimeSpan.FromSeconds(30));
        Assert.True(request.Violation(response) is null, $"{request}: {request.Violation(response)}\nmirror output tail:\n{Tail(fixture.Mirror.Output)}");
        using var health = await fixture.Http.GetAsync($"{fixture.Url}/healthz");
        Assert.Equal(200, (int)health.StatusCode);
    }

    [Fact]
    public async Task A_record_named_dot_dot_is_addressed_as_a_record_never_as_its_database()
    {
        // Kestrel removes dot segments (%2E%2E too) before routing: DELETE /db/d/doc/%2E%2E once reached DELETE /db/d/ and
        // dropped the database on every mirror.
        string db = $"dots{Guid.NewGuid():N}"[..20];
        async Task<RawResponse> Send(string method, string target, string? body = null) =>
            await RawHttp.SendAsync(fixture.Port, RawHttp.Request(method, target, body is null ? NoHeaders : Type(Json), body is null ? null : Utf8(body)), false, TimeSpan.FromSeconds(30));
        Assert.Equal(201, (await Send("PUT", $"/db/{db}/doc/keep", "{\"v\":1}")).Status);
        var created = await Send("POST", $"/db/{db}/doc", "{\"id\":\"..\",\"v\":2}");
        Assert.Equal(201, created.Status);
        string rev = JsonDocument.Parse(created.Body).RootElement.GetProperty("rev").GetString()!;
        foreach (var target in new[] { $"/db/{db}/doc/%2E%2E", $"/db/{db}/doc/.." })
        {
            var read = await Send("GET", target);
            Assert.Equal(200, read.Status);
            Assert.Equal("..", JsonDocument.Parse(read.Body).RootElement.GetProperty("id").GetString());
        }
        var deleted = await Send("DELETE", $"/db/{db}/doc/%2E%2E?rev={rev}");
        Assert.Equal(200, deleted.Status);
        Assert.Equal("..", JsonDocument.Parse(deleted.Body).RootElement.GetProperty("id").GetString());
        Assert.Equal(404, (await Send("GET", $"/db/{db}/doc/%2E%2E")).Status);
        Assert.Equal(200, (await Send("GET", $"/db/{db}/doc/keep")).Status);
        // What curl and URL libraries send for DELETE /db/{db}/doc/.. is refused, not taken as a drop of the database.
        Assert.Equal(400, (await Send("DELETE", $"/db/{db}/")).Status);
        Assert.Equal(200, (await Send("GET", $"/db/{db}/doc/keep")).Status);
        Assert.Equal(200, (await Send("GET", $"/db/{db}")).Status);
    }

    public static TheoryData<string, byte[], bool> CraftedLeaves => new()
    {
        // A well-formed batch whose leaf (generation 2, no ancestry: the hash cannot be checked) carries bad content.
        { "invalid UTF-8 inside a string", [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8], false },
        { "not JSON", "not json"u8.ToArray(), false },
        { "a JSON array", "[1,2]"u8.ToArray(), false },
        { "nested 300 deep", Encoding.ASCII.GetBytes("{\"a\":" + new string('[', 300) + new string(']', 300) + "}"), false },
        { "a tombstone with content", "{\"a\":1}"u8.ToArray(), true },
    };

    [Theory]
    [MemberData(nameof(CraftedLeaves))]
    public async Task A_pushed_leaf_with_bad_content_is_refused_and_never_served(string name, byte[] body, bool deleted)
    {
        string id = "crafted-" + Guid.NewGuid().ToString("N")[..8];
        var batch = MyNoSql.Grains.SyncBatch.Encode([new MyNoSql.Grains.SyncRecord(id,
            [new MyNoSql.Grains.ReplicatedRevision("2-" + new string('a', 32), deleted, [], body)])]);
        var request = new HostileRequest(name, "POST", "/db/hostile/sync/push", Type(Batch), batch, Expect: 200);
        var response = await RawHttp.SendAsync(fixture.Port, request.ToBytes(), head: false, TimeSpan.FromSeconds(30));
        Assert.Null(request.Violation(response));
        Assert.Contains("\"status\":\"invalid\"", response.Text, StringComparison.Ordinal);
        using var read = await fixture.Http.GetAsync($"{fixture.Url}/db/hostile/doc/{id}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, read.StatusCode);
    }

    internal static string Tail(string output) => output.Length > 4000 ? output[^4000..] : output;
}

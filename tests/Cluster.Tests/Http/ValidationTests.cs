using System.Net;
using System.Text;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>Bad input always gets a 4xx with <c>{"error","reason"}</c>, never a 5xx (DESIGN §4).</summary>
[Collection(HttpClusterCollection.Name)]
public sealed class ValidationTests(HttpClusterFixture fixture)
{
    public static TheoryData<string, string, string?, string?, int, string> Cases => new()
    {
        // method, path, content type, body, status, error code
        { "POST", "/db/Bad/doc", "application/json", "{}", 400, "invalid_db" },
        { "POST", "/db/1abc/doc", "application/json", "{}", 400, "invalid_db" },
        { "POST", "/db/" + new string('a', 65) + "/doc", "application/json", "{}", 400, "invalid_db" },
        { "GET", "/db/a.b/doc/x", null, null, 400, "invalid_db" },
        { "GET", "/db/bad%20name/docs", null, null, 400, "invalid_db" },
        { "POST", "/db/valid/doc", "application/json", "{\"a\":", 400, "bad_json" },
        { "POST", "/db/valid/doc", "application/json", "{\"a\":1,\"a\":2}", 400, "bad_json" },
        { "POST", "/db/valid/doc", "application/json", "", 400, "bad_json" },
        { "POST", "/db/valid/doc", "application/json", "[1,2]", 400, "not_object" },
        { "POST", "/db/valid/doc", "application/json", "{\"id\":\"" + new string('a', 513) + "\"}", 400, "invalid_id" },
        { "POST", "/db/valid/doc", "application/json", "\"text\"", 400, "not_object" },
        { "POST", "/db/valid/doc", "application/json", "null", 400, "not_object" },
        { "POST", "/db/valid/doc", "application/json", new string('[', 300) + new string(']', 300), 400, "bad_json" },
        { "POST", "/db/valid/doc", "application/json", "{\"id\":42}", 400, "invalid_id" },
        { "POST", "/db/valid/doc", "application/json", "{\"id\":\"\"}", 400, "invalid_id" },
        { "POST", "/db/valid/doc", "application/json", "{\"id\":\"a\\u0001b\"}", 400, "invalid_id" },
        { "POST", "/db/valid/doc", "application/json", "{\"id\":\"" + new string('x', 513) + "\"}", 400, "invalid_id" },
        { "PUT", "/db/valid/doc/one", "application/json", "{\"id\":\"two\"}", 400, "id_mismatch" },
        { "PUT", "/db/valid/doc/" + new string('x', 513), "application/json", "{}", 400, "invalid_id" },
        { "PUT", "/db/valid/doc/a%01b", "application/json", "{}", 400, "invalid_id" },
        { "GET", "/db/valid/doc/", null, null, 400, "invalid_id" },
        { "POST", "/db/valid/doc", "text/plain", "hello", 415, "unsupported_media_type" },
        { "POST", "/db/valid/doc", null, "[1]", 415, "unsupported_media_type" },
        { "POST", "/db/valid/doc", "application/x-www-form-urlencoded", "a=1", 415, "unsupported_media_type" },
        { "PUT", "/db/valid/doc/x", "application/xml", "<a/>", 415, "unsupported_media_type" },
        { "PATCH", "/db/valid/doc/x", "application/json", "n=2", 415, "unsupported_media_type" },
        { "POST", "/healthz", "application/json", "{}", 405, "method_not_allowed" },
        { "DELETE", "/mirrors", null, null, 405, "method_not_allowed" },
        { "PUT", "/db/valid/docs", "application/json", "{}", 405, "method_not_allowed" },
        { "GET", "/db/valid/doc/never-saved", null, null, 404, "not_found" },
        { "DELETE", "/db/valid/doc/never-saved?rev=1-00000000000000000000000000000000", null, null, 404, "not_found" },
        { "GET", "/no/such/route", null, null, 404, "not_found" },
        { "GET", "/db/valid/docs?limit=0", null, null, 400, "invalid_limit" },
        { "GET", "/db/valid/docs?limit=abc", null, null, 400, "invalid_limit" },
        { "GET", "/db/valid/docs?limit=1000000", null, null, 400, "invalid_limit" },
        { "GET", "/db/valid/docs?after=", null, null, 400, "invalid_query" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_requests_get_a_4xx_with_a_json_error(string method, string path, string? contentType, string? body, int status, string code)
    {
        HttpContent? content = body is null ? null : Raw(Encoding.UTF8.GetBytes(body), contentType);
        var result = await SendAsync(fixture.Http, new HttpMethod(method), fixture.Url(0) + path, content);
        Assert.Equal(code, AssertError((HttpStatusCode)status, result));
        Assert.DoesNotContain("(Parameter '", result.Body?["reason"]?.ToString() ?? "", StringComparison.Ordinal); // .NET's suffix is not a reason
    }

    [Fact]
    public async Task A_body_over_the_default_16_MiB_maximum_gets_413()
    {
        var big = new byte[(16 << 20) + 16];
        big.AsSpan().Fill((byte)' ');
        big[0] = (byte)'{';
        big[^1] = (byte)'}';
        var result = await SendAsync(fixture.Http, HttpMethod.Post, $"{fixture.Url(1)}/db/valid/doc", Raw(big, "application/json"));
        Assert.Equal("too_large", AssertError(HttpStatusCode.RequestEntityTooLarge, result));

        // Without a Content-Length (chunked), the limit still holds.
        using var stream = new MemoryStream(big);
        var chunked = new StreamContent(stream);
        chunked.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{fixture.Url(2)}/db/valid/doc/big") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);

        // Just under the limit is accepted.
        var fits = new byte[(1 << 20)];
        Encoding.ASCII.GetBytes("{\"s\":\"").CopyTo(fits, 0);
        fits.AsSpan(6, fits.Length - 8).Fill((byte)'a');
        fits[^2] = (byte)'"';
        fits[^1] = (byte)'}';
        var ok = await SendAsync(fixture.Http, HttpMethod.Post, $"{fixture.Url(0)}/db/valid/doc", Raw(fits, "application/json"));
        Assert.Equal(HttpStatusCode.Created, ok.Status);
    }

    [Fact]
    public async Task Json_content_types_with_charset_or_a_json_suffix_are_accepted()
    {
        foreach (var type in new[] { "application/json; charset=utf-8", "application/vnd.mynosql+json" })
        {
            var result = await SendAsync(fixture.Http, HttpMethod.Post, $"{fixture.Url(0)}/db/valid/doc", Raw("{\"t\":1}"u8.ToArray(), type));
            Assert.Equal(HttpStatusCode.Created, result.Status);
        }
    }
}

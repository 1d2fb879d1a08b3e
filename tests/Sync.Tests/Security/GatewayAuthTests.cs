using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace MyNoSql.Sync.Tests.Security;

/// <summary>The gateway's 401/403 rules on every route, over HTTPS on a real mirror process with a key file.</summary>
[Collection(SecureMirrorCollection.Name)]
public sealed class GatewayAuthTests(SecureMirrorFixture mirror)
{
    private enum Need { Open, AnyKey, Read, Write, Admin }

    private static readonly (string Method, string Path, Need Need)[] Routes =
    [
        ("GET", "/healthz", Need.Open),
        ("GET", "/mirrors", Need.AnyKey),
        ("GET", "/no/such/route", Need.AnyKey),
        ("GET", "/db/alpha/doc/m1", Need.Read),
        ("GET", "/db/alpha/docs?limit=5", Need.Read),
        ("GET", "/db/alpha/sync/changes?limit=5", Need.Read),
        ("GET", "/db/alpha/sync/poll?t=x", Need.Read),
        ("POST", "/db/alpha/sync/fetch", Need.Read),
        ("GET", "/db/alpha/_changes?limit=5", Need.Read),
        ("POST", "/db/alpha/_changes?limit=5", Need.Read),
        ("POST", "/db/alpha/doc", Need.Write),
        ("PUT", "/db/alpha/doc/m1", Need.Write),
        ("DELETE", "/db/alpha/doc/m1?rev=9-00000000000000000000000000000000", Need.Write),
        ("POST", "/db/alpha/sync/push", Need.Write),
        ("GET", "/_mirror/local/alpha", Need.Admin),
        ("GET", "/_mirror/ping", Need.Admin),
    ];

    private static HttpContent? Body(string method, string path) => (method, path) switch
    {
        ("POST", "/db/alpha/sync/fetch") => new StringContent("[\"m1\"]", Encoding.UTF8, "application/json"),
        ("POST", "/db/alpha/sync/push") => new ByteArrayContent([1, 2, 3]) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-mynosql-batch") } },
        ("POST" or "PUT", _) => new StringContent("{\"n\":1}", Encoding.UTF8, "application/json"),
        _ => null,
    };

    [Fact]
    public async Task Every_route_answers_401_or_403_or_serves_by_the_key_right_and_database()
    {
        // credential → the rights it holds on database alpha (null: not authenticated; "db": valid but not for alpha)
        var credentials = new (string Name, string? Key, Need? Holds, string? Error)[]
        {
            ("none", null, null, "unauthorized"),
            ("unknown", SecureMirrorFixture.Bogus, null, "invalid_key"),
            ("expired", SecureMirrorFixture.Expired, null, "expired_key"),
            ("reader", SecureMirrorFixture.Reader, Need.Read, null),
            ("writer", SecureMirrorFixture.Writer, Need.Write, null),
            ("admin", SecureMirrorFixture.Admin, Need.Admin, null),
            ("other-db", SecureMirrorFixture.OtherDb, Need.AnyKey, null),
        };
        var failures = new List<string>();
        foreach (var (method, path, need) in Routes)
        {
            foreach (var (name, key, holds, error) in credentials)
            {
                using var response = await mirror.SendAsync(new HttpMethod(method), path, key, Body(method, path));
                int status = (int)response.StatusCode;
                string body = await response.Content.ReadAsStringAsync();
                int expected = need == Need.Open ? 0
                    : holds is null ? 401
                    : need == Need.AnyKey ? 0
                    : holds == Need.AnyKey || holds < need ? 403
                    : 0;
                string cell = $"{method} {path} with {name}: {status} {body}";
                if (expected == 0)
                {
                    if (status is 401 or 403 or 429 or >= 500) failures.Add(cell + " (expected served)");
                    continue;
                }
                if (status != expected) { failures.Add(cell + $" (expected {expected})"); continue; }
                using var json = JsonDocument.Parse(body);
                string code = json.RootElement.GetProperty("error").GetString()!;
                if (expected == 401 && code != error) failures.Add(cell + $" (expected error {error})");
                if (expected == 403 && code != "forbidden") failures.Add(cell + " (expected error forbidden)");
                if (!response.Headers.WwwAuthenticate.Any(h => h.Scheme == "Bearer")) failures.Add(cell + " (no WWW-Authenticate: Bearer)");
                if (key is not null && body.Contains(key, StringComparison.Ordinal)) failures.Add(cell + " (the key is in the answer)");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Served_routes_behave_as_without_authentication_and_reasons_name_the_key_and_the_need()
    {
        using (var saved = await mirror.SendAsync(HttpMethod.Put, "/db/alpha/doc/auth%2Fone", SecureMirrorFixture.Writer,
            new StringContent("{\"v\":1}", Encoding.UTF8, "application/json")))
            Assert.True(saved.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await saved.Content.ReadAsStringAsync());
        using (var read = await mirror.SendAsync(HttpMethod.Get, "/db/alpha/doc/auth%2Fone", SecureMirrorFixture.Reader, xApiKey: true))
            Assert.Equal(HttpStatusCode.OK, read.StatusCode); // X-Api-Key works as well as Bearer

        using var forbidden = await mirror.SendAsync(HttpMethod.Put, "/db/alpha/doc/auth%2Fone", SecureMirrorFixture.Reader,
            new StringContent("{\"v\":2}", Encoding.UTF8, "application/json"));
        string reason = JsonDocument.Parse(await forbidden.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString()!;
        Assert.Contains("'reader' has read rights", reason, StringComparison.Ordinal);
        Assert.Contains("needs write rights on database 'alpha'", reason, StringComparison.Ordinal);

        using var otherDb = await mirror.SendAsync(HttpMethod.Get, "/db/alpha/docs", SecureMirrorFixture.OtherDb);
        Assert.Contains("does not cover database 'alpha'", await otherDb.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var expired = await mirror.SendAsync(HttpMethod.Get, "/db/alpha/docs", SecureMirrorFixture.Expired);
        Assert.Contains("'old' expired at 2020-01-01T00:00:00Z", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var basic = new HttpRequestMessage(HttpMethod.Get, mirror.Url + "/mirrors");
        basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("u:p"u8.ToArray()));
        using var basicAnswer = await mirror.Http.SendAsync(basic);
        Assert.Equal(HttpStatusCode.Unauthorized, basicAnswer.StatusCode);
        Assert.Contains("scheme must be Bearer", await basicAnswer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversize_body_gets_413_json_and_without_a_key_401_before_the_body_is_read()
    {
        var big = new string('x', SecureMirrorFixture.MaxDocumentSize + 1);
        using var response = await mirror.SendAsync(HttpMethod.Post, "/db/alpha/doc", SecureMirrorFixture.Writer,
            new StringContent($"{{\"text\":\"{big}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("too_large", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());

        // Streamed (no Content-Length): still 413 once the limit is crossed.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($"{{\"text\":\"{big}\"}}")));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var streamed = await mirror.SendAsync(HttpMethod.Put, "/db/alpha/doc/big", SecureMirrorFixture.Writer, chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);

        using var anonymous = await mirror.SendAsync(HttpMethod.Post, "/db/alpha/doc", null,
            new StringContent($"{{\"text\":\"{big}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task No_key_ever_appears_in_the_mirror_output()
    {
        foreach (var key in new[] { SecureMirrorFixture.Bogus, SecureMirrorFixture.Expired, SecureMirrorFixture.Reader, SecureMirrorFixture.OtherDb })
        {
            using var _ = await mirror.SendAsync(HttpMethod.Put, "/db/alpha/doc/log-probe", key, new StringContent("{}", Encoding.UTF8, "application/json"));
        }
        // The rejections are logged (so the check below looks at real log lines), by key name and never by key.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!mirror.Mirror.Output.Contains("key 'other-db'", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
        string output = mirror.Mirror.Output;
        Assert.Contains("unknown or revoked key", output, StringComparison.Ordinal);
        Assert.Contains("key 'old' expired", output, StringComparison.Ordinal);
        Assert.Contains("key 'reader'", output, StringComparison.Ordinal);
        foreach (var key in new[] { SecureMirrorFixture.Reader, SecureMirrorFixture.Writer, SecureMirrorFixture.Admin, SecureMirrorFixture.OtherDb,
            SecureMirrorFixture.Expired, SecureMirrorFixture.Syncer, SecureMirrorFixture.Bogus })
            Assert.DoesNotContain(key, output, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text;

namespace MyNoSql.Sync.Tests.Security;

/// <summary>
/// Rights of the DESIGN §8 routes (RouteAccess): history, kept revisions and the merge policy read with read rights;
/// patches, undo, redo, resolutions and policy changes need write.
/// </summary>
[Collection(SecureMirrorCollection.Name)]
public sealed class HistoryRouteAccessTests(SecureMirrorFixture mirror)
{
    [Fact]
    public async Task History_reads_need_read_and_edits_and_policy_changes_need_write()
    {
        string id = "acl-" + Guid.NewGuid().ToString("N")[..8];
        string rev;
        using (var saved = await mirror.SendAsync(HttpMethod.Put, $"/db/alpha/doc/{id}", SecureMirrorFixture.Writer, Content("""{"v":1}""", "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
            rev = System.Text.Json.JsonDocument.Parse(await saved.Content.ReadAsStringAsync()).RootElement.GetProperty("rev").GetString()!;
        }
        foreach (var path in new[] { $"/db/alpha/doc/{id}/_history", $"/db/alpha/doc/{id}?rev={rev}", "/db/alpha/_merge_policy" })
        {
            using var read = await mirror.SendAsync(HttpMethod.Get, path, SecureMirrorFixture.Reader);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        var writes = new (HttpMethod Method, string Path, Func<HttpContent?> Body)[]
        {
            (HttpMethod.Patch, $"/db/alpha/doc/{id}?rev={rev}", () => Content("""{"v":2}""", "application/merge-patch+json")),
            (HttpMethod.Post, $"/db/alpha/doc/{id}/_undo", () => null),
            (HttpMethod.Post, $"/db/alpha/doc/{id}/_redo", () => null),
            (HttpMethod.Post, $"/db/alpha/conflicts/{id}/_resolve", () => Content($$"""{"rev":"{{rev}}","v":3}""", "application/json")),
            (HttpMethod.Put, "/db/alpha/_merge_policy", () => Content("""{"fields":{"v":"max"}}""", "application/json")),
        };
        foreach (var (method, path, body) in writes)
        {
            using var refused = await mirror.SendAsync(method, path, SecureMirrorFixture.Reader, body());
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        // With write rights they reach the record (the undo after the patch succeeds; the redo then too).
        foreach (var (method, path, body) in writes.Where(w => w.Path.Contains("_undo", StringComparison.Ordinal) || w.Method == HttpMethod.Patch || w.Method == HttpMethod.Put))
        {
            using var allowed = await mirror.SendAsync(method, path, SecureMirrorFixture.Writer, body());
            Assert.True(allowed.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{method} {path}: {allowed.StatusCode}");
        }
        using var anonymous = await mirror.SendAsync(HttpMethod.Get, $"/db/alpha/doc/{id}/_history", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private static ByteArrayContent Content(string text, string mediaType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }
}

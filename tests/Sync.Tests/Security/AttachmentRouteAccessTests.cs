using System.Net;
using System.Security.Cryptography;

namespace MyNoSql.Sync.Tests.Security;

/// <summary>
/// Rights of the DESIGN §9 attachment routes (RouteAccess): reading an attachment, the body-sync GETs and the
/// missing-check need read; putting or deleting an attachment and uploading chunks or manifests need write.
/// </summary>
[Collection(SecureMirrorCollection.Name)]
public sealed class AttachmentRouteAccessTests(SecureMirrorFixture mirror)
{
    [Fact]
    public async Task Attachment_reads_need_read_and_attachment_writes_need_write()
    {
        string id = "att-" + Guid.NewGuid().ToString("N")[..8];
        byte[] body = [1, 2, 3, 4, 5];
        string chunk = Convert.ToHexStringLower(SHA256.HashData(body));
        string rev;
        using (var refused = await mirror.SendAsync(HttpMethod.Put, $"/db/alpha/doc/{id}/att/a.bin", SecureMirrorFixture.Reader, new ByteArrayContent(body)))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using (var put = await mirror.SendAsync(HttpMethod.Put, $"/db/alpha/doc/{id}/att/a.bin", SecureMirrorFixture.Writer, new ByteArrayContent(body)))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            rev = System.Text.Json.JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("rev").GetString()!;
        }
        using (var read = await mirror.SendAsync(HttpMethod.Get, $"/db/alpha/doc/{id}/att/a.bin", SecureMirrorFixture.Reader))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(body, await read.Content.ReadAsByteArrayAsync());
        }
        using (var missing = await mirror.SendAsync(HttpMethod.Post, "/db/alpha/sync/att/missing", SecureMirrorFixture.Reader,
            new StringContent($$"""{"chunks":["{{chunk}}"]}""", System.Text.Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, missing.StatusCode);
        using (var get = await mirror.SendAsync(HttpMethod.Get, $"/db/alpha/sync/att/chunk/{chunk}", SecureMirrorFixture.Reader))
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        foreach (var (method, path) in new[] { (HttpMethod.Delete, $"/db/alpha/doc/{id}/att/a.bin?rev={rev}"), (HttpMethod.Put, $"/db/alpha/sync/att/chunk/{chunk}"),
            (HttpMethod.Put, "/db/alpha/sync/att/manifest") })
        {
            using var refused = await mirror.SendAsync(method, path, SecureMirrorFixture.Reader, new ByteArrayContent(body));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var deleted = await mirror.SendAsync(HttpMethod.Delete, $"/db/alpha/doc/{id}/att/a.bin?rev={rev}", SecureMirrorFixture.Writer))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var anonymous = await mirror.SendAsync(HttpMethod.Get, $"/db/alpha/doc/{id}/att/a.bin", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}

using System.Net;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Attachments.Att;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Attachments;

/// <summary>A <c>--read-only</c> mirror serves attachment reads and the sync missing-check, and refuses every attachment write with 403.</summary>
[Collection(ReadOnlyMirrorCollection.Name)]
public sealed class AttachmentReadOnlyTests(ReadOnlyMirrorFixture fixture)
{
    [Fact]
    public async Task Attachment_reads_pass_and_attachment_writes_get_read_only()
    {
        var http = fixture.Http;
        string db = NewDb();
        byte[] body = RandomBody(4000, seed: 9);
        var (status, put) = await PutAsync(http, $"{fixture.Writable}/db/{db}/doc/r/att/a.bin", Body(body));
        Assert.Equal(HttpStatusCode.Created, status);
        string rev = Str(put, "rev");
        var read = await PollAsync(async () =>
        {
            var (s, bytes, _) = await GetAsync(http, $"{fixture.ReadOnly}/db/{db}/doc/r/att/a.bin");
            return s == HttpStatusCode.OK ? bytes : null;
        }, TimeSpan.FromSeconds(30), "the read-only mirror to serve the attachment");
        Assert.Equal(body, read);
        string chunk = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        var (missingStatus, _) = await SendAsync(http, HttpMethod.Post, $"{fixture.ReadOnly}/db/{db}/sync/att/missing", Json($$"""{"chunks":["{{chunk}}"]}"""));
        Assert.Equal(HttpStatusCode.OK, missingStatus);
        foreach (string url in new[] { fixture.ReadOnly, fixture.KeyedReadOnly })
        {
            foreach (var (method, path, content) in new (HttpMethod, string, HttpContent?)[]
            {
                (HttpMethod.Put, $"doc/r/att/b.bin?rev={rev}", Body([1, 2])),
                (HttpMethod.Delete, $"doc/r/att/a.bin?rev={rev}", null),
                (HttpMethod.Put, $"sync/att/chunk/{chunk}", Body(body)),
                (HttpMethod.Put, "sync/att/manifest", Json("{}")),
            })
            {
                var answer = await SendAsync(http, method, $"{url}/db/{db}/{path}", content);
                Assert.Equal("read_only", AssertError(HttpStatusCode.Forbidden, answer));
            }
        }
        var (_, record) = await SendAsync(http, HttpMethod.Get, $"{fixture.Writable}/db/{db}/doc/r");
        Assert.Equal(rev, Str(record, "rev"));
    }
}

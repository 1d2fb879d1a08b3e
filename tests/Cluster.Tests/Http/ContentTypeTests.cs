using System.Net;
using System.Text;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>
/// DESIGN §11: a body that parses as one JSON object is accepted whatever its Content-Type says — curl's default
/// (<c>-d</c> sends application/x-www-form-urlencoded), text/plain, or none — on every route that takes a JSON object.
/// </summary>
[Collection(HttpClusterCollection.Name)]
public sealed class ContentTypeTests(HttpClusterFixture fixture)
{
    public static TheoryData<string?> ContentTypes => new() { "application/x-www-form-urlencoded", "text/plain", null };

    [Theory]
    [MemberData(nameof(ContentTypes))]
    public async Task A_json_object_body_is_taken_whatever_its_content_type(string? contentType)
    {
        string db = "ct" + Guid.NewGuid().ToString("N")[..8];
        string url = $"{fixture.Url(0)}/db/{db}";
        ByteArrayContent Body(string json) => Raw(Encoding.UTF8.GetBytes(json), contentType);

        var (created, doc) = await SendAsync(fixture.Http, HttpMethod.Post, $"{url}/doc", Body("""{"kind":"curl","v":1}"""));
        Assert.Equal(HttpStatusCode.Created, created);
        string id = Str(doc, "id");
        var (updated, saved) = await SendAsync(fixture.Http, HttpMethod.Put, $"{url}/doc/{id}", Body($$"""{"rev":"{{Str(doc, "rev")}}","kind":"curl","v":2}"""));
        Assert.Equal(HttpStatusCode.Created, updated);
        Assert.StartsWith("2-", Str(saved, "rev"), StringComparison.Ordinal);

        var (indexed, index) = await SendAsync(fixture.Http, HttpMethod.Post, $"{url}/_index", Body("""{"name":"by-kind","fields":["kind"]}"""));
        Assert.Equal(HttpStatusCode.OK, indexed);
        Assert.Equal("created", Str(index, "result"));
        var (found, result) = await SendAsync(fixture.Http, HttpMethod.Post, $"{url}/_find", Body("""{"selector":{"kind":"curl"}}"""));
        Assert.Equal(HttpStatusCode.OK, found);
        Assert.Equal(2, (int)result!["docs"]![0]!["v"]!);
        var (changed, changes) = await SendAsync(fixture.Http, HttpMethod.Post, $"{url}/_changes", Body("""{"selector":{"kind":"curl"}}"""));
        Assert.Equal(HttpStatusCode.OK, changed);
        Assert.Equal(id, Str(changes!["results"]![0], "id"));
        var (policy, _) = await SendAsync(fixture.Http, HttpMethod.Put, $"{url}/_merge_policy", Body("""{"fields":{"v":"max"}}"""));
        Assert.Equal(HttpStatusCode.OK, policy);

        // Not a JSON object: still 415, naming the Content-Type, and nothing written.
        var refused = await SendAsync(fixture.Http, HttpMethod.Put, $"{url}/doc/{id}", Body("v=3"));
        Assert.Equal("unsupported_media_type", AssertError(HttpStatusCode.UnsupportedMediaType, refused));
        Assert.Contains("Content-Type", Str(refused.Body, "reason"), StringComparison.Ordinal);
        var (_, after) = await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/doc/{id}");
        Assert.Equal(2, (int)after!["v"]!);
    }
}

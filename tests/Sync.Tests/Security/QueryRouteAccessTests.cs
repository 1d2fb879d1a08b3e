using System.Net;
using System.Text;
using System.Text.Json;

namespace MyNoSql.Sync.Tests.Security;

/// <summary>
/// Rights of the query routes (RouteAccess): <c>_find</c>, <c>_explain</c> and listing indexes need read;
/// creating and deleting indexes (the cluster-wide catalog) need write.
/// </summary>
[Collection(SecureMirrorCollection.Name)]
public sealed class QueryRouteAccessTests(SecureMirrorFixture mirror)
{
    [Fact]
    public async Task Queries_need_read_and_index_changes_need_write()
    {
        using (var find = await mirror.SendAsync(HttpMethod.Post, "/db/alpha/_find", SecureMirrorFixture.Reader, Json("""{"selector":{}}""")))
            Assert.Equal(HttpStatusCode.OK, find.StatusCode);
        using (var explain = await mirror.SendAsync(HttpMethod.Post, "/db/alpha/_explain", SecureMirrorFixture.Reader, Json("""{"selector":{}}""")))
            Assert.Equal(HttpStatusCode.OK, explain.StatusCode);
        using (var list = await mirror.SendAsync(HttpMethod.Get, "/db/alpha/_index", SecureMirrorFixture.Reader))
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);

        using (var create = await mirror.SendAsync(HttpMethod.Post, "/db/alpha/_index", SecureMirrorFixture.Reader, Json("""{"name":"by-v","fields":["v"]}""")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
            Assert.Contains("needs write rights on database 'alpha'", Reason(await create.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }
        using (var create = await mirror.SendAsync(HttpMethod.Post, "/db/alpha/_index", SecureMirrorFixture.Writer, Json("""{"name":"by-v","fields":["v"]}""")))
            Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        using (var delete = await mirror.SendAsync(HttpMethod.Delete, "/db/alpha/_index/by-v", SecureMirrorFixture.Reader))
            Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        using (var delete = await mirror.SendAsync(HttpMethod.Delete, "/db/alpha/_index/by-v", SecureMirrorFixture.Writer))
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        using (var anonymous = await mirror.SendAsync(HttpMethod.Post, "/db/alpha/_find", null, Json("""{"selector":{}}""")))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Reason(string body) => JsonDocument.Parse(body).RootElement.GetProperty("reason").GetString()!;
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Couch;

/// <summary>
/// /couch behind API keys (deploy/SECURITY.md) on a real keyed mirror process: the key as <c>Authorization: Bearer</c> or
/// as the password of Basic auth (what PouchDB users configure, any user name), CouchDB-shaped 401
/// <c>{"error":"unauthorized"}</c> with a Basic challenge and 403 <c>{"error":"forbidden"}</c>.
/// </summary>
[Collection(ReadOnlyMirrorCollection.Name)]
public sealed class CouchAuthTests(ReadOnlyMirrorFixture fixture)
{
    private static HttpClient Client(AuthenticationHeaderValue? auth)
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = auth;
        return http;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    [Fact]
    public async Task The_key_works_as_bearer_or_as_the_basic_password_and_refusals_are_couchdb_shaped()
    {
        string url = $"{fixture.KeyedReadOnly}/couch/somedb";
        using (var bearer = Client(new("Bearer", ReadOnlyMirrorFixture.WriteKey)))
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(bearer, HttpMethod.Get, url)).Status);
        using (var basic = Client(Basic("any-user", ReadOnlyMirrorFixture.WriteKey)))
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(basic, HttpMethod.Get, url)).Status);
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(basic, HttpMethod.Get, $"{fixture.KeyedReadOnly}/couch/")).Status);
            // Basic is for CouchDB clients only: the native routes keep Bearer.
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(basic, HttpMethod.Get, $"{fixture.KeyedReadOnly}/db/somedb/docs")).Status);
        }

        using (var anonymous = Client(null))
        {
            using var response = await anonymous.GetAsync(url);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Basic", response.Headers.WwwAuthenticate.First().Scheme);
        }
        foreach (var wrong in new[] { Basic("u", "not-a-key-of-this-mirror"), new AuthenticationHeaderValue("Basic", "%%%"), new AuthenticationHeaderValue("Bearer", "nope") })
        {
            using var client = Client(wrong);
            Assert.Equal("unauthorized", AssertError(HttpStatusCode.Unauthorized, await SendAsync(client, HttpMethod.Get, url)));
        }
        // A valid key without that database: 403 forbidden; with it, the read passes.
        using var scoped = Client(Basic("pouch", ReadOnlyMirrorFixture.ScopedKey));
        Assert.Equal("forbidden", AssertError(HttpStatusCode.Forbidden, await SendAsync(scoped, HttpMethod.Get, url)));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(scoped, HttpMethod.Get, $"{fixture.KeyedReadOnly}/couch/scoped/_changes")).Status);
        // Read rights do not cover writes (the checkpoint, a document): 403 forbidden before anything is stored.
        Assert.Equal("forbidden", AssertError(HttpStatusCode.Forbidden,
            await SendAsync(scoped, HttpMethod.Put, $"{fixture.KeyedReadOnly}/couch/scoped/_local/cp", Json("""{"last_seq":"0"}"""))));
        // Dropping a database (DELETE /couch/{db}, /couch/{db}/) needs the admin right, as DELETE /db/{db}: write is not enough.
        using var writer = Client(Basic("pouch", ReadOnlyMirrorFixture.WriteKey));
        foreach (string path in new[] { "/couch/somedb/", "/couch/somedb" })
            Assert.Equal("forbidden", AssertError(HttpStatusCode.Forbidden, await SendAsync(writer, HttpMethod.Delete, fixture.KeyedReadOnly + path)));
    }
}

using System.Net;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Couch.CouchApi;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Couch;

/// <summary><c>/couch/{db}</c> and <c>/couch/{db}/</c> as the database: information and <c>DELETE</c> (PouchDB's
/// <c>destroy()</c>), which drops it on every mirror as <c>DELETE /db/{db}</c> does.</summary>
[Collection(HttpClusterCollection.Name)]
public sealed class CouchDatabaseTests(HttpClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Delete_with_or_without_a_trailing_slash_drops_the_database_on_every_mirror()
    {
        foreach (string slash in new[] { "/", "" })
        {
            string db = NewDb("cdd");
            await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/doc", """{"v":1}""", HttpStatusCode.Created);
            // The trailing slash names the database, never an empty document id.
            Assert.Equal(db, Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/"), "db_name"));
            var dropped = await OkAsync(Http, HttpMethod.Delete, $"{fixture.Url(1)}/couch/{db}{slash}");
            Assert.True((bool)dropped!["ok"]!);
            foreach (int mirror in new[] { 0, 1, 2 })
            {
                Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(mirror)}/couch/{db}/doc")));
                Assert.Empty((await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(mirror)}/couch/{db}/_changes"))!["results"]!.AsArray());
            }
        }
        string never = NewDb("cdn");
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/couch/{never}/")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/couch/{never}")));
        Assert.Equal("illegal_database_name", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/couch/Bad_Name/")));
    }

    [Fact]
    public async Task Compact_answers_202_ok_as_CouchDB_and_changes_nothing()
    {
        // PouchDB's compact() over HTTP posts _compact and then polls the database until compact_running is false.
        string db = NewDb("cdc");
        var created = await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/doc", """{"v":1}""", HttpStatusCode.Created);
        var answer = await OkAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/couch/{db}/_compact", "{}", HttpStatusCode.Accepted);
        Assert.True((bool)answer!["ok"]!);
        Assert.False((bool)(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}"))!["compact_running"]!);
        Assert.Equal(Str(created, "rev"), Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/doc"), "_rev"));
        Assert.Equal("illegal_database_name", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/couch/Bad_Name/_compact", Json("{}"))));
    }

    [Fact]
    public async Task Delete_of_the_database_deletes_its_local_checkpoints()
    {
        // CouchDB: _local documents belong to the database; PouchDB's "issue #585 Store checkpoint on target db" destroys
        // the target and replicates again, which must start from the beginning, not from the old checkpoint.
        string db = NewDb("cdl");
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/doc", """{"v":1}""", HttpStatusCode.Created);
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/couch/{db}/_local/cp", """{"last_seq":"5"}""", HttpStatusCode.Created);
        Assert.Equal("5", Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/couch/{db}/_local/cp"), "last_seq"));
        await OkAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/couch/{db}/");
        foreach (int mirror in new[] { 0, 1, 2 })
            Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(mirror)}/couch/{db}/_local/cp")));
        // A checkpoint written after the drop is kept (without a _rev: the old document is gone).
        await OkAsync(Http, HttpMethod.Put, $"{fixture.Url(1)}/couch/{db}/_local/cp", """{"last_seq":"1"}""", HttpStatusCode.Created);
        Assert.Equal("1", Str(await OkAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/couch/{db}/_local/cp"), "last_seq"));
    }
}

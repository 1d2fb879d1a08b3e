using System.Net;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.DropDatabase;

/// <summary>A <c>--read-only</c> mirror refuses <c>DELETE /db/{db}</c> (403 <c>read_only</c>); the database stays everywhere.</summary>
[Collection(ReadOnlyMirrorCollection.Name)]
public sealed class DropDatabaseReadOnlyTests(ReadOnlyMirrorFixture fixture)
{
    [Fact]
    public async Task A_read_only_mirror_refuses_to_drop_a_database()
    {
        string db = "rodrop" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Writable}/db/{db}/doc/a", Json("""{"a":1}"""))).Status);
        Assert.Equal("read_only", AssertError(HttpStatusCode.Forbidden, await SendAsync(fixture.Http, HttpMethod.Delete, $"{fixture.ReadOnly}/db/{db}")));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Writable}/db/{db}/doc/a")).Status);
    }
}

using System.Net;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Locks.LockHttp;

namespace MyNoSql.Cluster.Tests.Locks;

/// <summary>A <c>--read-only</c> mirror refuses the lock routes and fenced saves (they are writes) with 403 <c>read_only</c>.</summary>
[Collection(ReadOnlyMirrorCollection.Name)]
public sealed class LockReadOnlyTests(ReadOnlyMirrorFixture fixture)
{
    [Fact]
    public async Task Read_only_mirrors_refuse_locks_and_fenced_saves()
    {
        var granted = await AcquireAsync(fixture.Http, fixture.Writable, "rolocks", "x", ttl: 30, wait: 0);
        Assert.Equal(HttpStatusCode.OK, granted.Status);
        long token = Token(granted.Body);
        foreach (var (status, body) in new[]
        {
            await AcquireAsync(fixture.Http, fixture.ReadOnly, "rolocks", "y", ttl: 1, wait: 0),
            await RenewAsync(fixture.Http, fixture.ReadOnly, "rolocks", "x", token, ttl: 1),
            await ReleaseAsync(fixture.Http, fixture.ReadOnly, "rolocks", "x", token),
            await SaveFencedAsync(fixture.Http, fixture.ReadOnly, "rolocks", "d", """{"a":1}""", "x", token),
        })
        {
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal("read_only", (string)body["error"]!);
        }
        // Still held with its token: the refused release changed nothing.
        Assert.Equal(HttpStatusCode.OK, (await ReleaseAsync(fixture.Http, fixture.Writable, "rolocks", "x", token)).Status);
    }
}

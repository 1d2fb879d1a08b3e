using System.Net;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Postgres;

/// <summary>--clustering adonet --storage adonet against a real PostgreSQL with deploy/postgresql applied.</summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class AdoNetTests(PostgresClusterFixture fixture)
{
    private HttpClient Http => fixture.Cluster.Http;

    private string Url(int i) => fixture.Cluster.Mirrors[i].BaseUrl;

    [Fact]
    public async Task Membership_lives_in_postgresql_and_every_mirror_is_listed()
    {
        Assert.Equal(3, await fixture.Server.ScalarAsync("SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = 'pgtest' AND Status = 3"));
        var (status, body) = await SendAsync(Http, HttpMethod.Get, $"{Url(1)}/mirrors");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(fixture.Cluster.Urls.Order(StringComparer.Ordinal), body!.AsArray().Select(n => (string)n!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Records_are_stored_in_postgresql_and_survive_a_mirror_restart()
    {
        var (created, doc) = await SendAsync(Http, HttpMethod.Put, $"{Url(0)}/db/pg/doc/{Uri.EscapeDataString("/a/1")}", Json("""{"v":1}"""));
        Assert.Equal(HttpStatusCode.Created, created);
        var (updated, doc2) = await SendAsync(Http, HttpMethod.Put, $"{Url(1)}/db/pg/doc/{Uri.EscapeDataString("/a/1")}", Json($$"""{"rev":"{{Str(doc, "rev")}}","v":2}"""));
        Assert.Equal(HttpStatusCode.Created, updated);
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict,
            await SendAsync(Http, HttpMethod.Put, $"{Url(2)}/db/pg/doc/{Uri.EscapeDataString("/a/1")}", Json($$"""{"rev":"{{Str(doc, "rev")}}","v":3}"""))));
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(Http, HttpMethod.Put, $"{Url(2)}/db/pg/doc/{Uri.EscapeDataString("/a/2")}", Json("{}"))).Status);
        Assert.True(await fixture.Server.ScalarAsync("SELECT count(*) FROM OrleansStorage WHERE PayloadBinary IS NOT NULL") >= 2);

        // Every mirror restarts: the records and the id listing come back from PostgreSQL.
        for (int i = 2; i >= 0; i--)
        {
            Assert.Equal(0, await fixture.Cluster.Mirrors[i].StopAsync(TimeSpan.FromSeconds(40)));
            await fixture.Cluster.Mirrors[i].DisposeAsync();
        }
        for (int i = 0; i < 3; i++) fixture.Cluster.StartMirror(i);
        for (int i = 0; i < 3; i++) await fixture.Cluster.Mirrors[i].WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
        await fixture.Cluster.WaitForMirrorsAsync(3, TimeSpan.FromSeconds(90));

        var (readStatus, read) = await SendAsync(Http, HttpMethod.Get, $"{Url(2)}/db/pg/doc/{Uri.EscapeDataString("/a/1")}");
        Assert.Equal(HttpStatusCode.OK, readStatus);
        Assert.Equal(Str(doc2, "rev"), Str(read, "rev"));
        Assert.Equal(2, (int)read!["v"]!);
        var (_, list) = await SendAsync(Http, HttpMethod.Get, $"{Url(1)}/db/pg/docs?prefix=/a/");
        Assert.Equal(["/a/1", "/a/2"], list!["ids"]!.AsArray().Select(n => (string)n!).ToArray());
    }
}

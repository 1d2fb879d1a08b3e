using System.Net;
using System.Text.Json.Nodes;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Http;

[Collection(HttpClusterCollection.Name)]
public sealed class GatewayTests(HttpClusterFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Healthz_answers_on_every_mirror()
    {
        for (int i = 0; i < 3; i++)
        {
            var (status, _) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(i)}/healthz");
            Assert.Equal(HttpStatusCode.OK, status);
        }
    }

    [Fact]
    public async Task Mirrors_lists_the_url_of_every_live_mirror_from_any_mirror()
    {
        var expected = fixture.Cluster.Urls.Order(StringComparer.Ordinal).ToList();
        for (int i = 0; i < 3; i++)
        {
            var (status, body) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(i)}/mirrors");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(expected, body!.AsArray().Select(n => (string)n!).Order(StringComparer.Ordinal).ToList());
        }
    }

    [Fact]
    public async Task Documents_can_be_saved_read_updated_and_deleted_through_any_mirror()
    {
        string db = "crud";
        var (status, created) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/{db}/doc", Json("""{"sensor":"kitchen","temp":21.5}"""));
        Assert.Equal(HttpStatusCode.Created, status);
        string id = Str(created, "id"), rev = Str(created, "rev");
        Assert.Equal(26, id.Length);
        Assert.Matches("^1-[0-9a-f]{32}$", rev);

        var (readStatus, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/{id}");
        Assert.Equal(HttpStatusCode.OK, readStatus);
        Assert.Equal(21.5, (double)read!["temp"]!);
        Assert.Equal(rev, Str(read, "rev"));

        var (putStatus, updated) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/doc/{id}", Json($$"""{"rev":"{{rev}}","temp":22}"""));
        Assert.Equal(HttpStatusCode.Created, putStatus);
        Assert.StartsWith("2-", Str(updated, "rev"), StringComparison.Ordinal);

        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict,
            await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/{id}", Json($$"""{"rev":"{{rev}}","temp":23}"""))));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict,
            await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/{id}", Json("""{"temp":23}"""))));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict,
            await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{db}/doc/{id}?rev={rev}")));

        var (deleteStatus, tombstone) = await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(1)}/db/{db}/doc/{id}?rev={Str(updated, "rev")}");
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.Equal(id, Str(tombstone, "id"));
        Assert.StartsWith("3-", Str(tombstone, "rev"), StringComparison.Ordinal);
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/{id}")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound,
            await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(2)}/db/{db}/doc/{id}?rev={Str(tombstone, "rev")}")));
        // A writer holding the rev from before the delete has not seen it: its save and its delete conflict (CouchDB's
        // rule), so a save and a delete given the same rev never both succeed.
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict,
            await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/doc/{id}", Json($$"""{"rev":"{{Str(updated, "rev")}}","temp":24}"""))));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict,
            await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{db}/doc/{id}?rev={Str(updated, "rev")}")));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/{id}")));

        // Re-creating a deleted record ignores a missing rev, as savedoc does.
        var (again, recreated) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/{id}", Json("""{"temp":1}"""));
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.StartsWith("4-", Str(recreated, "rev"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hierarchical_ids_are_url_encoded_and_listed_by_prefix_a_page_at_a_time()
    {
        string db = "comedy";
        var ids = new[] { "/Comedy/MontyPython/Actor:JohnCleese", "/Comedy/MontyPython/Actor:EricIdle", "/Comedy/Marx/Groucho", "/Drama/x", "plain id+1" };
        foreach (var id in ids)
        {
            var (status, saved) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/{Uri.EscapeDataString(id)}", Json("""{"k":1}"""));
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(id, Str(saved, "id"));
        }
        var (getStatus, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/doc/{Uri.EscapeDataString(ids[0])}");
        Assert.Equal(HttpStatusCode.OK, getStatus);
        Assert.Equal(ids[0], Str(read, "id"));

        var (listStatus, page1) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/docs?prefix={Uri.EscapeDataString("/Comedy/")}&limit=2");
        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal(["/Comedy/Marx/Groucho", "/Comedy/MontyPython/Actor:EricIdle"], page1!["ids"]!.AsArray().Select(n => (string)n!).ToArray());
        string next = Str(page1, "next");
        var (_, page2) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/docs?prefix={Uri.EscapeDataString("/Comedy/")}&limit=2&after={Uri.EscapeDataString(next)}");
        Assert.Equal(["/Comedy/MontyPython/Actor:JohnCleese"], page2!["ids"]!.AsArray().Select(n => (string)n!).ToArray());
        Assert.Null(page2["next"]);

        var (_, all) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/docs");
        Assert.Equal(ids.Order(StringComparer.Ordinal).ToArray(), all!["ids"]!.AsArray().Select(n => (string)n!).ToArray());
    }

    [Fact]
    public async Task Every_mirror_holds_a_full_copy_and_a_restarted_mirror_catches_up_by_itself()
    {
        string db = "spread";
        for (int i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.Created, (await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(i % 3)}/db/{db}/doc/r{i}", Json($$"""{"i":{{i}}}"""))).Status);
        await ConvergedAsync(db, 20);

        // A mirror that is down misses writes; after a clean restart, anti-entropy brings it up to date.
        Assert.Equal(0, await fixture.Cluster.Mirrors[2].StopAsync(TimeSpan.FromSeconds(40)));
        await fixture.Cluster.WaitForMirrorsAsync(2, TimeSpan.FromSeconds(60));
        for (int i = 20; i < 35; i++)
            Assert.Equal(HttpStatusCode.Created, (await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(i % 2)}/db/{db}/doc/r{i}", Json($$"""{"i":{{i}}}"""))).Status);
        await fixture.Cluster.Mirrors[2].DisposeAsync();
        await fixture.Cluster.StartMirror(2).WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
        await fixture.Cluster.WaitForMirrorsAsync(3, TimeSpan.FromSeconds(60));
        await ConvergedAsync(db, 35);
        var (status, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/doc/r34");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(34, (int)read!["i"]!);
    }

    private async Task ConvergedAsync(string db, int records)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        JsonObject[] copies = [];
        while (DateTime.UtcNow < deadline)
        {
            copies = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => LocalCopyAsync(Http, fixture.Url(i), db)));
            if (copies.All(c => (int)c["records"]! == records) && copies.Select(c => (string)c["digest"]!).Distinct().Count() == 1) return;
            await Task.Delay(250);
        }
        Assert.Fail($"mirrors did not converge on {records} records: {string.Join(", ", copies.Select(c => c.ToJsonString()))}");
    }
}

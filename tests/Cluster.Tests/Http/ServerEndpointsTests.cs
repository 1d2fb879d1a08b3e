using System.Net;
using MyNoSql.Silo.Configuration;
using MyNoSql.Tests.Support;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>DESIGN §11's HTTP conveniences on real mirror processes: <c>GET /</c>, <c>GET /dbs</c>, <c>GET /db/{db}</c>.</summary>
[Collection(HttpClusterCollection.Name)]
public sealed class ServerEndpointsTests(HttpClusterFixture fixture)
{
    [Fact]
    public async Task Welcome_names_the_product_version_and_a_uuid_per_mirror_kept_in_its_data_directory()
    {
        var uuids = new HashSet<string>();
        for (int i = 0; i < 3; i++)
        {
            var (status, body) = await SendAsync(fixture.Http, HttpMethod.Get, fixture.Url(i) + "/");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("Welcome", Str(body, "mynosql"));
            Assert.Matches(@"^\d+\.\d+\.\d+", Str(body, "version"));
            string uuid = Str(body, "uuid");
            Assert.Matches("^[0-9a-f]{32}$", uuid);
            Assert.Equal(uuid, File.ReadAllText(Path.Combine(fixture.Cluster.Slots[i].Data, "uuid")).Trim());
            var (_, again) = await SendAsync(fixture.Http, HttpMethod.Get, fixture.Url(i) + "/");
            Assert.Equal(uuid, Str(again, "uuid"));
            uuids.Add(uuid);
        }
        Assert.Equal(3, uuids.Count);
    }

    [Fact]
    public void A_uuid_survives_a_restart_and_a_damaged_file_is_replaced()
    {
        using var dir = new TempDirectory("mynosql-uuid-");
        string first = SiloIdentity.Uuid(dir.Path);
        Assert.Equal(first, SiloIdentity.Uuid(dir.Path));
        File.WriteAllText(Path.Combine(dir.Path, "uuid"), "not a uuid");
        string replaced = SiloIdentity.Uuid(dir.Path);
        Assert.NotEqual(first, replaced);
        Assert.Matches("^[0-9a-f]{32}$", replaced);
    }

    [Fact]
    public void The_first_uuid_asked_for_on_many_threads_at_once_is_one_uuid()
    {
        for (int round = 0; round < 20; round++)
        {
            using var dir = new TempDirectory("mynosql-uuid-");
            var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => seen.Add(SiloIdentity.Uuid(dir.Path)));
            Assert.Single(seen.Distinct());
        }
    }

    [Fact]
    public async Task Database_list_and_info_count_live_and_deleted_records_on_every_mirror()
    {
        string db = "info" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}")));
        Assert.Equal("invalid_db", AssertError(HttpStatusCode.BadRequest, await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(0)}/db/Bad.Name")));
        string? rev = null;
        for (int i = 0; i < 3; i++)
        {
            var (status, saved) = await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/r{i}", Json($$"""{"v":{{i}}}"""));
            Assert.Equal(HttpStatusCode.Created, status);
            rev = Str(saved, "rev");
        }
        var (deleted, _) = await SendAsync(fixture.Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{db}/doc/r2?rev={rev}");
        Assert.Equal(HttpStatusCode.OK, deleted);

        for (int i = 0; i < 3; i++)
        {
            // Replication reaches the other mirrors within moments: poll until their copy counts 2 live + 1 deleted.
            var info = await PollAsync(async () =>
            {
                var (s, body) = await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(i)}/db/{db}");
                return s == HttpStatusCode.OK && (long)body!["doc_count"]! == 2 && (long)body["deleted_count"]! == 1 ? body : null;
            });
            Assert.Equal(db, Str(info, "db"));
            Assert.True((long)info["disk_bytes"]! > 0);
            // update_seq is a position _changes accepts: nothing after it yet.
            var (cs, changes) = await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(i)}/db/{db}/_changes?since={Uri.EscapeDataString(Str(info, "update_seq"))}");
            Assert.Equal(HttpStatusCode.OK, cs);
            Assert.Empty(changes!["results"]!.AsArray());
            var (ls, list) = await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(i)}/dbs");
            Assert.Equal(HttpStatusCode.OK, ls);
            var names = list!.AsArray().Select(n => (string)n!).ToList();
            Assert.Contains(db, names);
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
        }
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> PollAsync(Func<Task<System.Text.Json.Nodes.JsonNode?>> probe)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value) return value;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the mirrors' counts did not converge within 30 s");
            await Task.Delay(100);
        }
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using static MyNoSql.Cluster.Tests.DropDatabase.DropDatabaseFixture;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.DropDatabase;

/// <summary>
/// <c>DELETE /db/{db}</c> (DESIGN §11) on three real mirror processes with API keys on: removed everywhere with its disk
/// space, created again from scratch, admin only, 400/404, and a mirror killed during the drop drops its copy when it
/// returns instead of bringing it back.
/// </summary>
[Collection(DropDatabaseCollection.Name)]
public sealed class DropDatabaseTests(DropDatabaseFixture fixture, ITestOutputHelper output)
{
    // MYNOSQL_DROP_LARGE=1 (src/Silo/Gateway/DropDatabase.md): 3,000 records of 16 kB, beyond the logs' preallocated space,
    // so the files themselves must shrink (takes minutes); by default 300 of 4 kB, within it.
    private static readonly bool Large = Environment.GetEnvironmentVariable("MYNOSQL_DROP_LARGE") == "1";
    private static readonly int Records = Large ? 3000 : 300;
    private static readonly int BodyBytes = Large ? 16384 : 4096;

    [Fact]
    public async Task Drop_removes_the_database_on_every_mirror_frees_its_disk_and_it_starts_again_from_scratch()
    {
        string db = NewDb("drop"), keep = NewDb("keep");
        var revs = await fixture.SaveManyAsync(db, "r", Records, BodyBytes);
        await fixture.SaveManyAsync(keep, "k", 5, 64);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{db}/doc/r1?rev={revs["r1"]}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Http, HttpMethod.Post, $"{fixture.Url(1)}/db/{db}/_index", Json("""{"name":"by-v","fields":["v"]}"""))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/_merge_policy", Json("""{"fields":{"v":"max"}}"""))).Status);
        var (attached, _) = await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/r2/att/blob?rev={revs["r2"]}",
            Raw(System.Security.Cryptography.RandomNumberGenerator.GetBytes(200_000), "application/octet-stream"));
        Assert.Equal(HttpStatusCode.Created, attached);
        // A query on every mirror builds its secondary index there.
        for (int m = 0; m < 3; m++)
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Http, HttpMethod.Post, $"{fixture.Url(m)}/db/{db}/_find", Json("""{"selector":{"v":{"$gt":10}},"limit":1}"""))).Status);

        var before = new (long Store, long Files)[3];
        for (int m = 0; m < 3; m++)
        {
            int mirror = m;
            await PollAsync(async () =>
            {
                var (s, info) = await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(mirror)}/db/{db}");
                var chunks = JsonNode.Parse(await fixture.Http.GetStringAsync($"{fixture.Url(mirror)}/_mirror/attachments/{db}"))!;
                return s == HttpStatusCode.OK && (long)info!["doc_count"]! == Records - 1 && (long)info["deleted_count"]! == 1 && (int)chunks["chunks"]! > 0 ? info : null;
            }, $"mirror {m} to hold {Records} records of {db} and the attachment");
            before[m] = (await fixture.StoreBytesAsync(m), fixture.FileBytes(m));
            Assert.NotEmpty(fixture.FoldersOf(m, db));
        }

        var (status, body) = await fixture.DropAsync(1, db, AdminKey);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"ok":true}""", body!.ToJsonString());

        // 200 means every active mirror removed its copy: no polling from here on.
        for (int m = 0; m < 3; m++)
        {
            string url = fixture.Url(m);
            Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/db/{db}")));
            var names = (await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/dbs")).Body!.AsArray().Select(n => (string)n!).ToList();
            Assert.DoesNotContain(db, names);
            Assert.Contains(keep, names);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/db/{db}/doc/r0")).Status);
            Assert.Equal(0, (int)(await LocalCopyAsync(fixture.Http, url, db))["records"]!);
            Assert.Empty(fixture.FoldersOf(m, db)); // before the chunk store's statistics, which open (create) an empty one
            Assert.Equal(0, (int)JsonNode.Parse(await fixture.Http.GetStringAsync($"{url}/_mirror/attachments/{db}"))!["chunks"]!);
            Assert.DoesNotContain("by-v", (await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/db/{db}/_index")).Body!.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal("""{"fields":{}}""", (await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/db/{db}/_merge_policy")).Body!.ToJsonString());
            Assert.Equal(5, (long)(await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/db/{keep}")).Body!["doc_count"]!);
            long store = await fixture.StoreBytesAsync(m), files = fixture.FileBytes(m);
            output.WriteLine($"mirror {m}: store {before[m].Store:N0} → {store:N0} bytes, files under its data directory {before[m].Files:N0} → {files:N0} bytes " +
                $"({Records} records of ~{BodyBytes} B, an index, a 200 kB attachment; freed {before[m].Files - files:N0}; load {File.ReadAllText("/proc/loadavg").Trim()})");
            Assert.True(store < before[m].Store - Records * BodyBytes / 2, $"mirror {m}: the store kept its bytes ({before[m].Store} → {store})");
            // By default the records fit in the logs' preallocated (zero-filled) space, which stays allocated: the index files and
            // the attachment go. With more data than that, the sealed logs and segments holding it are deleted too.
            long freed = before[m].Files - files;
            Assert.True(freed >= (Large ? (long)Records * BodyBytes / 2 : 100_000), $"mirror {m}: too little file space freed ({before[m].Files} → {files})");
        }

        // Created again from scratch: new revisions start at 1, nothing old comes back in reads, feeds or queries.
        var (created, saved) = await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Url(2)}/db/{db}/doc/r0", Json("""{"v":1000}"""));
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.StartsWith("1-", Str(saved, "rev"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{db}/doc/r3")).Status);
        // A save naming a revision from before the drop makes a new record too (as any save naming an unknown record's rev).
        var (again, resaved) = await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{db}/doc/r4?rev={revs["r4"]}", Json("""{"v":4}"""));
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.StartsWith("1-", Str(resaved, "rev"), StringComparison.Ordinal);
        for (int m = 0; m < 3; m++)
        {
            string url = fixture.Url(m);
            var info = await PollAsync(async () =>
            {
                var (s, i) = await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/db/{db}");
                return s == HttpStatusCode.OK && (long)i!["doc_count"]! == 2 ? i : null;
            }, $"mirror {m} to hold the two re-created records");
            Assert.Equal(0, (long)info["deleted_count"]!);
            var changes = (await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/db/{db}/_changes")).Body!["results"]!.AsArray();
            Assert.Equal(["r0", "r4"], changes.Select(c => (string)c!["id"]!).Order(StringComparer.Ordinal));
            var docs = (await SendAsync(fixture.Http, HttpMethod.Post, $"{url}/db/{db}/_find", Json("""{"selector":{"v":{"$gte":0}}}"""))).Body!["docs"]!.AsArray();
            Assert.Equal([4, 1000], docs.Select(d => (int)d!["v"]!).Order());
        }
    }

    [Fact]
    public async Task Only_an_admin_key_drops_and_bad_names_and_unknown_databases_are_refused()
    {
        string db = NewDb("auth");
        await fixture.SaveManyAsync(db, "a", 3, 64);
        Assert.Equal("unauthorized", AssertError(HttpStatusCode.Unauthorized, await fixture.DropAsync(0, db, key: null)));
        Assert.Equal("forbidden", AssertError(HttpStatusCode.Forbidden, await fixture.DropAsync(1, db, WriteKey)));
        Assert.Equal("forbidden", AssertError(HttpStatusCode.Forbidden, await fixture.DropAsync(2, db, ReadKey)));
        Assert.Equal("invalid_db", AssertError(HttpStatusCode.BadRequest, await fixture.DropAsync(0, "Bad.Name", AdminKey)));
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await fixture.DropAsync(0, NewDb("never"), AdminKey)));
        // The refused attempts changed nothing.
        for (int m = 0; m < 3; m++)
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(m)}/db/{db}/doc/a0")).Status);

        Assert.Equal(HttpStatusCode.OK, (await fixture.DropAsync(0, db, AdminKey)).Status);
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await fixture.DropAsync(2, db, AdminKey)));
    }
}

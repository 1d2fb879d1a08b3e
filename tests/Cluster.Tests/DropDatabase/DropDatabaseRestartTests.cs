using System.Net;
using Xunit.Abstractions;
using static MyNoSql.Cluster.Tests.DropDatabase.DropDatabaseFixture;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.DropDatabase;

/// <summary>
/// A mirror killed (SIGKILL) before a drop still holds the database on disk when it returns: it must drop its copy (the
/// other mirrors' drop markers reach it before it serves) instead of serving it or copying it back by anti-entropy.
/// </summary>
[Collection(DropDatabaseCollection.Name)]
public sealed class DropDatabaseRestartTests(DropDatabaseFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_mirror_down_during_the_drop_drops_its_copy_when_it_returns_and_nothing_comes_back()
    {
        string db = NewDb("gone"), sentinel = NewDb("sent");
        await fixture.SaveManyAsync(db, "g", 60, 256);
        for (int m = 0; m < 3; m++)
        {
            int mirror = m;
            await PollAsync(async () => (int)(await LocalCopyAsync(fixture.Http, fixture.Url(mirror), db))["records"]! == 60 ? "" : null,
                $"mirror {m} to hold the 60 records");
        }

        var started = DateTime.UtcNow;
        await fixture.Cluster.Mirrors[2].KillAsync();
        await fixture.Cluster.WaitForMirrorsAsync(2, TimeSpan.FromSeconds(90));
        Assert.Equal(HttpStatusCode.OK, (await fixture.DropAsync(0, db, AdminKey)).Status);
        // Written while the third mirror is down: anti-entropy brings it there after the restart, which shows that rounds
        // between it and the others ran before the checks below.
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Url(0)}/db/{sentinel}/doc/s", Json("""{"s":1}"""))).Status);

        fixture.Cluster.StartMirror(2);
        await fixture.Cluster.Mirrors[2].WaitHealthyAsync(fixture.Http, TimeSpan.FromSeconds(90));
        await fixture.Cluster.WaitForMirrorsAsync(3, TimeSpan.FromSeconds(90));
        await PollAsync(async () => (int)(await LocalCopyAsync(fixture.Http, fixture.Url(2), sentinel))["records"]! == 1 ? "" : null,
            "anti-entropy to bring the record written meanwhile to the returning mirror");
        // One more full round after that one, from every side.
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Url(1)}/db/{sentinel}/doc/t", Json("""{"t":1}"""))).Status);
        for (int m = 0; m < 3; m++)
        {
            int mirror = m;
            await PollAsync(async () => (int)(await LocalCopyAsync(fixture.Http, fixture.Url(mirror), sentinel))["records"]! == 2 ? "" : null,
                $"mirror {m} to hold both sentinel records");
        }

        for (int m = 0; m < 3; m++)
        {
            string url = fixture.Url(m);
            Assert.Equal(0, (int)(await LocalCopyAsync(fixture.Http, url, db))["records"]!);
            Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound, await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/db/{db}")));
            Assert.DoesNotContain(db, (await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/dbs")).Body!.AsArray().Select(n => (string)n!));
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(fixture.Http, HttpMethod.Get, $"{url}/db/{db}/doc/g7")).Status);
        }
        // The returning mirror learned the drop from the others' markers before it served (DatabaseDrops, event 2981).
        Assert.Contains($"Database '{db}' was dropped", fixture.Cluster.Mirrors[2].Output, StringComparison.Ordinal);
        output.WriteLine($"kill, drop, restart and two anti-entropy rounds: {(DateTime.UtcNow - started).TotalSeconds:F1} s (load {File.ReadAllText("/proc/loadavg").Trim()})");
    }
}

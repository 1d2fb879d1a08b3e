using System.Collections.Concurrent;
using System.Net;
using Xunit.Abstractions;
using static MyNoSql.Cluster.Tests.DropDatabase.DropDatabaseFixture;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.DropDatabase;

/// <summary>
/// Saves racing a drop, through every mirror's gateway, with record grains and index segments active during it: what was
/// acknowledged before the drop began is gone, what was started after it answered is kept, and the three copies end equal
/// (nothing dropped is written back by a grain, replication or anti-entropy).
/// </summary>
[Collection(DropDatabaseCollection.Name)]
public sealed class DropDatabaseRaceTests(DropDatabaseFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Writes_racing_the_drop_leave_nothing_from_before_it_and_every_mirror_agrees()
    {
        string db = NewDb("race");
        var acknowledged = new ConcurrentBag<(string Id, DateTime Started, DateTime Finished)>();
        int failures = 0, next = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                string id = "w" + Interlocked.Increment(ref next);
                var started = DateTime.UtcNow;
                try
                {
                    var (status, _) = await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Url(w % 3)}/db/{db}/doc/{id}", Json("""{"x":1}"""));
                    if (status == HttpStatusCode.Created) acknowledged.Add((id, started, DateTime.UtcNow));
                    else Interlocked.Increment(ref failures);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToArray();

        await PollAsync(() => Task.FromResult(acknowledged.Count >= 30 ? "" : null), "30 saves before the drop");
        var dropStarted = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.OK, (await fixture.DropAsync(0, db, AdminKey)).Status);
        var dropEnded = DateTime.UtcNow;
        await PollAsync(() => Task.FromResult(acknowledged.Count(a => a.Started > dropEnded) >= 30 ? "" : null), "30 saves after the drop");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var before = acknowledged.Where(a => a.Finished < dropStarted).ToList();
        var after = acknowledged.Where(a => a.Started > dropEnded).ToList();
        // The copies converge (anti-entropy runs every second) on one set of records.
        var copies = await PollAsync(async () =>
        {
            var local = await Task.WhenAll(Enumerable.Range(0, 3).Select(m => LocalCopyAsync(fixture.Http, fixture.Url(m), db)));
            return local.Select(l => Str(l, "digest")).Distinct().Count() == 1 ? local : null;
        }, "the three copies to agree");
        int records = (int)copies[0]["records"]!;
        output.WriteLine($"{before.Count} saves acknowledged before the drop, {after.Count} started after it, {acknowledged.Count - before.Count - after.Count} " +
            $"overlapping it, {failures} refused or failed; {records} records on each mirror afterwards (load {File.ReadAllText("/proc/loadavg").Trim()})");
        Assert.InRange(records, after.Count, acknowledged.Count - before.Count);
        for (int m = 0; m < 3; m++)
        {
            foreach (var (id, _, _) in before.Take(15))
                Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(m)}/db/{db}/doc/{id}")).Status);
            foreach (var (id, _, _) in after.Take(15))
                Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(m)}/db/{db}/doc/{id}")).Status);
        }
    }
}

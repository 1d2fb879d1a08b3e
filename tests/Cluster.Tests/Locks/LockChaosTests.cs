using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using static MyNoSql.Cluster.Tests.Locks.LockHttp;

namespace MyNoSql.Cluster.Tests.Locks;

/// <summary>
/// Chaos loop (issue 15: "0 fencing violations"): clients on every mirror contend for one lock with a short ttl, read a
/// shared record, sometimes stall past their ttl (a GC pause, a slow disk), then save it fenced by their token. A fencing
/// violation is a save that was accepted although it was sent after the client had seen a newer token granted: by then
/// the lock had moved on, so the mirror must have refused it. The run also has to provoke refusals (stale tokens), or it
/// proved nothing. Runs 10 s by default; <c>MYNOSQL_LOCK_CHAOS_SECONDS</c> sets a longer run.
/// </summary>
[Collection(LockCollection.Name)]
public sealed class LockChaosTests(LockFixture fixture)
{
    private const string Db = "lockchaos";

    [Fact]
    public async Task Contending_clients_that_stall_past_their_ttl_never_get_a_stale_save_accepted()
    {
        double seconds = double.TryParse(Environment.GetEnvironmentVariable("MYNOSQL_LOCK_CHAOS_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 10;
        var clock = Stopwatch.StartNew();
        var grants = new ConcurrentBag<(long Token, TimeSpan Received)>();
        var accepted = new ConcurrentBag<(long Token, TimeSpan Sent)>();
        int refused = 0, conflicts = 0, timeouts = 0;
        var unexpected = new ConcurrentQueue<string>();
        var http = fixture.Http;
        await Task.WhenAll(Enumerable.Range(0, 6).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            string mirror = fixture.Url(c % 3);
            while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                var (status, body) = await AcquireAsync(http, mirror, Db, "chaos", ttl: 0.25, wait: 5);
                if (status == HttpStatusCode.Conflict)
                {
                    Interlocked.Increment(ref timeouts);
                    continue;
                }
                if (status != HttpStatusCode.OK)
                {
                    unexpected.Enqueue($"acquire: {(int)status} {body.ToJsonString()}");
                    continue;
                }
                long token = Token(body);
                grants.Add((token, clock.Elapsed));
                using var read = await http.GetAsync($"{mirror}/db/{Db}/doc/counter");
                string? rev = read.IsSuccessStatusCode ? (string?)(await BodyAsync(read))["rev"] : null;
                if (random.Next(3) == 0) await Task.Delay(random.Next(300, 500)); // stalls past the 250 ms ttl
                string json = rev is null ? $$"""{"token":{{token}}}""" : $$"""{"rev":"{{rev}}","token":{{token}}}""";
                var sent = clock.Elapsed;
                var save = await SaveFencedAsync(http, fixture.Url(random.Next(3)), Db, "counter", json, "chaos", token);
                if (save.Status == HttpStatusCode.Created) accepted.Add((token, sent));
                else if ((string?)save.Body["error"] == "fenced") Interlocked.Increment(ref refused);
                else if ((string?)save.Body["error"] == "conflict") Interlocked.Increment(ref conflicts);
                else unexpected.Enqueue($"save: {(int)save.Status} {save.Body.ToJsonString()}");
                await ReleaseAsync(http, mirror, Db, "chaos", token); // 409 not_held after a stall: fine
            }
        })));
        var grantList = grants.OrderBy(g => g.Received).ToList();
        int violations = accepted.Count(a => grantList.Any(g => g.Token > a.Token && g.Received < a.Sent));
        string summary = $"{grants.Count} grants, {accepted.Count} fenced saves accepted, {refused} refused as stale, {conflicts} rev conflicts, " +
            $"{timeouts} waits timed out, {violations} fencing violations";
        Console.WriteLine("lock chaos: " + summary);
        Assert.True(unexpected.IsEmpty, summary + "\n" + string.Join("\n", unexpected.Take(10)));
        Assert.Equal(0, violations);
        Assert.Equal(grants.Count, grants.Select(g => g.Token).Distinct().Count());
        Assert.True(refused > 0, "no stale save was attempted: " + summary);
        Assert.True(accepted.Count > 5, summary);
    }
}

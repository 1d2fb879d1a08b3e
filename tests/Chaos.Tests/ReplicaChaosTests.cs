using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Grains.Placement;
using MyNoSql.Storage.Engine;
using Xunit.Abstractions;

namespace MyNoSql.Chaos.Tests;

/// <summary>
/// Process chaos with <c>--replicas 3</c> (DESIGN §12, issue 18): five mirror processes, HTTP load from this test, and
/// rounds that SIGKILL one or two mirrors at once (never more than N−1 = 2 down, so at most 2 of any record's 3 holders),
/// restart them from their data directories and wait until every mirror lists all five again. Localhost clustering:
/// mirror 0 holds membership and is never killed; the others are.
/// Checked: no 5xx but a 503 <c>quorum_unavailable</c> that came after the full replication timeout or while two of the
/// record's three holders were down (no write quorum exists then: a correct refusal, counted and reported); no 409 or
/// stale read of a record whose last write was acknowledged (<see cref="HttpLoad"/>); afterwards every acknowledged write
/// reads back with its revision through every gateway and is in every gateway's change feed, each mirror holds exactly the
/// records rendezvous hashing gives it, and — opened offline after a final SIGKILL of every mirror — every holder of every record has the same winning revision,
/// the acknowledged one. The schedule is seeded: MYNOSQL_CHAOS_SEED=&lt;n&gt; replays it; MYNOSQL_CHAOS_SECONDS sets
/// the chaos time (default 40).
/// </summary>
public sealed class ReplicaChaosTests(ITestOutputHelper output)
{
    private const string Db = "chaos";
    private const int Replicas = 3;
    private const int Mirrors = 5;

    /// <summary>Down intervals per mirror, on the load's clock: [SIGKILL, listed by every mirror again].</summary>
    private readonly ConcurrentQueue<(int Mirror, double From, double To)> _down = new();
    private readonly double[] _downSince = [.. Enumerable.Repeat(double.NaN, Mirrors)];
    private string[] _names = [];

    // In the default suite again (issue 18): the change-feed gap a CI run found (seed 727123: 4 acknowledged records missing
    // from the feed after healing) is closed by the index segments' tail of every mirror's store (IndexSegmentGrain.TailStoresAsync).
    [Fact]
    public async Task Every_acknowledged_write_survives_SIGKILLs_of_up_to_two_of_five_mirrors_with_3_replicas()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("MYNOSQL_CHAOS_SEED"), CultureInfo.InvariantCulture, out var s)
            ? s : Random.Shared.Next(1, 1_000_000);
        var chaosTime = TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("MYNOSQL_CHAOS_SECONDS"), CultureInfo.InvariantCulture, out var secs) ? secs : 40);
        output.WriteLine($"replica chaos seed {seed} (replay: MYNOSQL_CHAOS_SEED={seed}), chaos for {chaosTime.TotalSeconds} s, 5 mirrors, --replicas 3");
        Console.WriteLine($"replica chaos seed {seed} (replay: MYNOSQL_CHAOS_SEED={seed})");

        await using var cluster = new ChaosCluster(Mirrors, options: ["--replicas", $"{Replicas}"]);
        await cluster.StartAsync(oneByOne: true);
        // The mirrors' stable identities (placement is by name, kept across restarts): the database must exist first.
        using (var first = await cluster.Http.PutAsync($"{cluster.Url(0)}/db/{Db}/doc/init", new StringContent("{}", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        _names = new string[Mirrors];
        for (int i = 0; i < Mirrors; i++) _names[i] = await SiloNameAsync(cluster, i);
        output.WriteLine($"mirror names: {string.Join(", ", _names)}");

        var events = new ConcurrentQueue<string>();
        var load = new HttpLoad(cluster, Db, seed, MajorityOfHoldersDown);
        int kills = 0, doubleKills = 0;
        try
        {
            using var stopLoad = new CancellationTokenSource();
            var loadTask = load.RunAsync(writers: 4, stopLoad.Token);
            using (var stopChaos = new CancellationTokenSource(chaosTime))
                (kills, doubleKills) = await KillRoundsAsync(cluster, new Random(seed), load, events, stopChaos.Token);
            await cluster.WaitForMirrorsAsync(TimeSpan.FromSeconds(60));
            await stopLoad.CancelAsync();
            await loadTask;
            events.Enqueue($"t={load.Elapsed.TotalSeconds:F1}s healed; load stopped");
            Report(seed, load, events, kills, doubleKills);

            Assert.True(doubleKills > 0, "no round killed two mirrors at once");
            Assert.True(load.Violations.Count == 0, $"seed {seed}: acknowledged HTTP writes lost or stale:\n{string.Join("\n", load.Violations.Take(20))}");
            Assert.True(load.ServerErrors.Count == 0, $"seed {seed}: {load.ServerErrors.Count} 5xx answers:\n{string.Join("\n", load.ServerErrors.Take(20))}");
            Assert.True(load.Acked.Count > 0, "nothing was acknowledged");

            await AssertHttpWritesAsync(cluster, load, seed);
            await AssertChangeFeedsAsync(cluster, load, seed);
            var (ids, placement) = await WaitForPlacementAsync(cluster);
            // Offline even when the placement did not converge: its report names the records on the wrong mirrors.
            await AssertHoldersOfflineAsync(cluster, load, ids, seed);
            Assert.True(placement is null, placement);
        }
        catch
        {
            output.WriteLine($"FAILED with seed {seed}; events:\n{string.Join("\n", events)}");
            for (int i = 0; i < cluster.Count; i++)
            {
                var lines = cluster.Output(i).Split('\n').Where(l => l.Contains(" fail: ", StringComparison.Ordinal)
                    || l.Contains("warn: MyNoSql.", StringComparison.Ordinal)).Take(12);
                output.WriteLine($"--- mirror {i}: first fail/warn lines ---\n{string.Join("\n", lines.Select(l => l.Length > 2500 ? l[..2500] : l))}");
                output.WriteLine($"--- mirror {i} ---\n{Tail(cluster.Output(i))}");
            }
            throw;
        }
    }

    /// <summary>
    /// Rounds until <paramref name="stop"/>: one or two killable mirrors SIGKILLed at once, down 0.5–3 s, restarted, and
    /// listed by every mirror before the next round — so never more than two mirrors are down.
    /// </summary>
    private async Task<(int Kills, int DoubleKills)> KillRoundsAsync(ChaosCluster cluster, Random random, HttpLoad load,
        ConcurrentQueue<string> events, CancellationToken stop)
    {
        int kills = 0, doubles = 0;
        bool firstRound = true;
        while (!stop.IsCancellationRequested)
        {
            await DelayAsync(random.Next(1500, 4000), stop);
            if (stop.IsCancellationRequested) break;
            int count = firstRound || random.Next(3) > 0 ? 2 : 1;
            firstRound = false;
            var victims = cluster.Killable.OrderBy(_ => random.Next()).Take(count).ToArray();
            double from = load.Elapsed.TotalSeconds;
            foreach (int v in victims) Volatile.Write(ref _downSince[v], from);
            await Task.WhenAll(victims.Select(cluster.KillAsync));
            kills += victims.Length;
            if (victims.Length == 2) doubles++;
            events.Enqueue($"t={from:F1}s SIGKILL mirror {string.Join(" and mirror ", victims)}");
            await Task.Delay(random.Next(500, 3000), CancellationToken.None);
            await Task.WhenAll(victims.Select(cluster.StartMirrorAsync));
            events.Enqueue($"t={load.Elapsed.TotalSeconds:F1}s mirror {string.Join(", ", victims)} restarted and healthy");
            await cluster.WaitForMirrorsAsync(TimeSpan.FromSeconds(90));
            double to = load.Elapsed.TotalSeconds;
            foreach (int v in victims)
            {
                _down.Enqueue((v, from, to));
                Volatile.Write(ref _downSince[v], double.NaN);
            }
            events.Enqueue($"t={to:F1}s mirror {string.Join(", ", victims)} listed by every mirror");
        }
        return (kills, doubles);
    }

    /// <summary>Whether two or more of the record's holders were down at some point of [start, end] (with a second's slack).</summary>
    private bool MajorityOfHoldersDown(string id, double start, double end)
    {
        var holders = ReplicaPlacement.Choose(Db, id, _names, Replicas).Select(n => Array.IndexOf(_names, n)).ToHashSet();
        var intervals = _down.ToList();
        for (int m = 0; m < Mirrors; m++)
        {
            double since = Volatile.Read(ref _downSince[m]);
            if (!double.IsNaN(since)) intervals.Add((m, since, double.MaxValue));
        }
        return intervals.Where(d => holders.Contains(d.Mirror) && d.From <= end + 1 && d.To >= start - 1).Select(d => d.Mirror).Distinct().Count() >= 2;
    }

    /// <summary>Every acknowledged HTTP write reads back through every gateway at its revision (tombstones: 404); a record
    /// whose last write had no clear answer reads at the acknowledged revision or a later one.</summary>
    private static async Task AssertHttpWritesAsync(ChaosCluster cluster, HttpLoad load, int seed)
    {
        foreach (var (id, (rev, deleted)) in load.Acked)
        {
            for (int i = 0; i < cluster.Count; i++)
            {
                string url = $"{cluster.Url(i)}/db/{Db}/doc/{Uri.EscapeDataString(id)}";
                var (status, body) = await ReadBackAsync(cluster.Http, url);
                if (load.InDoubt.ContainsKey(id))
                {
                    if (status == HttpStatusCode.OK)
                        Assert.True(Generation(Rev(body)) >= Generation(rev), $"seed {seed}: '{id}' at {Rev(body)} on mirror {i}, older than acknowledged {rev}");
                    continue;
                }
                if (deleted)
                    Assert.True(status == HttpStatusCode.NotFound, $"seed {seed}: deleted '{id}' ({rev}) reads {(int)status} at {url}");
                else
                {
                    Assert.True(status == HttpStatusCode.OK, $"seed {seed}: acknowledged '{id}' ({rev}) reads {(int)status} at {url}: {body}");
                    Assert.True(rev == Rev(body), $"seed {seed}: acknowledged '{id}' ({rev}) reads {Rev(body)} at {url}");
                }
            }
        }
    }

    /// <summary>
    /// One read after healing. A 503 or no answer in the client's 30 s is asked again (for up to 2 minutes): right after
    /// restarts Orleans can lose a message to a restarted silo's endpoint and wait its 30 s response timeout, and the gateway
    /// answers 503 <c>unavailable</c> then — a transient refusal, not a lost write; what the record reads is what is checked.
    /// </summary>
    private static async Task<(HttpStatusCode Status, string Body)> ReadBackAsync(HttpClient http, string url)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                string body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline) return (response.StatusCode, body);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow <= deadline)
            {
                // no answer in time: asked again below
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Polls until each mirror holds exactly the records (live and deleted, from the change feed) rendezvous hashing
    /// over the five names gives it: the rebalancer moved what the kills moved and dropped the extra copies again.</summary>
    private async Task<(List<string> Ids, string? Failure)> WaitForPlacementAsync(ChaosCluster cluster)
    {
        List<string> ids = [];
        var expected = new int[Mirrors];
        var have = new int[Mirrors];
        try
        {
            await Poll.UntilAsync(async () =>
            {
                ids = await FeedIdsAsync(cluster, 0);
                Array.Clear(expected);
                foreach (var id in ids)
                    foreach (var holder in ReplicaPlacement.Choose(Db, id, _names, Replicas)) expected[Array.IndexOf(_names, holder)]++;
                for (int i = 0; i < Mirrors; i++)
                    have[i] = (int)JsonNode.Parse(await cluster.Http.GetStringAsync($"{cluster.Url(i)}/_mirror/local/{Db}"))!["records"]!;
                return have.SequenceEqual(expected);
            }, TimeSpan.FromSeconds(90), "every mirror to hold exactly its rendezvous share");
        }
        catch (TimeoutException e)
        {
            return (ids, $"{e.Message}: have {string.Join(", ", have)}, expected {string.Join(", ", expected)} ({ids.Count} records in the change feed)");
        }
        output.WriteLine($"{ids.Count} records (live and deleted); held per mirror: {string.Join(", ", have)}");
        return (ids, null);
    }

    /// <summary>Every record acknowledged over HTTP is in the change feed of every gateway (polled: a segment that missed
    /// it while mirrors were down merges the other mirrors' segments again after the membership changed).</summary>
    private static async Task AssertChangeFeedsAsync(ChaosCluster cluster, HttpLoad load, int seed)
    {
        var acked = load.Acked.Keys.ToHashSet(StringComparer.Ordinal);
        for (int i = 0; i < cluster.Count; i++)
        {
            List<string> missing = [];
            try
            {
                await Poll.UntilAsync(async () =>
                {
                    missing = [.. acked.Except(await FeedIdsAsync(cluster, i), StringComparer.Ordinal)];
                    return missing.Count == 0;
                }, TimeSpan.FromSeconds(60), $"mirror {i}'s change feed to list every acknowledged record");
            }
            catch (TimeoutException e)
            {
                Assert.Fail($"seed {seed}: {e.Message}; missing {missing.Count}: {string.Join(", ", missing.Take(20))}");
            }
        }
    }

    private static async Task<List<string>> FeedIdsAsync(ChaosCluster cluster, int mirror)
    {
        var feed = JsonNode.Parse(await cluster.Http.GetStringAsync($"{cluster.Url(mirror)}/db/{Db}/_changes?limit=1000000"))!;
        return [.. feed["results"]!.AsArray().Select(r => (string)r!["id"]!).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// SIGKILLs every mirror (what a crash leaves) and opens each store offline: every record is on exactly its three
    /// holders, all with the same winning revision and flags, and an acknowledged record (not in doubt) has that revision.
    /// </summary>
    private async Task AssertHoldersOfflineAsync(ChaosCluster cluster, HttpLoad load, List<string> ids, int seed)
    {
        for (int i = Mirrors - 1; i >= 0; i--) await cluster.KillAsync(i);
        const RecordFlags Compared = RecordFlags.Deleted | RecordFlags.HasConflicts | RecordFlags.HasOtherLeaves;
        string prefix = $"record/rec/{Db}/";
        var copies = new Dictionary<string, List<(int Mirror, string Rev, RecordFlags Flags)>>(StringComparer.Ordinal);
        for (int i = 0; i < Mirrors; i++)
        {
            await using var store = await RecordStore.OpenAsync(Path.Combine(cluster.DataOf(i), "mirror"), new StoreOptions { Name = "check" });
            foreach (var header in store.List(prefix).Where(h => !h.Revision.IsEmpty)) // a dropped copy is a cleared key
            {
                string id = header.Key[prefix.Length..];
                if (!copies.TryGetValue(id, out var list)) copies[id] = list = [];
                list.Add((i, header.Revision.ToString(), header.Flags & Compared));
            }
        }
        var problems = new List<string>();
        foreach (var id in ids.Where(id => !copies.ContainsKey(id))) problems.Add($"'{id}' is on no mirror");
        foreach (var (id, list) in copies)
        {
            var holders = ReplicaPlacement.Choose(Db, id, _names, Replicas).Select(n => Array.IndexOf(_names, n)).Order().ToArray();
            var on = list.Select(c => c.Mirror).Order().ToArray();
            if (!on.SequenceEqual(holders)) problems.Add($"'{id}' on mirrors {string.Join(",", on)}, holders {string.Join(",", holders)}");
            if (list.Select(c => (c.Rev, c.Flags)).Distinct().Count() != 1)
                problems.Add($"'{id}' differs between holders: {string.Join("; ", list.Select(c => $"mirror {c.Mirror} {c.Rev} {c.Flags}"))}");
            if (load.Acked.TryGetValue(id, out var acked) && !load.InDoubt.ContainsKey(id) && list.Any(c => c.Rev != acked.Rev))
                problems.Add($"'{id}' acknowledged at {acked.Rev}: {string.Join("; ", list.Select(c => $"mirror {c.Mirror} {c.Rev}"))}");
        }
        output.WriteLine($"offline: {copies.Count} records, {copies.Values.Sum(l => l.Count)} copies, {problems.Count} problems");
        Assert.True(problems.Count == 0, $"seed {seed}: holders do not agree:\n{string.Join("\n", problems.Take(20))}");
    }

    private static async Task<string> SiloNameAsync(ChaosCluster cluster, int i) =>
        (string)JsonNode.Parse(await cluster.Http.GetStringAsync($"{cluster.Url(i)}/_mirror/local/{Db}"))!["silo"]!;

    private void Report(int seed, HttpLoad load, ConcurrentQueue<string> events, int kills, int doubleKills)
    {
        var text = new StringBuilder();
        text.AppendLine($"seed {seed}: {load.Requests} HTTP requests; {load.Acked.Count} records acknowledged over HTTP, {load.InDoubt.Count} in doubt; " +
            $"{kills} SIGKILLs in {events.Count(e => e.Contains("SIGKILL", StringComparison.Ordinal))} rounds ({doubleKills} of two mirrors at once)");
        foreach (var (key, count) in load.Statuses.OrderBy(k => k.Key, StringComparer.Ordinal)) text.AppendLine($"  {key}: {count}");
        foreach (var e in events) text.AppendLine("  " + e);
        foreach (var e in load.ServerErrors.Take(20)) text.AppendLine("  5xx " + e);
        text.AppendLine($"  503 quorum_unavailable while two of the record's holders were down (allowed): {load.ExcusedQuorums.Count}");
        foreach (var e in load.ExcusedQuorums.Take(3)) text.AppendLine("  excused 503 " + e);
        text.AppendLine($"  503 quorum_unavailable after the full replication timeout (allowed): {load.TimedOutQuorums.Count}");
        foreach (var e in load.TimedOutQuorums.Take(3)) text.AppendLine("  slow 503 " + e);
        output.WriteLine(text.ToString());
    }

    private static async Task DelayAsync(int ms, CancellationToken stop)
    {
        try { await Task.Delay(ms, stop); }
        catch (OperationCanceledException) { }
    }

    private static string Rev(string body) => (string)JsonNode.Parse(body)!["rev"]!;

    private static long Generation(string rev) => long.Parse(rev.AsSpan(0, rev.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture);

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;
}

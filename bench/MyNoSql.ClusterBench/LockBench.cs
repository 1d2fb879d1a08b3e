using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.ClusterBench;

/// <summary>
/// <c>--locks</c>: issue 15's lock goal (acquire + release p50 &lt; 5 ms on 3 local mirrors) through the HTTP gateway, with
/// the same run's baselines: <c>GET /healthz</c> (Kestrel, no grain) and a 1-caller document save (a write on a quorum).
/// One caller unless said: the same lock through each mirror in turn (its grain is local to one gateway, remote to the
/// others), a new lock per iteration (activation and its quorum read included), and 16 callers on 16 locks. Table to
/// stdout, JSON to <c>cluster-locks-&lt;utc&gt;.json</c>. The load average is noted at start and end.
/// </summary>
internal static class LockBench
{
    public static async Task<int> RunAsync(string siloDll, bool quick, TimeSpan seconds, string outDir, Action<string> say)
    {
        var results = new JsonObject
        {
            ["utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture), ["cores"] = Environment.ProcessorCount,
            ["loadAverageAtStart"] = LoadAverage(), ["quick"] = quick, ["secondsPerPhase"] = seconds.TotalSeconds,
        };
        say($"locks: starting 3 mirrors (load average {LoadAverage()})");
        await using var cluster = await SiloCluster.StartAsync(siloDll, 3);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
        var urls = cluster.Urls;
        long doc = 0, fresh = 0;

        async Task<bool> Healthz(int caller, long i)
        {
            using var r = await http.GetAsync($"{urls[(int)(i % 3)]}/healthz");
            return r.IsSuccessStatusCode;
        }
        async Task<bool> Save(int caller, long i)
        {
            long n = Interlocked.Increment(ref doc);
            using var body = new StringContent($"{{\"n\":{n},\"site\":\"plant-north\"}}", Encoding.UTF8, "application/json");
            using var r = await http.PutAsync($"{urls[(int)(n % 3)]}/db/bench/doc/d{n}", body);
            return r.StatusCode == HttpStatusCode.Created;
        }
        async Task<bool> LockRelease(string url, string name)
        {
            using var taken = await http.PostAsync($"{url}/db/bench/_locks/{name}?ttl=30", null);
            if (taken.StatusCode != HttpStatusCode.OK) return false;
            using var json = JsonDocument.Parse(await taken.Content.ReadAsStreamAsync());
            long token = json.RootElement.GetProperty("token").GetInt64();
            using var released = await http.DeleteAsync($"{url}/db/bench/_locks/{name}?token={token}");
            return released.StatusCode == HttpStatusCode.OK;
        }

        var phases = new (string Op, int Callers, Func<int, long, Task<bool>> Call)[]
        {
            ("GET /healthz (baseline, no grain)", 1, Healthz),
            ("PUT doc (baseline, quorum write)", 1, Save),
            ("lock acquire + release, one lock, mirrors in turn", 1, (c, i) => LockRelease(urls[(int)(i % 3)], "hot")),
            ("lock acquire + release, one lock, its own gateway", 1, (c, i) => LockRelease(urls[0], "home")),
            ("lock acquire + release, new lock each time", 1, (c, i) => LockRelease(urls[(int)(i % 3)], $"n{Interlocked.Increment(ref fresh)}")),
            ("lock acquire + release, 16 callers on 16 locks", 16, (c, i) => LockRelease(urls[c % 3], $"c{c}")),
        };
        var rows = new JsonArray();
        Console.WriteLine("| 3 mirrors, HTTP | callers | ops/s | p50 ms | p90 ms | p99 ms | errors | goal |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (op, callers, call) in phases)
        {
            say($"locks: {op} (warm-up)");
            // At least 10 calls done (a new database's first saves are slow on a fresh cluster), at most 30 s.
            var warmup = Stopwatch.StartNew();
            while ((await MeasureAsync(callers, TimeSpan.FromSeconds(quick ? 0.5 : 1), call)).Count < 10 && warmup.Elapsed < TimeSpan.FromSeconds(30)) { }
            say($"locks: {op}");
            var r = await MeasureAsync(callers, seconds, call);
            bool goal = op.StartsWith("lock", StringComparison.Ordinal) && callers == 1;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {op} | {callers} | {r.PerSecond:N0} | {r.P50:F2} | {r.P90:F2} | {r.P99:F2} | {r.Errors} | {(goal ? (r.P50 < 5 ? "p50 < 5 ms: met" : "p50 < 5 ms: missed") : "")} |"));
            rows.Add(new JsonObject
            {
                ["op"] = op, ["callers"] = callers, ["perSecond"] = Math.Round(r.PerSecond), ["p50Ms"] = Math.Round(r.P50, 3),
                ["p90Ms"] = Math.Round(r.P90, 3), ["p99Ms"] = Math.Round(r.P99, 3), ["errors"] = r.Errors, ["count"] = r.Count,
            });
        }
        results["rows"] = rows;
        results["loadAverageAtEnd"] = LoadAverage();
        Console.WriteLine($"\nload average: {results["loadAverageAtStart"]} at start, {results["loadAverageAtEnd"]} at end");
        Directory.CreateDirectory(outDir);
        string file = Path.Combine(outDir, $"cluster-locks-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        await File.WriteAllTextAsync(file, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        say($"locks: wrote {file}");
        return 0;
    }

    private static async Task<(double PerSecond, double P50, double P90, double P99, long Errors, int Count)> MeasureAsync(int callers, TimeSpan length,
        Func<int, long, Task<bool>> call)
    {
        var latencies = new List<double>[callers];
        long errors = 0, next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = [];
            while (clock.Elapsed < length)
            {
                long i = Interlocked.Increment(ref next);
                long start = Stopwatch.GetTimestamp();
                bool ok;
                try { ok = await call(c, i); }
                catch (HttpRequestException) { ok = false; }
                if (ok) mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                else Interlocked.Increment(ref errors);
            }
        })));
        double elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double At(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(q * all.Length))];
        return (all.Length / elapsed, At(0.5), At(0.9), At(0.99), errors, all.Length);
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
    }
}

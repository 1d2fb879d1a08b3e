using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.ClusterBench;

/// <summary>
/// <c>--query</c>: issue 12's mirror goals on three mirrors — <c>_find</c> latency over N docs (<see cref="QueryLoad"/>)
/// and cross-mirror change-feed latency (<see cref="ChangeLatency"/>). Table to stdout, JSON to
/// <c>cluster-query-&lt;utc&gt;.json</c>.
/// </summary>
internal static class QueryBench
{
    public static async Task<int> RunAsync(string siloDll, bool quick, long n, string outDir, Action<string> say)
    {
        var results = new JsonObject
        {
            ["utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture), ["cores"] = Environment.ProcessorCount,
            ["loadAverageAtStart"] = LoadAverage(), ["quick"] = quick,
        };
        say($"query: starting 3 mirrors (load average {LoadAverage()})");
        await using var cluster = await SiloCluster.StartAsync(siloDll, 3);
        // Index builds over 1M docs can outlast HttpClient's default 100 s.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        { Timeout = TimeSpan.FromMinutes(15) };

        var (rows, findJson) = await QueryLoad.MeasureAsync(http, cluster, n, quick ? 200 : 500, say);
        results["find"] = findJson;
        var feeds = await ChangeLatency.MeasureAsync(http, cluster, 20, TimeSpan.FromSeconds(quick ? 5 : 10), i => QueryLoad.Order(i, n), say);
        results["changeFeeds"] = feeds;
        results["loadAverageAtEnd"] = LoadAverage();

        Console.WriteLine($"| 3 mirrors, {n:N0} docs | callers | ops/s | p50 ms | p90 ms | p99 ms | errors | goal |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (op, callers, r) in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {op} | {callers} | {r.PerSecond:N0} | {r.P50Ms:F2} | {r.P90Ms:F2} | {r.P99Ms:F2} | {r.Errors} | {(op.StartsWith("_find", StringComparison.Ordinal) ? "p50 < 20 ms" : "")} |"));
        Console.WriteLine($"| index build (POST _index round trip through mirror 1) | 1 | | {findJson["indexBuildMs"]} | | | | |");
        Console.WriteLine();
        Console.WriteLine($"| change seen, {feeds["writes"]} writes at {feeds["ratePerSecond"]}/s through mirror 1 | from | p50 ms | p90 ms | p99 ms | max ms | seen | goal |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var (feed, name) in new[] { ("longpollMirror3", "longpoll on mirror 3"), ("sseMirror2", "SSE on mirror 2") })
            foreach (var from in new[] { "fromAck", "fromSend" })
            {
                var p = feeds[feed]![from]!;
                Console.WriteLine($"| {name} | {(from == "fromAck" ? "write's 201" : "before send")} | {p["p50Ms"]} | {p["p90Ms"]} | {p["p99Ms"]} | {p["maxMs"]} | {feeds[feed]!["seen"]} | p99 < 200 ms |");
            }
        var ack = feeds["writeAckMs"]!;
        Console.WriteLine($"| (the write itself, send → 201) | | {ack["p50Ms"]} | {ack["p90Ms"]} | {ack["p99Ms"]} | {ack["maxMs"]} | | |");
        Console.WriteLine($"load average: {results["loadAverageAtStart"]} at start, {results["loadAverageAtEnd"]} at end ({Environment.ProcessorCount} cores)");

        Directory.CreateDirectory(outDir);
        string file = Path.Combine(outDir, $"cluster-query-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        File.WriteAllText(file, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"JSON: {file}");
        // After the figures: a clean stop of mirrors holding many docs took ~80 s (200k) in our runs.
        say("query: stopping (SIGTERM)");
        var stop = System.Diagnostics.Stopwatch.StartNew();
        await cluster.StopAsync();
        say($"query: stopped in {stop.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>The machine is shared: the 1-minute load average goes with every figure.</summary>
    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
    }
}

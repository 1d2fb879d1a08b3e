using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.ClusterBench;

/// <summary>
/// Writes at a fixed rate through the first mirror and watches the LAST mirror's own copy
/// (<c>GET /_mirror/local/{db}</c>, its record count) until it holds each write. Lag of write k = the first time the
/// last mirror counted ≥ k records − the time write k was acknowledged (writes are acknowledged in order at this load).
/// </summary>
internal static class ReplicationLag
{
    public static async Task<JsonObject> MeasureAsync(HttpClient http, SiloCluster cluster, int perSecond, TimeSpan duration,
        Func<long, byte[]> doc, Action<string> say)
    {
        const string db = "lag";
        string first = cluster.Urls[0], last = cluster.Urls[^1];
        int total = (int)(perSecond * duration.TotalSeconds);
        var acked = new double[total];
        var seen = new double[total];
        Array.Fill(seen, double.NaN);
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            int known = 0;
            while (!stop.IsCancellationRequested && known < total)
            {
                try
                {
                    var local = await http.GetFromJsonAsync<JsonObject>($"{last}/_mirror/local/{db}");
                    int count = (int?)local?["records"] ?? 0;
                    double now = clock.Elapsed.TotalMilliseconds;
                    for (; known < Math.Min(count, total); known++) seen[known] = now;
                }
                catch (HttpRequestException) { }
                await Task.Delay(2);
            }
        });
        say($"replication lag: {total} writes at {perSecond}/s through {first}, watching {last}");
        for (int i = 0; i < total; i++)
        {
            double due = i * 1000.0 / perSecond;
            double wait = due - clock.Elapsed.TotalMilliseconds;
            if (wait > 1) await Task.Delay(TimeSpan.FromMilliseconds(wait));
            using var content = new ByteArrayContent(doc(i));
            content.Headers.ContentType = new("application/json");
            using var r = await http.PutAsync($"{first}/db/{db}/doc/lag{i:D6}", content);
            r.EnsureSuccessStatusCode();
            acked[i] = clock.Elapsed.TotalMilliseconds;
        }
        var deadline = Stopwatch.StartNew();
        while (double.IsNaN(seen[^1]) && deadline.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
        await stop.CancelAsync();
        await watcher;
        var lags = Enumerable.Range(0, total).Where(i => !double.IsNaN(seen[i])).Select(i => Math.Max(0, seen[i] - acked[i])).Order().ToArray();
        double P(double q) => lags.Length == 0 ? double.NaN : lags[Math.Min(lags.Length - 1, (int)(q * lags.Length))];
        return new JsonObject
        {
            ["writes"] = total,
            ["ratePerSecond"] = perSecond,
            ["reachedLastMirror"] = lags.Length,
            ["p50Ms"] = Math.Round(P(0.5), 2),
            ["p99Ms"] = Math.Round(P(0.99), 2),
            ["maxMs"] = Math.Round(P(1), 2),
            ["pollIntervalMs"] = 2,
        };
    }
}

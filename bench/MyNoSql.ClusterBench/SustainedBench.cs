using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.ClusterBench;

/// <summary>
/// <c>--sustained SECONDS</c>: new-record saves through the HTTP gateways at full speed for SECONDS (the first of
/// <c>--mirrors</c>, default 1 mirror; <c>--callers</c>, default 64), sampling every <c>--sample</c> seconds (default 15)
/// each mirror's resident set, GC heap after its last collection, GC pause share (<c>GET /_mirror/memory</c>) and live
/// record-grain activations (Orleans' own <c>orleans_catalog_activations</c> at <c>GET /metrics</c>). What the short
/// phases cannot show: memory and rate under writes that go on. <c>--heap-limit-mib M</c> runs the mirrors with
/// <c>DOTNET_GCHeapHardLimit</c> (a container's memory limit). Table to stdout, JSON to <c>cluster-sustained-&lt;utc&gt;.json</c>.
/// </summary>
internal static class SustainedBench
{
    public static async Task<int> RunAsync(string siloDll, int mirrors, int callers, TimeSpan duration, TimeSpan every, int? heapLimitMib,
        string outDir, Action<string> say)
    {
        if (heapLimitMib is int mib) SiloCluster.Environment["DOTNET_GCHeapHardLimit"] = ((long)mib << 20).ToString("x", CultureInfo.InvariantCulture);
        say($"sustained: starting {mirrors} mirror(s){(heapLimitMib is null ? "" : $", GC heap limit {heapLimitMib} MiB")}");
        await using var cluster = await SiloCluster.StartAsync(siloDll, mirrors);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(30) });
        long saved = 0;
        var load = Load.RunAsync(callers, duration, async i =>
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(
                $"{{\"sensor\":\"sensor-{i % 500:D4}\",\"ts\":{1_763_900_000_000 + i * 250},\"temperature\":{18 + i % 9}.{i % 100:D2},\"status\":\"ok\",\"site\":\"plant-north\"}}"));
            content.Headers.ContentType = new("application/json");
            using var r = await http.PutAsync($"{cluster.Urls[(int)(i % mirrors)]}/db/sustained/doc/s{i}", content);
            if (r.StatusCode != HttpStatusCode.Created) return false;
            Interlocked.Increment(ref saved);
            return true;
        });
        var samples = new JsonArray();
        Console.WriteLine("| t s | saves | saves/s | per mirror: RSS MB / GC heap MB / GC pause % / record activations |");
        Console.WriteLine("|---:|---:|---:|---|");
        var started = DateTime.UtcNow;
        long last = 0;
        while (!load.IsCompleted)
        {
            await Task.WhenAny(load, Task.Delay(every));
            double t = (DateTime.UtcNow - started).TotalSeconds;
            long now = Interlocked.Read(ref saved);
            var perMirror = new JsonArray();
            var cells = new List<string>();
            foreach (var url in cluster.Urls)
            {
                var m = await MemoryAsync(http, url);
                perMirror.Add(m);
                cells.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{(double)m["rssMB"]!:F0} / {(double)m["gcHeapMB"]!:F0} / {(double)m["gcPausePercent"]!:F1} / {(long)m["recordActivations"]!:N0}"));
            }
            double rate = (now - last) / every.TotalSeconds;
            last = now;
            samples.Add(new JsonObject { ["t"] = Math.Round(t, 1), ["saves"] = now, ["savesPerSecond"] = Math.Round(rate), ["mirrors"] = perMirror });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {t:F0} | {now:N0} | {rate:N0} | {string.Join(" · ", cells)} |"));
        }
        var result = await load;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.PerSecond:N0} saves/s over {duration.TotalSeconds:F0} s, p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms, errors {result.Errors}"));
        var json = new JsonObject
        {
            ["utc"] = started.ToString("O", CultureInfo.InvariantCulture), ["cores"] = Environment.ProcessorCount, ["mirrors"] = mirrors,
            ["callers"] = callers, ["seconds"] = duration.TotalSeconds, ["heapLimitMiB"] = heapLimitMib,
            ["savesPerSecond"] = result.PerSecond, ["p50Ms"] = result.P50Ms, ["p99Ms"] = result.P99Ms, ["errors"] = result.Errors, ["samples"] = samples,
        };
        Directory.CreateDirectory(outDir);
        string file = Path.Combine(outDir, $"cluster-sustained-{started:yyyyMMdd-HHmmss}.json");
        await File.WriteAllTextAsync(file, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        say($"sustained: wrote {file}");
        return 0;
    }

    /// <summary>One mirror's memory figures and live record-grain activations; zeros for what it did not answer.</summary>
    private static async Task<JsonObject> MemoryAsync(HttpClient http, string url)
    {
        double rss = 0, heap = 0, pause = 0;
        long activations = 0;
        try
        {
            var m = JsonNode.Parse(await http.GetStringAsync($"{url}/_mirror/memory"))!;
            (rss, heap, pause) = ((double)m["rssBytes"]! / (1 << 20), (double)m["gcHeapBytes"]! / (1 << 20), (double)m["gcPauseTimePercent"]!);
            foreach (var line in (await http.GetStringAsync($"{url}/metrics")).Split('\n'))
            {
                if (line.StartsWith("orleans_catalog_activations{", StringComparison.Ordinal) && line.Contains("grain_type=\"rec\"", StringComparison.Ordinal))
                    activations = (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException) { }
        return new JsonObject { ["rssMB"] = Math.Round(rss), ["gcHeapMB"] = Math.Round(heap), ["gcPausePercent"] = pause, ["recordActivations"] = activations };
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.ClusterBench;

/// <summary>
/// Cross-mirror change latency (issue 12 goal: p99 &lt; 200 ms): writes at a fixed rate through the first mirror while a
/// longpoll subscriber on the last mirror (re-issued after each answer) and an SSE subscriber on the second watch
/// <c>_changes</c>. Per write and feed: time from the write's 201 (and from before it was sent) to the moment the
/// subscriber read its id.
/// </summary>
internal static class ChangeLatency
{
    private const string Db = "feeds";

    public static async Task<JsonObject> MeasureAsync(HttpClient http, SiloCluster cluster, int perSecond, TimeSpan duration,
        Func<long, byte[]> doc, Action<string> say)
    {
        string writer = cluster.Urls[0], sse = cluster.Urls[1], longpoll = cluster.Urls[^1];
        int total = (int)(perSecond * duration.TotalSeconds);
        var sent = new double[total];
        var acked = new double[total];
        var seenLongpoll = new ConcurrentDictionary<string, double>();
        var seenSse = new ConcurrentDictionary<string, double>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();

        // The database must exist before a feed on it is opened; its end is where both feeds start.
        await PutAsync(http, writer, "start", doc(0));
        var start = await http.GetFromJsonAsync<JsonObject>($"{longpoll}/db/{Db}/_changes?since=now");
        string since = Seq(start!["last_seq"]!);

        var longpollTask = Task.Run(async () =>
        {
            string position = since;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var page = await http.GetFromJsonAsync<JsonObject>($"{longpoll}/db/{Db}/_changes?feed=longpoll&since={Uri.EscapeDataString(position)}&timeout=10000", stop.Token);
                    double now = clock.Elapsed.TotalMilliseconds;
                    foreach (var change in page!["results"]!.AsArray()) seenLongpoll.TryAdd(change!["id"]!.GetValue<string>(), now);
                    position = Seq(page["last_seq"]!);
                }
                catch (OperationCanceledException) { }
                catch (HttpRequestException) { await Task.Delay(10); }
            }
        });

        using var sseResponse = await http.GetAsync($"{sse}/db/{Db}/_changes?feed=eventsource&since={Uri.EscapeDataString(since)}&timeout=600000", HttpCompletionOption.ResponseHeadersRead);
        sseResponse.EnsureSuccessStatusCode();
        var sseTask = Task.Run(async () =>
        {
            using var reader = new StreamReader(await sseResponse.Content.ReadAsStreamAsync());
            try
            {
                while (await reader.ReadLineAsync(stop.Token) is { } line)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                    double now = clock.Elapsed.TotalMilliseconds;
                    using var change = JsonDocument.Parse(line.AsMemory(6));
                    seenSse.TryAdd(change.RootElement.GetProperty("id").GetString()!, now);
                }
            }
            catch (OperationCanceledException) { }
        });

        say($"change feeds: {total} writes at {perSecond}/s through {writer}; SSE on {sse}, longpoll on {longpoll}");
        var writeClock = Stopwatch.StartNew();
        for (int i = 0; i < total; i++)
        {
            double wait = i * 1000.0 / perSecond - writeClock.Elapsed.TotalMilliseconds;
            if (wait > 1) await Task.Delay(TimeSpan.FromMilliseconds(wait));
            sent[i] = clock.Elapsed.TotalMilliseconds;
            await PutAsync(http, writer, Id(i), doc(i));
            acked[i] = clock.Elapsed.TotalMilliseconds;
        }
        var deadline = Stopwatch.StartNew();
        while ((!seenLongpoll.ContainsKey(Id(total - 1)) || !seenSse.ContainsKey(Id(total - 1))) && deadline.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(20);
        await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(longpollTask, sseTask);

        JsonObject Figures(ConcurrentDictionary<string, double> seen) => new()
        {
            ["seen"] = Enumerable.Range(0, total).Count(i => seen.ContainsKey(Id(i))),
            ["fromAck"] = Percentiles(Enumerable.Range(0, total).Where(i => seen.ContainsKey(Id(i))).Select(i => seen[Id(i)] - acked[i])),
            ["fromSend"] = Percentiles(Enumerable.Range(0, total).Where(i => seen.ContainsKey(Id(i))).Select(i => seen[Id(i)] - sent[i])),
        };
        return new JsonObject
        {
            ["writes"] = total,
            ["ratePerSecond"] = perSecond,
            ["writeAckMs"] = Percentiles(Enumerable.Range(0, total).Select(i => acked[i] - sent[i])),
            ["longpollMirror3"] = Figures(seenLongpoll),
            ["sseMirror2"] = Figures(seenSse),
        };
    }

    private static string Id(long i) => $"c{i:D6}";

    /// <summary>A seq is opaque: a JSON string or number, passed back as it came.</summary>
    private static string Seq(JsonNode node) => node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();

    private static async Task PutAsync(HttpClient http, string url, string id, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var r = await http.PutAsync($"{url}/db/{Db}/doc/{id}", content);
        r.EnsureSuccessStatusCode();
    }

    private static JsonObject Percentiles(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        JsonNode? P(double q) => sorted.Length == 0 ? null : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))], 2);
        return new JsonObject { ["p50Ms"] = P(0.5), ["p90Ms"] = P(0.9), ["p99Ms"] = P(0.99), ["maxMs"] = P(1) };
    }
}

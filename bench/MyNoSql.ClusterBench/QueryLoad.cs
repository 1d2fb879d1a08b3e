using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace MyNoSql.ClusterBench;

/// <summary>
/// Mirror <c>_find</c> latency over N order-like documents (issue 12 goal: p50 &lt; 20 ms over 1M): loads N docs with
/// concurrent PUTs spread over every mirror, waits until every mirror's own copy holds N, creates index
/// ["type","date"] through the first mirror (timed), then runs the same query shape round-robin over the mirrors
/// with 1 and 16 callers.
/// </summary>
internal static class QueryLoad
{
    public const string Db = "orders", IndexName = "by-type-date";
    private const int Types = 8, LoadCallers = 64;
    private static readonly DateTime Epoch = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>~250 B. Dates are a permutation of the insert order (31 s apart) so index order ≠ insert order.</summary>
    public static byte[] Order(long i, long n) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{{\"type\":\"{TypeOf(i)}\",\"date\":\"{DateOf((i * 7919) % n):yyyy-MM-ddTHH:mm:ssZ}\",\"total\":{i * 37 % 100_000 / 100.0:F2},\"customer\":{{\"id\":\"c-{i % 20_000:D5}\",\"name\":\"Customer {i % 20_000}\",\"country\":\"NL\"}},\"status\":\"paid\",\"lines\":{1 + i % 9},\"currency\":\"EUR\",\"channel\":\"web\"}}"));

    private static string TypeOf(long i) => $"type-{i % Types}";
    private static DateTime DateOf(long k) => Epoch.AddSeconds(k * 31);

    public static async Task<(List<(string Op, int Callers, Load.Result R)> Rows, JsonObject Json)> MeasureAsync(
        HttpClient http, SiloCluster cluster, long n, int queries, Action<string> say)
    {
        var urls = cluster.Urls;
        var rows = new List<(string, int, Load.Result)>();
        var json = new JsonObject { ["docs"] = n, ["docBytes"] = Order(n / 2, n).Length, ["queries"] = queries, ["mirrors"] = urls.Count };

        say($"query: loading {n:N0} docs with {LoadCallers} callers over {urls.Count} mirrors");
        long done = 0;
        var loadClock = Stopwatch.StartNew();
        var load = await Load.RunAsync(LoadCallers, TimeSpan.FromHours(2), async i =>
        {
            using var content = new ByteArrayContent(Order(i, n));
            content.Headers.ContentType = new("application/json");
            using var r = await http.PutAsync($"{urls[(int)(i % urls.Count)]}/db/{Db}/doc/o{i:D7}", content);
            long d = Interlocked.Increment(ref done);
            if (d % 10_000 == 0) say($"query: loaded {d:N0} ({d / loadClock.Elapsed.TotalSeconds:N0}/s)");
            return r.StatusCode == HttpStatusCode.Created;
        }, maxOps: n);
        rows.Add(("load (PUT, 64 callers over the mirrors)", LoadCallers, load));
        json["loadSeconds"] = Math.Round(loadClock.Elapsed.TotalSeconds, 1);
        json["loadPerSecond"] = Math.Round(load.PerSecond);
        json["loadErrors"] = load.Errors;

        // Every mirror's own copy, not the gateway's read-your-writes view: the queries hit every mirror's index.
        var converge = Stopwatch.StartNew();
        for (int m = 0; m < urls.Count; m++)
        {
            long records = 0;
            while (converge.Elapsed < TimeSpan.FromMinutes(10))
            {
                try { records = (long?)(await http.GetFromJsonAsync<JsonObject>($"{urls[m]}/_mirror/local/{Db}"))?["records"] ?? 0; }
                catch (HttpRequestException) { }
                if (records >= n - load.Errors) break;
                await Task.Delay(500);
            }
            say($"query: mirror {m + 1} holds {records:N0}");
        }
        json["convergeSecondsAfterLoad"] = Math.Round(converge.Elapsed.TotalSeconds, 1);

        var indexClock = Stopwatch.StartNew();
        using (var r = await http.PostAsJsonAsync($"{urls[0]}/db/{Db}/_index", new JsonObject { ["name"] = IndexName, ["fields"] = new JsonArray("type", "date") }))
        {
            json["indexCreate"] = (await r.Content.ReadFromJsonAsync<JsonObject>())?["result"]?.ToString();
            r.EnsureSuccessStatusCode();
        }
        json["indexBuildMs"] = Math.Round(indexClock.Elapsed.TotalMilliseconds, 1);
        say($"query: index {IndexName} created through mirror 1 in {indexClock.Elapsed.TotalMilliseconds:N0} ms");

        // The first query on each mirror may still build its local copy of the index: timed apart, not in the figures.
        for (int m = 0; m < urls.Count; m++)
        {
            var first = Stopwatch.StartNew();
            var (_, index) = await FindAsync(http, urls[m], 0, n);
            json[$"firstFindMsMirror{m + 1}"] = Math.Round(first.Elapsed.TotalMilliseconds, 1);
            say($"query: first _find on mirror {m + 1}: {first.Elapsed.TotalMilliseconds:N0} ms, index {index ?? "none"}");
        }

        foreach (int callers in new[] { 1, 16 })
        {
            long wrongIndex = 0;
            var result = await Load.RunAsync(callers, TimeSpan.FromMinutes(5), async i =>
            {
                var (ok, index) = await FindAsync(http, urls[(int)(i % urls.Count)], i, n);
                if (index != IndexName) Interlocked.Increment(ref wrongIndex);
                return ok && index == IndexName;
            }, maxOps: queries);
            rows.Add(("_find type+date≥, sort date desc, limit 100", callers, result));
            json[$"find{callers}"] = new JsonObject
            {
                ["callers"] = callers, ["perSecond"] = Math.Round(result.PerSecond, 1), ["p50Ms"] = Math.Round(result.P50Ms, 2),
                ["p90Ms"] = Math.Round(result.P90Ms, 2), ["p99Ms"] = Math.Round(result.P99Ms, 2), ["errors"] = result.Errors, ["wrongIndex"] = wrongIndex,
            };
            say($"query: {callers} callers: p50 {result.P50Ms:F1} ms, p99 {result.P99Ms:F1} ms, {result.PerSecond:N0}/s, wrong index {wrongIndex}");
        }
        return (rows, json);
    }

    /// <summary>Query k: a type and a lower date bound that vary with k; answers whether it got 200 and which index served it.</summary>
    private static async Task<(bool Ok, string? Index)> FindAsync(HttpClient http, string url, long k, long n)
    {
        var query = new JsonObject
        {
            ["selector"] = new JsonObject { ["type"] = TypeOf(k), ["date"] = new JsonObject { ["$gte"] = DateOf(k * 104_729 % n).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) } },
            ["sort"] = new JsonArray(new JsonObject { ["date"] = "desc" }),
            ["limit"] = 100,
        };
        using var r = await http.PostAsJsonAsync($"{url}/db/{Db}/_find", query);
        if (r.StatusCode != HttpStatusCode.OK) return (false, null);
        var answer = await r.Content.ReadFromJsonAsync<JsonObject>();
        return (answer?["docs"] is JsonArray, answer?["index"]?.GetValue<string>());
    }
}

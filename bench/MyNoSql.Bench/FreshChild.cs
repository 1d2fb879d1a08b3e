using System.Diagnostics;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// The child side of the fresh-process figures (<c>child-fresh FIGURE ENGINE DATASET DIR COUNT CALLERS MAXSECONDS</c>):
/// a new process creates a brand-new database in DIR and measures from its first save; one JSON line on stdout.
/// FIGURE is <c>single</c> (one caller, COUNT durable saves or MAXSECONDS, whichever ends first), <c>multi</c> (CALLERS
/// callers with COUNT saves each, every caller its own documents) or <c>raw</c> (the disk's limit: positional appends of
/// the same documents' JSON bytes, each followed by fdatasync, on a preallocated zero-filled file; ENGINE is ignored).
/// </summary>
internal static class FreshChild
{
    public static async Task<int> RunAsync(string[] args)
    {
        string figure = args[1], dataset = args[3], dir = args[4];
        var kind = figure == "raw" ? EngineKind.MyNoSql : Enum.Parse<EngineKind>(args[2]);
        int count = int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture);
        int callers = int.Parse(args[6], System.Globalization.CultureInfo.InvariantCulture);
        var maxTime = TimeSpan.FromSeconds(double.Parse(args[7], System.Globalization.CultureInfo.InvariantCulture));
        ThreadPool.SetMinThreads(64, 64);
        var docs = Datasets.ByName(dataset, figure == "multi" ? count * callers : count);
        Measure.SettleHeap();
        var result = figure switch
        {
            "raw" => await RawSyncAsync(docs, dir, maxTime),
            "single" => await SingleAsync(kind, docs, dir, maxTime),
            "multi" => await MultiAsync(kind, docs, dir, callers, count),
            _ => throw new ArgumentException($"unknown figure {figure}"),
        };
        Console.WriteLine(result.ToJsonString());
        Console.Out.Flush();
        if (figure == "multi") Environment.Exit(0); // the database is left open on purpose (see MultiAsync)
        return 0;
    }

    /// <summary>pwrite of each record at the end of the previous one + fdatasync, on a file zero-filled (and synced) first.</summary>
    private static async Task<JsonObject> RawSyncAsync(List<JsonObject> docs, string dir, TimeSpan maxTime)
    {
        await using var raw = await RawSyncEngine.OpenAsync(dir, docs);
        var latencies = new List<double>(docs.Count);
        var total = Stopwatch.StartNew();
        foreach (var doc in docs)
        {
            long t0 = Stopwatch.GetTimestamp();
            await raw.SaveAsync((string)doc["id"]!, doc);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            if (total.Elapsed > maxTime) break;
        }
        return Rates(latencies, total.Elapsed, openMs: null, closeMs: null);
    }

    private static async Task<JsonObject> SingleAsync(EngineKind kind, List<JsonObject> docs, string dir, TimeSpan maxTime)
    {
        var open = Stopwatch.StartNew();
        var engine = await Measure.OpenAsync(kind, dir, durable: true);
        double openMs = open.Elapsed.TotalMilliseconds;
        var latencies = new List<double>(docs.Count);
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        var total = Stopwatch.StartNew();
        foreach (var doc in docs)
        {
            long t0 = Stopwatch.GetTimestamp();
            await engine.SaveAsync((string)doc["id"]!, doc);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            if (total.Elapsed > maxTime) break;
        }
        var elapsed = total.Elapsed;
        (gen0, gen2) = (GC.CollectionCount(0) - gen0, GC.CollectionCount(2) - gen2);
        var close = Stopwatch.StartNew();
        await engine.DisposeAsync();
        var json = Rates(latencies, elapsed, openMs, close.Elapsed.TotalMilliseconds);
        // Collections during the timed saves (a background gen 2 collection competes with them for the second core).
        json["gen0"] = gen0;
        json["gen2"] = gen2;
        return json;
    }

    private static async Task<JsonObject> MultiAsync(EngineKind kind, List<JsonObject> docs, string dir, int callers, int perCaller)
    {
        var open = Stopwatch.StartNew();
        var engine = await Measure.OpenAsync(kind, dir, durable: true);
        double openMs = open.Elapsed.TotalMilliseconds;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var latencies = new double[docs.Count];
        int done = 0;
        long first100Ticks = 0;
        var total = new Stopwatch();
        var workers = Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            await start.Task;
            for (int i = c * perCaller; i < (c + 1) * perCaller; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                await engine.SaveAsync((string)docs[i]["id"]!, docs[i]);
                latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                // Group commit from the first saves: how long the first 100 acknowledgements took, all callers together.
                if (Interlocked.Increment(ref done) == 100) Volatile.Write(ref first100Ticks, total.Elapsed.Ticks);
            }
        })).ToList();
        total.Start();
        start.SetResult();
        await Task.WhenAll(workers);
        var elapsed = total.Elapsed;
        // No close: the 1-caller child measures it; here the process ends with the database open, which every
        // engine must survive (each save was acknowledged durable), so the run does not wait for a seal.
        var json = Rates([.. latencies], elapsed, openMs, closeMs: null);
        json["callers"] = callers;
        json["first100Rate"] = first100Ticks > 0 ? 100 / TimeSpan.FromTicks(first100Ticks).TotalSeconds : null;
        // Concurrent saves overlap: a sum of their latencies is no time span (first100Rate is set from the wall clock).
        json.Remove("restRate");
        json.Remove("firstSaveUs");
        return json;
    }

    /// <summary>Rate over the whole run, the rate of the first 100 saves and of the rest, latency percentiles (µs).</summary>
    private static JsonObject Rates(List<double> latencies, TimeSpan elapsed, double? openMs, double? closeMs)
    {
        var sorted = latencies.Order().ToList();
        double P(double q) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
        int head = Math.Min(100, latencies.Count);
        double headUs = latencies.Take(head).Sum(), restUs = latencies.Skip(head).Sum();
        return new JsonObject
        {
            ["saves"] = latencies.Count,
            ["seconds"] = elapsed.TotalSeconds,
            ["rate"] = latencies.Count / elapsed.TotalSeconds,
            // Single caller: the saves back to back, so the sum of latencies is the time; 16 callers: per-caller sums.
            ["first100Rate"] = headUs > 0 ? head / (headUs / 1e6) : null,
            ["restRate"] = restUs > 0 ? (latencies.Count - head) / (restUs / 1e6) : null,
            ["p50Us"] = P(0.5),
            ["p90Us"] = P(0.9),
            ["p99Us"] = P(0.99),
            ["maxUs"] = sorted.Count == 0 ? 0 : sorted[^1],
            ["firstSaveUs"] = latencies.Count == 0 ? null : latencies[0],
            ["openMs"] = openMs,
            ["closeMs"] = closeMs,
        };
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>Every scenario of one dataset on every engine, each in a fresh directory.</summary>
internal static class DatasetRun
{
    private static readonly EngineKind[] Engines = [EngineKind.MyNoSql, EngineKind.Sqlite, EngineKind.LiteDb];
    private static readonly TimeSpan MinimumWarmUp = TimeSpan.FromMilliseconds(500);

    public static async Task<JsonObject> RunAsync(string name, List<JsonObject> docs, BenchOptions options, string root, Report report)
    {
        var duration = TimeSpan.FromSeconds(options.Seconds);
        long rawBytes = docs.Sum(d => (long)Encoding.UTF8.GetByteCount(d.ToJsonString()));
        var ids = docs.Select(d => (string)d["id"]!).ToList();
        int warmReads = options.Quick ? 10_000 : 100_000, coldReads = options.Quick ? 2_000 : 10_000;
        var figures = new Dictionary<EngineKind, Dictionary<string, double?>>();
        var json = new JsonObject { ["documents"] = docs.Count, ["rawJsonBytes"] = rawBytes };

        foreach (var kind in Engines) figures[kind] = [];
        // Save rates swing with other load on the machine: the engines take turns in short slices, so each sees
        // the same conditions, and the median slice is reported.
        double? raw1 = await Interleaved.SinglesAsync(name, docs, root, duration, figures);
        json["rawFdatasync1"] = raw1;

        foreach (var kind in Engines)
        {
            var f = figures[kind];
            var errors = new JsonObject();
            async Task Step(string what, Func<Task> body)
            {
                Progress.Say($"{name} {kind}: {what}");
                try { await body(); }
                catch (Exception e) { errors[what] = e.GetType().Name + ": " + e.Message; Progress.Say($"{name} {kind}: {what} failed: {e.Message}"); }
            }
            string dir(string s) => Path.Combine(root, $"{name}-{kind}-{s}");

            await Step("batched load, warm reads, close, cold reads", async () =>
            {
                var e = await Measure.OpenAsync(kind, dir("batched"), durable: true);
                try
                {
                    f["batched"] = await Measure.BatchedAsync(e, docs, 1000, n => { if (n % 25_000 == 0) Progress.Say($"{name} {kind}: {n:N0} loaded"); });
                    // Warm-up passes for at least half a second: the quick run's 10,000 reads alone end before the tiered JIT
                    // (which waits 100 ms after the last new method) has compiled any read path's hot methods.
                    Measure.SettleHeap();
                    await Measure.WarmUpAsync(() => Measure.ReadsAsync(e, ids, warmReads, seed: 1), MinimumWarmUp);
                    f["warmReads"] = await Measure.ReadsAsync(e, ids, warmReads, seed: 2);
                    await Measure.WarmUpAsync(() => Measure.HotReadsAsync(e, ids, warmReads, seed: 5), MinimumWarmUp);
                    f["hotReads"] = await Measure.HotReadsAsync(e, ids, warmReads, seed: 6);
                }
                finally
                {
                    var close = Stopwatch.StartNew();
                    await e.DisposeAsync();
                    f["closeSeconds"] = close.Elapsed.TotalSeconds;
                }
                f["bytesAfterClose"] = Measure.DirectoryBytes(dir("batched"));
                // (a) OS page cache still warm, the engine's own caches empty: close + reopen in the same process.
                var reopen = Stopwatch.StartNew();
                await using (var again = await Measure.OpenAsync(kind, dir("batched"), durable: true))
                {
                    _ = await again.ReadAsync(ids[0]) ?? throw new InvalidOperationException("first record missing after reopen");
                    f["pageCachedOpenAndFirstReadMs"] = reopen.Elapsed.TotalMilliseconds;
                    f["pageCachedColdReads"] = await Measure.ReadsAsync(again, ids, coldReads, seed: 3);
                }
                // (b) page cache dropped as well.
                Measure.EvictPageCache(dir("batched"));
                var open = Stopwatch.StartNew();
                var cold = await Measure.OpenAsync(kind, dir("batched"), durable: true);
                try
                {
                    _ = await cold.ReadAsync(ids[0]) ?? throw new InvalidOperationException("first record missing after reopen");
                    f["openAndFirstReadMs"] = open.Elapsed.TotalMilliseconds;
                    f["coldReads"] = await Measure.ReadsAsync(cold, ids, coldReads, seed: 3);
                    // At rest: whatever the engine leaves for after the next open (sealing, compaction) done.
                    var settle = Stopwatch.StartNew();
                    await cold.SettleAsync();
                    if (kind == EngineKind.MyNoSql) f["settleSeconds"] = settle.Elapsed.TotalSeconds;
                }
                finally
                {
                    await cold.DisposeAsync();
                }
                f["bytesAtRest"] = Measure.DirectoryBytes(dir("batched"));
            });
            await Step("cold reads in a fresh process", async () =>
            {
                string idsFile = dir("ids.txt");
                File.WriteAllLines(idsFile, ids);
                string reads = coldReads.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // (a) page cache warm (the parent just read the files), (b) page cache dropped.
                var child = await ChildProcess.RunAsync("child-open", kind.ToString(), dir("batched"), idsFile, reads);
                f["freshPageCachedOpenAndFirstReadMs"] = (double?)child["openAndFirstReadMs"];
                f["freshPageCachedColdReads"] = (double?)child["randomReadsPerSecond"];
                Measure.EvictPageCache(dir("batched"));
                child = await ChildProcess.RunAsync("child-open", kind.ToString(), dir("batched"), idsFile, reads);
                f["freshOpenAndFirstReadMs"] = (double?)child["openAndFirstReadMs"];
                f["freshColdReads"] = (double?)child["randomReadsPerSecond"];
            });
            var engineJson = new JsonObject();
            foreach (var (k, v) in f) engineJson[k] = v;
            if (errors.Count > 0)
            {
                engineJson["errors"] = errors;
                foreach (var (what, error) in errors) report.Note($"{name} {kind}, {what}: {error}");
            }
            json[kind.ToString()] = engineJson;
        }

        string section = $"{name} ({docs.Count:N0} docs, {rawBytes / (double)docs.Count:F0} B avg), warm: one process, engines alternating";
        Dictionary<EngineKind, double?> Row(string key) => Engines.ToDictionary(k => k, k => figures[k].GetValueOrDefault(key));
        // Issue 14 sets the save goals on a fresh database (the fresh-process section); these are the warm figures.
        report.Add(section, "durable saves/s, 1 caller", Row("single1"));
        // The disk's raw pwrite + fdatasync loop takes its turn in the same slices (warm counterpart of the fresh ratio).
        report.Add(section, "  1 caller / raw pwrite+fdatasync (same slices)", Engines.ToDictionary(k => k, k => Row("single1")[k] / raw1),
            Report.AtLeast(0.9, "≥ 0.9× raw fdatasync"));
        report.Add(section, "  disk: raw pwrite+fdatasync/s (=100%)", new Dictionary<EngineKind, double?> { [EngineKind.MyNoSql] = raw1 });
        report.Add(section, "durable saves/s, 16 callers", Row("single16"));
        report.Add(section, "relaxed saves/s, 1 caller (SQLite NORMAL)", Row("relaxed1"));
        report.Add(section, "batched saves/s (1,000 per batch)", Row("batched"));
        report.Add(section, "warm random reads/s (→ JsonObject)", Row("warmReads"), Report.AtLeastTimesSqlite(2));
        report.Add(section, "hot reads/s (Zipf 0.99, → JsonObject)", Row("hotReads"));
        report.Add(section, "close after the batched load, s", Row("closeSeconds"));
        // Cold = the engine's own caches empty; (a) with the OS page cache still warm, (b) with it dropped too.
        report.Add(section, "cold reads/s, reopen, (a) page cache warm", Row("pageCachedColdReads"), Report.AtLeastTimesSqlite(0.5));
        report.Add(section, "cold reads/s, reopen, (b) page cache dropped", Row("coldReads"), Report.AtLeastTimesSqlite(0.5));
        report.Add(section, "cold reads/s, fresh process, (a) page cache warm", Row("freshPageCachedColdReads"), Report.AtLeastTimesSqlite(0.5));
        report.Add(section, "cold reads/s, fresh process, (b) page cache dropped", Row("freshColdReads"), Report.AtLeastTimesSqlite(0.5));
        report.Add(section, "reopen + first read, ms, (a) page cache warm", Row("pageCachedOpenAndFirstReadMs"));
        report.Add(section, "  (b) page cache dropped", Row("openAndFirstReadMs"));
        report.Add(section, "fresh process: open + first read, ms, (a)", Row("freshPageCachedOpenAndFirstReadMs"));
        report.Add(section, "  (b) page cache dropped", Row("freshOpenAndFirstReadMs"));
        report.Add(section, "settle after reopen (MyNoSql CompactAsync), s", Row("settleSeconds"));
        report.Add(section, "bytes on disk right after close", Row("bytesAfterClose"));
        // At rest = after reopen + the engine's background seal/CompactAsync finished, then close.
        var (bytesGoal, rawGoal) = name switch
        {
            "iot-small" => (Report.AtMostTimesSqlite(0.2), Report.AtMost(0.3, "≤ 0.3× raw JSON")),
            "game" => ((Goal?)null, Report.AtMost(0.15, "≤ 0.15× raw JSON")),
            _ => (null, (Goal?)null),
        };
        report.Add(section, "bytes on disk at rest (reopen+compact+close)", Row("bytesAtRest"), bytesGoal);
        var perRaw = Engines.ToDictionary(k => k, k => figures[k].GetValueOrDefault("bytesAtRest") is { } b ? b / rawBytes : (double?)null);
        report.Add(section, "bytes at rest / raw JSON", perRaw, rawGoal);
        var perRawClose = Engines.ToDictionary(k => k, k => figures[k].GetValueOrDefault("bytesAfterClose") is { } b ? b / rawBytes : (double?)null);
        report.Add(section, "bytes right after close / raw JSON", perRawClose);
        return json;
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// The query bench (issue 12): N orders loaded in batches into each engine, the ["type","date"] index built over
/// them, then the same sequence of equality + range + sort-desc + limit-100 queries, a count and a full scan on
/// every engine; then durable saves with and without indexes, interleaved. One engine at a time holds its data.
/// </summary>
internal static class QueryRun
{
    private const int Limit = 100;
    private const int CrossChecked = 20;
    private static readonly string[] ScannedCustomers = [Datasets.Customer(7), Datasets.Customer(4242), Datasets.Customer(13131)];

    /// <summary>Null when MyNoSql's query path works on a handful of documents; otherwise why not (fail before loading anything).</summary>
    public static async Task<string?> PreflightAsync(string root)
    {
        string dir = Path.Combine(root, "query-preflight");
        try
        {
            await using var target = await QueryMyNoSql.OpenAsync(dir, durable: false);
            await Measure.BatchedAsync(target, Datasets.OrdersStream(200), 100);
            await target.CreateTypeDateIndexAsync();
            var found = await target.RecentAsync(Datasets.OrderTypes[0], Datasets.IsoDate(Datasets.OrderEpoch), Limit);
            if (found.Count == 0) return "the preflight query over 200 orders found nothing";
            _ = await target.CountTypeAsync(Datasets.OrderTypes[0]);
            return null;
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    public static async Task<JsonObject> RunAsync(BenchOptions options, string root, Report report)
    {
        int n = options.QueryN;
        var kinds = options.Engines;
        var workload = Workload(options.Queries, seed: 99);
        var warmUp = Workload(Math.Max(100, options.Queries / 2), seed: 98);
        Progress.Say($"query: measuring {n:N0} orders");
        long rawBytes = Datasets.OrdersStream(n).Sum(d => (long)Encoding.UTF8.GetByteCount(d.ToJsonString()));
        var figures = kinds.ToDictionary(k => k, _ => new Dictionary<string, double?>());
        var answers = kinds.ToDictionary(k => k, _ => new List<string[]>());
        var counts = kinds.ToDictionary(k => k, _ => new Dictionary<string, long>());
        var json = new JsonObject
        {
            ["documents"] = n,
            ["rawJsonBytes"] = rawBytes,
            ["queries"] = workload.Count,
            ["warmUpQueries"] = warmUp.Count,
            ["query"] = QueryMyNoSql.Recent("<T>", "<D>", Limit),
        };

        foreach (var kind in kinds)
        {
            var f = figures[kind];
            var errors = new JsonObject();
            var engineJson = new JsonObject();
            string dir = Path.Combine(root, $"query-{kind}");
            QueryTarget? target = null;
            // Each step needs the ones before it: the first failure ends this engine's run.
            async Task<bool> Step(string what, Func<QueryTarget, Task> body)
            {
                Progress.Say($"query {kind}: {what}");
                try
                {
                    target ??= await OpenAsync(kind, dir, durable: true);
                    await body(target);
                    return true;
                }
                catch (Exception e)
                {
                    errors[what] = e.GetType().Name + ": " + e.Message;
                    Progress.Say($"query {kind}: {what} failed: {e.Message}");
                    return false;
                }
            }

            try
            {
                _ = await Step("batched load", async t =>
                    {
                        var sw = Stopwatch.StartNew();
                        int every = Math.Max(10_000, n / 10 / 1000 * 1000); // a multiple of the batch size, or it never prints
                        f["loadDocsPerSecond"] = await Measure.BatchedAsync(t, Datasets.OrdersStream(n), 1000,
                            done => { if (done % every == 0) Progress.Say($"query {kind}: {done:N0} of {n:N0} loaded"); });
                        f["loadSeconds"] = sw.Elapsed.TotalSeconds;
                    })
                    && await Step("index build", async t =>
                    {
                        var sw = Stopwatch.StartNew();
                        await t.CreateTypeDateIndexAsync();
                        f["indexBuildSeconds"] = sw.Elapsed.TotalSeconds;
                        f["indexBytes"] = t.TypeDateIndexBytes;
                        engineJson["indexBytesHow"] = t.TypeDateIndexBytesHow;
                    })
                    && await Step("query plan", async t =>
                    {
                        var (type, since) = workload[0];
                        string plan = await t.PlanAsync(type, since);
                        engineJson["plan"] = plan;
                        report.Note($"{kind} plan of the measured query: {plan}");
                    })
                    && await Step($"{warmUp.Count:N0} warm-up and {workload.Count:N0} measured queries", async t =>
                    {
                        foreach (var (type, since) in warmUp) _ = await t.RecentAsync(type, since, Limit);
                        var ms = new List<double>(workload.Count);
                        long returned = 0;
                        for (int i = 0; i < workload.Count; i++)
                        {
                            var (type, since) = workload[i];
                            long start = Stopwatch.GetTimestamp();
                            var docs = await t.RecentAsync(type, since, Limit);
                            ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                            returned += docs.Count;
                            if (i < CrossChecked) answers[kind].Add([.. docs.Select(t.IdOf)]);
                        }
                        var latency = QueryLatency.From(ms);
                        f["queryP50Ms"] = latency.P50;
                        f["queryP90Ms"] = latency.P90;
                        f["queryP99Ms"] = latency.P99;
                        f["queriesPerSecond"] = latency.PerSecond;
                        f["docsPerQuery"] = returned / (double)workload.Count;
                    })
                    && await Step("count by type", async t =>
                    {
                        var ms = new List<double>();
                        foreach (var type in Datasets.OrderTypes)
                        {
                            _ = await t.CountTypeAsync(type);
                            long start = Stopwatch.GetTimestamp();
                            counts[kind][type] = await t.CountTypeAsync(type);
                            ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        }
                        f["countMs"] = QueryLatency.Median(ms);
                    })
                    && await Step("full scan", async t =>
                    {
                        _ = await t.ScanCustomerAsync(ScannedCustomers[0], Limit);
                        var ms = new List<double>();
                        foreach (var customer in ScannedCustomers)
                        {
                            long start = Stopwatch.GetTimestamp();
                            _ = await t.ScanCustomerAsync(customer, Limit);
                            ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        }
                        f["fullScanMs"] = QueryLatency.Median(ms);
                    });
            }
            finally
            {
                if (target is not null) await target.DisposeAsync();
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
            foreach (var (k, v) in f) engineJson[k] = v;
            if (errors.Count > 0)
            {
                engineJson["errors"] = errors;
                foreach (var (what, error) in errors) report.Note($"query {kind}, {what}: {error}");
            }
            json[kind.ToString()] = engineJson;
        }
        json["disagreements"] = CrossCheck(kinds, answers, counts, report);
        json["saves"] = await SavesAsync(options, root, kinds, figures, report);

        string section = $"queries ({n:N0} orders, {rawBytes / (double)n:F0} B avg; index [type, date])";
        Dictionary<EngineKind, double?> Row(string key) => kinds.ToDictionary(k => k, k => figures[k].GetValueOrDefault(key));
        report.Add(section, "batched load, docs/s (1,000 per batch)", Row("loadDocsPerSecond"));
        report.Add(section, "index build over the loaded docs, s", Row("indexBuildSeconds"), Report.AtMost(10.0 * n / 1_000_000, "< 10 s per 1M docs"));
        report.Add(section, "index bytes on disk", Row("indexBytes"), Report.AtMostTimesSqlite(0.5));
        report.Add(section, "index bytes per document", kinds.ToDictionary(k => k, k => figures[k].GetValueOrDefault("indexBytes") / n));
        report.Add(section, "query p50, ms (eq + range + desc, 100)", Row("queryP50Ms"), Report.AtMost(5, "< 5 ms"));
        report.Add(section, "query p90, ms", Row("queryP90Ms"));
        report.Add(section, "query p99, ms", Row("queryP99Ms"));
        report.Add(section, "queries/s, 1 caller, warm", Row("queriesPerSecond"), Report.All(Report.AtLeastTimesLiteDb(2), Report.AtLeastTimesSqlite(1)));
        report.Add(section, "count {type}, ms (median of 8 types)", Row("countMs"));
        report.Add(section, "full scan {customer} limit 100, ms", Row("fullScanMs"));

        string saves = $"durable saves, 1 caller: no index vs 2 ([type,date] + [customer]), {options.Seconds:0.#} s each, interleaved";
        report.Add(saves, "saves/s, no index", Row("savesNoIndex"));
        report.Add(saves, "saves/s, 2 indexes", Row("savesTwoIndexes"));
        report.Add(saves, "2 indexes / no index", Row("savesRatio"), Report.AtLeast(0.7, "≥ 0.7× without"));
        return json;
    }

    private static Task<QueryTarget> OpenAsync(EngineKind kind, string dir, bool durable) => kind switch
    {
        EngineKind.MyNoSql => QueryMyNoSql.OpenAsync(dir, durable),
        EngineKind.Sqlite => QuerySqlite.OpenAsync(dir, durable),
        _ => QueryLiteDb.OpenAsync(dir, durable),
    };

    /// <summary>The (type, since) pairs of the measured queries: the same sequence for every engine.</summary>
    internal static List<(string Type, string Since)> Workload(int count, int seed)
    {
        var rng = new Random(seed);
        long spanMs = (long)Datasets.OrderSpan.TotalMilliseconds;
        return [.. Enumerable.Range(0, count).Select(_ =>
            (Datasets.OrderTypes[rng.Next(Datasets.OrderTypes.Length)], Datasets.IsoDate(Datasets.OrderEpoch.AddMilliseconds(rng.NextInt64(spanMs)))))];
    }

    /// <summary>
    /// The first queries' answers (as id sets: documents with the same date may come in either order) and the counts
    /// must agree across engines, or the figures compare different work.
    /// </summary>
    private static JsonArray CrossCheck(IReadOnlyList<EngineKind> kinds, Dictionary<EngineKind, List<string[]>> answers,
        Dictionary<EngineKind, Dictionary<string, long>> counts, Report report)
    {
        var disagreements = new JsonArray();
        var withAnswers = kinds.Where(k => answers[k].Count > 0).ToList();
        for (int i = 1; i < withAnswers.Count; i++)
        {
            EngineKind a = withAnswers[0], b = withAnswers[i];
            for (int q = 0; q < Math.Min(answers[a].Count, answers[b].Count); q++)
            {
                if (answers[a][q].ToHashSet().SetEquals(answers[b][q])) continue;
                disagreements.Add($"query {q}: {a} returned {answers[a][q].Length} docs, {b} {answers[b][q].Length}, not the same ids");
            }
            foreach (var (type, count) in counts[a])
                if (counts[b].TryGetValue(type, out long other) && other != count)
                    disagreements.Add($"count of {type}: {a} {count:N0}, {b} {other:N0}");
        }
        foreach (var d in disagreements) report.Note($"engines disagree: {d}");
        return disagreements;
    }

    /// <summary>
    /// Durable single-caller saves into fresh databases with no index and with two ([type,date] and [customer]),
    /// every variant taking turns (MyNoSql and SQLite; LiteDB's few hundred commits/s would say nothing).
    /// </summary>
    private static async Task<JsonObject> SavesAsync(BenchOptions options, string root, IReadOnlyList<EngineKind> kinds,
        Dictionary<EngineKind, Dictionary<string, double?>> figures, Report report)
    {
        var duration = TimeSpan.FromSeconds(options.Seconds);
        // More documents than the fastest variant can save in its share of the time (ANCHORS: < 10k durable saves/s).
        var docs = Datasets.OrdersStream((int)(options.Seconds * 12_000), seed: 13).ToList();
        var variants = new List<InterleavedVariant>();
        foreach (var kind in kinds.Where(k => k != EngineKind.LiteDb))
        {
            variants.Add(new($"{kind} no index", () => Measure.OpenAsync(kind, Path.Combine(root, $"saves-{kind}-plain"), durable: true)));
            variants.Add(new($"{kind} 2 indexes", async () =>
            {
                var target = await OpenAsync(kind, Path.Combine(root, $"saves-{kind}-indexed"), durable: true);
                try
                {
                    await target.CreateTypeDateIndexAsync();
                    await target.CreateCustomerIndexAsync();
                    return target;
                }
                catch
                {
                    await target.DisposeAsync();
                    throw;
                }
            }));
        }
        var json = new JsonObject();
        if (variants.Count == 0) return json;
        Progress.Say($"query: durable saves with and without indexes, {variants.Count} databases alternating in slices of {duration.TotalSeconds / 5:0.#} s");
        var (medians, errors) = await Interleaved.MediansAsync(variants, docs, callers: 1, duration / 5);
        foreach (var kind in kinds.Where(k => k != EngineKind.LiteDb))
        {
            double? plain = medians[$"{kind} no index"], indexed = medians[$"{kind} 2 indexes"];
            figures[kind]["savesNoIndex"] = plain;
            figures[kind]["savesTwoIndexes"] = indexed;
            figures[kind]["savesRatio"] = plain is > 0 && indexed is { } i ? i / plain : null;
        }
        foreach (var (label, median) in medians) json[label] = median;
        foreach (var (label, error) in errors)
        {
            json[$"{label} error"] = error;
            report.Note($"query saves, {label}: {error}");
        }
        return json;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Bench;
using MyNoSql.Bench.Engines;

// Peer engine benchmark: MyNoSql next to SQLite and LiteDB on the same generated data, in one run.
// Progress goes to stderr; the tables to stdout; raw figures to bench/results/<utc>.json and latest.json
// (the query mode, --query: bench/results/query-<utc>.json and query-latest.json; the history mode, --history:
// bench/results/history-<utc>.json and history-latest.json).
if (args.Length > 0 && args[0] == "child-open") return await LargeChild.RunAsync(args);
if (args.Length > 0 && args[0] == "child-fresh") return await FreshChild.RunAsync(args);
if (args.Length > 0 && args[0] == "merge") return MergeBench.Run();
if (args.Length > 0 && args[0] == "steady") return await SteadyProbe.RunAsync(args);
if (args.Length > 0 && args[0] == "reopen") return await ReopenProbe.RunAsync(args);
if (args.Length > 0 && args[0] == "reads") return await ReadProbe.RunAsync(args);

var options = BenchOptions.Parse(args);
// SQLite and LiteDB block their callers: give 16 concurrent callers real threads on a 2-core pool.
ThreadPool.SetMinThreads(64, 64);
var root = Path.Combine(Path.GetTempPath(), "mynosql-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
var results = new JsonObject
{
    ["machine"] = new JsonObject
    {
        ["cores"] = Environment.ProcessorCount,
        ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        ["dotnet"] = Environment.Version.ToString(),
        ["utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    },
    ["options"] = options.History
        ? JsonSerializer.SerializeToNode(new { options.HistoryN, options.HistoryFields, options.Quick })
        : options.Query
        ? JsonSerializer.SerializeToNode(new { options.QueryN, options.Queries, options.Seconds, options.Quick, Engines = options.Engines.Select(e => e.ToString()) })
        : JsonSerializer.SerializeToNode(new { options.N, options.Large, options.Seconds, options.Quick, options.FreshOnly, options.FreshRounds, options.FreshSaves, options.FreshSeconds }),
    ["loadAverage"] = LoadAverage.Now(),
};
var report = new Report();
try
{
    if (options.QueryProfile)
    {
        await QueryProfile.RunAsync(options, root);
        return 0;
    }
    if (options.History)
    {
        results["history"] = await HistoryRun.RunAsync(options, root, report);
    }
    else if (options.Query)
    {
        // Fail in seconds, not after loading a million documents into the baselines, while the query engine is missing.
        if (options.Engines.Contains(EngineKind.MyNoSql) && await QueryRun.PreflightAsync(root) is { } missing)
        {
            Console.Error.WriteLine($"query bench: MyNoSql's query path does not work yet: {missing}");
            Console.Error.WriteLine("query bench: it needs the query engine and secondary indexes; --engines sqlite,litedb measures the baselines alone.");
            return 2;
        }
        results["query"] = await QueryRun.RunAsync(options, root, report);
    }
    else
    {
        foreach (var name in Datasets.Names)
        {
            if (options.Only is not null && options.Only != name) continue;
            var sizes = Datasets.ByName(name, 1000).Select(d => System.Text.Encoding.UTF8.GetByteCount(d.ToJsonString())).ToList();
            var dataset = new JsonObject { ["avgBytesFirst1000"] = sizes.Average(), ["minBytes"] = sizes.Min(), ["maxBytes"] = sizes.Max() };
            results[name] = dataset;
            if (!options.NoFresh) dataset["fresh"] = await FreshRun.RunAsync(name, sizes.Average(), options, root, report);
            if (options.FreshOnly) continue;
            Progress.Say($"{name}: generating {options.N:N0} documents");
            var docs = Datasets.ByName(name, options.N);
            dataset["warm"] = await DatasetRun.RunAsync(name, docs, options, root, report);
        }
        if (options.Only is null or "iot" && !options.FreshOnly && !options.NoLarge)
            results["large"] = await LargeRun.RunAsync(options, root, report);
    }
}
finally
{
    try { Directory.Delete(root, recursive: true); } catch (IOException) { }
}

results["loadAverageAtEnd"] = LoadAverage.Now();
results["goals"] = report.GoalsJson();
report.Print(Console.Out);
Console.WriteLine($"load average (1/5/15 min): at start {results["loadAverage"]}, at end {results["loadAverageAtEnd"]}");
Console.WriteLine($"JSON: {Report.Save(results, options.Out, options.History ? "history-" : options.Query ? "query-" : "")}");
return 0;

internal static class LoadAverage
{
    /// <summary>The 1/5/15-minute load averages from /proc/loadavg (null where absent): the machine is shared.</summary>
    public static string? Now()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]); }
        catch (IOException) { return null; }
    }
}

internal static class Progress
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    public static void Say(string message) => Console.Error.WriteLine($"[{Clock.Elapsed.TotalSeconds,7:F1}s] {message}");
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>A large IoT database per engine; then a fresh child process measures open time and peak RSS.</summary>
internal static class LargeRun
{
    public static async Task<JsonObject> RunAsync(BenchOptions options, string root, Report report)
    {
        var kinds = new List<EngineKind> { EngineKind.MyNoSql, EngineKind.Sqlite };
        if (!options.SkipLargeLiteDb) kinds.Add(EngineKind.LiteDb);
        var json = new JsonObject { ["records"] = options.Large };
        var open = new Dictionary<EngineKind, double?>();
        var rss = new Dictionary<EngineKind, double?>();
        var reads = new Dictionary<EngineKind, double?>();
        var closeSeconds = new Dictionary<EngineKind, double?>();
        foreach (var kind in kinds)
        {
            string dir = Path.Combine(root, $"large-{kind}");
            string idsFile = Path.Combine(root, $"large-{kind}.ids");
            try
            {
                var load = Stopwatch.StartNew();
                var sample = new List<string>();
                var close = new Stopwatch();
                await using (var engine = await Measure.OpenAsync(kind, dir, durable: true))
                {
                    var batch = new List<(string, JsonObject)>(1000);
                    int n = 0;
                    foreach (var doc in Datasets.IotStream(options.Large))
                    {
                        string id = (string)doc["id"]!;
                        if (n++ % 100 == 0) sample.Add(id);
                        batch.Add((id, doc));
                        if (batch.Count == 1000)
                        {
                            await engine.SaveBatchAsync(batch);
                            batch.Clear();
                            if (n % 100_000 == 0) Progress.Say($"large {kind}: {n:N0} of {options.Large:N0} loaded");
                        }
                    }
                    if (batch.Count > 0) await engine.SaveBatchAsync(batch);
                    Progress.Say($"large {kind}: closing");
                    close = Stopwatch.StartNew();
                }
                close.Stop();
                Progress.Say($"large {kind}: closed in {close.Elapsed.TotalSeconds:F2} s");
                File.WriteAllLines(idsFile, sample);
                Measure.EvictPageCache(dir);
                var child = await ChildProcess.RunAsync("child-open", kind.ToString(), dir, idsFile);
                json[kind.ToString()] = new JsonObject
                {
                    ["loadAndCloseSeconds"] = load.Elapsed.TotalSeconds,
                    ["closeSeconds"] = close.Elapsed.TotalSeconds,
                    ["bytesOnDisk"] = Measure.DirectoryBytes(dir),
                    ["child"] = child,
                };
                closeSeconds[kind] = close.Elapsed.TotalSeconds;
                open[kind] = (double?)child["openAndFirstReadMs"];
                rss[kind] = (double?)child["peakRssBytes"] / (1024.0 * 1024);
                reads[kind] = (double?)child["randomReadsPerSecond"];
            }
            catch (Exception e)
            {
                Progress.Say($"large {kind} failed: {e.Message}");
                json[kind.ToString()] = new JsonObject { ["error"] = e.Message };
            }
            finally
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }
        string section = $"large IoT database ({options.Large:N0} records), fresh process";
        report.Add(section, "close after loading, s", closeSeconds, Report.AtMost(1, "≤ 1 s"));
        report.Add(section, "open + first read (page cache dropped), ms", open, Report.AtMost(1000, "< 1,000 ms"));
        report.Add(section, "peak RSS after 10k random reads, MB", rss, Report.AtMost(200, "< 200 MB"));
        report.Add(section, "random reads/s in the fresh process", reads);
        return json;
    }
}

/// <summary>The child side: open, read one record (timed), read the sample at random, report peak RSS.</summary>
internal static class LargeChild
{
    public static async Task<int> RunAsync(string[] args)
    {
        var kind = Enum.Parse<EngineKind>(args[1]);
        var ids = File.ReadAllLines(args[3]);
        var sw = Stopwatch.StartNew();
        await using var engine = await Measure.OpenAsync(kind, args[2], durable: true);
        _ = await engine.ReadAsync(ids[0]) ?? throw new InvalidOperationException("first record missing");
        double openMs = sw.Elapsed.TotalMilliseconds;
        int count = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : Math.Min(10_000, ids.Length * 4);
        double rate = await Measure.ReadsAsync(engine, ids, count, seed: 5);
        Console.WriteLine(new JsonObject
        {
            ["openAndFirstReadMs"] = openMs,
            ["randomReadsPerSecond"] = rate,
            ["peakRssBytes"] = Measure.PeakRss(),
        }.ToJsonString());
        return 0;
    }
}

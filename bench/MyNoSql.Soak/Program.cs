using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Soak;

// Soak (issue 5, item 5): mirror processes + one peer process under mixed load for a fixed time, RSS of every process
// sampled from /proc/<pid>/status. Fails (exit 1) when any process's RSS grew more than --threshold % after warm-up, or
// when any error appeared (unexpected HTTP answer, a mirror's "fail:" log line, a peer sync error). bench/README.soak.md.
if (args.Length == 2 && args[0] == "--heap-of")
{
    // Diagnostics: live objects by type of one process.
    foreach (var (type, (count, bytes)) in HeapStats.Live(int.Parse(args[1], CultureInfo.InvariantCulture)).OrderByDescending(t => t.Value.Bytes).Take(25))
        Console.WriteLine($"{bytes / 1024.0,10:F0} KB {count,9}  {type}");
    return 0;
}
var options = SoakOptions.Parse(args, out var error);
if (args.Contains("--help"))
{
    Console.WriteLine(SoakOptions.Usage);
    return 0;
}
if (options is null)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(SoakOptions.Usage);
    return 2;
}

var clock = Stopwatch.StartNew();
void Say(string s) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,7:F1}s] {s}");
string root = Path.Combine(Path.GetTempPath(), "mynosql-soak-" + Guid.NewGuid().ToString("N")[..8]);
var processes = new List<ChildProcess>();
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
try
{
    // Mirrors: the first is the primary (localhost clustering); the others join it.
    var urls = new List<string>();
    int primarySiloPort = 0;
    for (int i = 0; i < options.Mirrors; i++)
    {
        int httpPort = ChildProcess.FreePort(), siloPort = ChildProcess.FreePort(), gatewayPort = ChildProcess.FreePort();
        var a = new List<string> { "--data", Path.Combine(root, $"mirror-{i}"), "--http-port", $"{httpPort}", "--silo-port", $"{siloPort}", "--gateway-port", $"{gatewayPort}" };
        if (i == 0) primarySiloPort = siloPort;
        else a.AddRange(["--primary", $"127.0.0.1:{primarySiloPort}"]);
        processes.Add(ChildProcess.Start($"mirror-{i}", options.SiloDll, a));
        urls.Add($"http://127.0.0.1:{httpPort}");
        if (i == 0) await WaitMirrorsAsync(urls[0], 1);
    }
    foreach (var u in urls) await WaitMirrorsAsync(u, options.Mirrors);
    Say($"{options.Mirrors} mirror(s) up: {string.Join(", ", urls)}");

    var peerArgs = new List<string> { "--data", Path.Combine(root, "peer"), "--db", "soakpeer", "--prefix", "peer/", "--keys", $"{options.PeerKeys}",
        "--batch", "10", "--pause-ms", "100", "--seed", "1" };
    foreach (var u in urls) peerArgs.AddRange(["--mirror", u]);
    var peer = ChildProcess.Start("peer", options.PeerDll, peerArgs);
    processes.Add(peer);

    var load = new HttpMix(urls, "soak", options.Callers, options.Keys, options.Rate);
    using var stop = new CancellationTokenSource();
    var loadTask = load.RunAsync(stop.Token);
    var duration = TimeSpan.FromMinutes(options.Minutes);
    Say($"mixed load for {duration.TotalMinutes} min ({options.Callers} callers, {(options.Rate > 0 ? $"{options.Rate} ops/s" : "unpaced")}, {options.Keys} records; " +
        $"peer: {options.PeerKeys} records); warm-up {options.WarmupSeconds} s; RSS every {options.SampleSeconds} s");

    var samples = new List<(double T, long Ops, (long Total, long Anon, long File, long Shmem)?[] Rss, MirrorMemory?[] Gc)>();
    var heapBefore = new Dictionary<string, (long Count, long Bytes)>?[processes.Count];
    bool heapTaken = false;
    var heapJson = new JsonObject();
    var started = clock.Elapsed;
    long lastOps = 0;
    double lastT = 0;
    while (clock.Elapsed - started < duration)
    {
        await Task.Delay(TimeSpan.FromSeconds(options.SampleSeconds));
        double t = (clock.Elapsed - started).TotalSeconds;
        var rss = processes.Select(p => p.Rss()).ToArray();
        long ops = load.Total;
        var gc = await Task.WhenAll(urls.Select(u => MirrorMemory.ReadAsync(http, u)));
        samples.Add((t, ops, rss, gc));
        int logErrors = processes.Sum(p => p.ErrorLines);
        Say($"t={t,5:F0}s ops/s {(ops - lastOps) / (t - lastT),6:F0}  errors http {load.ErrorCount} logs {logErrors}  peer rounds {peer.AckedRounds}  RSS MB " +
            string.Join(" ", processes.Select((p, i) => $"{p.Name} {Mb(rss[i]?.Total)}")) + "  GC MB " + string.Join("; ", gc.Select((g, i) => $"{i}: {g?.ToString() ?? "-"}")));
        (lastOps, lastT) = (ops, t);
        if (processes.FirstOrDefault(p => p.HasExited) is { } dead) throw new InvalidOperationException($"{dead.Name} exited:\n{dead.Tail}");
        if (options.HeapStats && !heapTaken && t >= options.WarmupSeconds)
        {
            heapTaken = true;
            TakeHeaps(heapBefore, "after warm-up");
        }
    }
    if (options.HeapStats && heapBefore.Any(h => h is not null))
    {
        var heapAfter = new Dictionary<string, (long Count, long Bytes)>?[processes.Count];
        TakeHeaps(heapAfter, "at the end");
        for (int i = 0; i < processes.Count; i++)
        {
            if (heapBefore[i] is not { } before || heapAfter[i] is not { } after) continue;
            Console.WriteLine($"{processes[i].Name}: live heap {HeapStats.LiveBytes(before) / 1048576.0:F1} MB after warm-up → {HeapStats.LiveBytes(after) / 1048576.0:F1} MB at the end; " +
                $"GC committed {HeapStats.Committed(before) / 1048576.0:F1} → {HeapStats.Committed(after) / 1048576.0:F1} MB; types that grew most (bytes, objects):");
            var rowsJson = new JsonArray();
            foreach (var g in HeapStats.Growth(before, after, 12))
            {
                Console.WriteLine($"  {g.BytesGrowth / 1024.0,10:+0.0;-0.0} KB {g.CountGrowth,9:+0;-0} objects  now {g.Bytes / 1024.0,10:F0} KB {g.Count,9}  {g.Type}");
                rowsJson.Add(new JsonObject { ["type"] = g.Type, ["bytes"] = g.Bytes, ["count"] = g.Count, ["bytesGrowth"] = g.BytesGrowth, ["countGrowth"] = g.CountGrowth });
            }
            heapJson[processes[i].Name] = new JsonObject
            {
                ["liveBytesAfterWarmup"] = HeapStats.LiveBytes(before), ["liveBytesEnd"] = HeapStats.LiveBytes(after),
                ["gcCommittedAfterWarmup"] = HeapStats.Committed(before), ["gcCommittedEnd"] = HeapStats.Committed(after), ["topGrowth"] = rowsJson,
            };
        }
    }
    await stop.CancelAsync();
    await loadTask;
    double seconds = (clock.Elapsed - started).TotalSeconds;

    // Baseline: median of the samples in the first minute after warm-up; end: median of the last minute's samples.
    double window = Math.Min(60, (duration.TotalSeconds - options.WarmupSeconds) / 3);
    var rows = new List<JsonObject>();
    bool grew = false;
    Console.WriteLine();
    Console.WriteLine($"| process | RSS after warm-up (MB) | RSS at end (MB) | growth | trend, 2nd half after warm-up (MB/h) | max after warm-up (MB) | anon / file / shmem after warm-up → end (MB) |");
    Console.WriteLine($"|---|---|---|---|---|---|---|");
    for (int i = 0; i < processes.Count; i++)
    {
        var after = samples.Where(s => s.T >= options.WarmupSeconds && s.Rss[i] is not null).ToList();
        var first = after.Where(s => s.T < options.WarmupSeconds + window).ToList();
        var last = after.Where(s => s.T >= seconds - window).ToList();
        double baseline = Median(first.Select(s => (double)s.Rss[i]!.Value.Total));
        double end = Median(last.Select(s => (double)s.Rss[i]!.Value.Total));
        double max = after.Count == 0 ? 0 : after.Max(s => (double)s.Rss[i]!.Value.Total);
        double growth = baseline > 0 ? (end - baseline) / baseline * 100 : 0;
        string parts = $"{Mb(Median(first.Select(s => (double)s.Rss[i]!.Value.Anon)))} / {Mb(Median(first.Select(s => (double)s.Rss[i]!.Value.File)))} / {Mb(Median(first.Select(s => (double)s.Rss[i]!.Value.Shmem)))} → " +
            $"{Mb(Median(last.Select(s => (double)s.Rss[i]!.Value.Anon)))} / {Mb(Median(last.Select(s => (double)s.Rss[i]!.Value.File)))} / {Mb(Median(last.Select(s => (double)s.Rss[i]!.Value.Shmem)))}";
        if (growth > options.ThresholdPercent) grew = true;
        // Least-squares slope over the second half of the post-warm-up samples: whether RSS is still climbing at the end.
        var tail = after.Where(x => x.T >= (options.WarmupSeconds + seconds) / 2).ToList();
        double trend = Slope(tail.Select(x => (x.T, x.Rss[i]!.Value.Total / 1048576.0)).ToList()) * 3600;
        Console.WriteLine($"| {processes[i].Name} | {baseline / 1048576:F1} | {end / 1048576:F1} | {growth:+0.0;-0.0} % | {trend:+0.0;-0.0} | {max / 1048576:F1} | {parts} |");
        rows.Add(new JsonObject
        {
            ["process"] = processes[i].Name, ["rssAfterWarmupMB"] = Math.Round(baseline / 1048576, 1), ["rssEndMB"] = Math.Round(end / 1048576, 1),
            ["growthPercent"] = Math.Round(growth, 1), ["trendSecondHalfMBPerHour"] = Math.Round(trend, 1), ["rssMaxMB"] = Math.Round(max / 1048576, 1), ["anonFileShmemMB"] = parts,
            ["logErrors"] = processes[i].ErrorLines, ["logWarnings"] = processes[i].WarningLines,
        });
    }
    Console.WriteLine();
    Console.WriteLine($"HTTP: {load.Total} operations in {seconds:F0} s = {load.Total / seconds:F0} ops/s (" +
        string.Join(", ", load.Ops.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}")) + ")");
    Console.WriteLine($"peer: {peer.AckedRounds} sync rounds that emptied the outbox ({peer.AckedRounds / seconds:F1}/s)");
    Console.WriteLine($"errors: HTTP {(load.ErrorCount == 0 ? "none" : string.Join(", ", load.Errors.Select(e => $"{e.Key}: {e.Value}")))}; " +
        $"log lines {string.Join(", ", processes.Select(p => $"{p.Name} {p.ErrorLines}"))}");
    foreach (var e in load.FirstErrors) Console.WriteLine("  " + e);
    foreach (var p in processes) foreach (var e in p.FirstErrors) Console.WriteLine($"  {p.Name}: {e}");

    int errors = (int)load.ErrorCount + processes.Sum(p => p.ErrorLines);
    bool ok = errors == 0 && !grew;
    var json = new JsonObject
    {
        ["utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        ["minutes"] = options.Minutes, ["mirrors"] = options.Mirrors, ["callers"] = options.Callers, ["rate"] = options.Rate, ["keys"] = options.Keys,
        ["peerKeys"] = options.PeerKeys, ["warmupSeconds"] = options.WarmupSeconds, ["thresholdPercent"] = options.ThresholdPercent,
        ["cores"] = Environment.ProcessorCount, ["httpOps"] = load.Total, ["httpOpsPerSecond"] = Math.Round(load.Total / seconds, 1),
        ["opsByKind"] = new JsonObject(load.Ops.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)o.Value))),
        ["httpErrors"] = new JsonObject(load.Errors.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)o.Value))),
        ["peerSyncRounds"] = peer.AckedRounds, ["processes"] = new JsonArray([.. rows]), ["heap"] = heapJson,
        ["samples"] = new JsonArray([.. samples.Select(s => (JsonNode)new JsonObject
        {
            ["t"] = Math.Round(s.T, 1), ["ops"] = s.Ops,
            ["rssMB"] = new JsonArray([.. s.Rss.Select(r => (JsonNode?)(r is null ? null : Math.Round(r.Value.Total / 1048576.0, 1)))]),
            ["anonMB"] = new JsonArray([.. s.Rss.Select(r => (JsonNode?)(r is null ? null : Math.Round(r.Value.Anon / 1048576.0, 1)))]),
            ["gcHeapMB"] = new JsonArray([.. s.Gc.Select(g => (JsonNode?)(g is null ? null : Math.Round(g.GcHeap / 1048576.0, 1)))]),
            ["gcCommittedMB"] = new JsonArray([.. s.Gc.Select(g => (JsonNode?)(g is null ? null : Math.Round(g.GcCommitted / 1048576.0, 1)))]),
            ["gcFragmentedMB"] = new JsonArray([.. s.Gc.Select(g => (JsonNode?)(g is null ? null : Math.Round(g.GcFragmented / 1048576.0, 1)))]),
            ["gen2Collections"] = new JsonArray([.. s.Gc.Select(g => (JsonNode?)g?.Gen2)]),
        })]),
        ["passed"] = ok,
    };
    Directory.CreateDirectory(options.OutDir);
    string file = Path.Combine(options.OutDir, $"soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
    await File.WriteAllTextAsync(file, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"{(ok ? "PASSED" : "FAILED")}: {errors} errors, RSS growth limit {options.ThresholdPercent} % {(grew ? "exceeded" : "kept")}; wrote {file}");

    // Clean stop: the peer first (it closes its database), then the mirrors, joiners before the primary.
    peer.CloseInput();
    await peer.WaitAsync(TimeSpan.FromSeconds(60));
    for (int i = options.Mirrors - 1; i >= 0; i--) await processes[i].StopAsync(TimeSpan.FromSeconds(60));
    return ok ? 0 : 1;
}
finally
{
    foreach (var p in processes) await p.DisposeAsync();
    try { Directory.Delete(root, recursive: true); }
    catch (IOException) { }
}

void TakeHeaps(Dictionary<string, (long Count, long Bytes)>?[] into, string when)
{
    for (int i = 0; i < processes.Count; i++)
    {
        var watch = Stopwatch.StartNew();
        int pid = processes[i].Pid;
        var walk = Task.Run(() => HeapStats.Live(pid));
        // A walk that hangs (seen once in ClrMD) keeps that process suspended: give up on it; the stop at the end kills it.
        if (!walk.Wait(TimeSpan.FromSeconds(90)))
        {
            Say($"heap of {processes[i].Name} {when}: the walk did not finish in 90 s; skipped");
            continue;
        }
        into[i] = walk.Result;
        Say($"heap of {processes[i].Name} {when}: {HeapStats.LiveBytes(walk.Result) / 1048576.0:F1} MB live, GC committed {HeapStats.Committed(walk.Result) / 1048576.0:F1} MB ({watch.Elapsed.TotalSeconds:F1} s)");
    }
}

async Task WaitMirrorsAsync(string url, int count)
{
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < TimeSpan.FromSeconds(90))
    {
        try
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync($"{url}/mirrors"));
            if (doc.RootElement.GetArrayLength() >= count) return;
        }
        catch (HttpRequestException) { }
        catch (TaskCanceledException) { }
        await Task.Delay(200);
    }
    throw new TimeoutException($"{url} did not list {count} mirrors within 90 s:\n{string.Join("\n---\n", processes.Select(p => p.Tail))}");
}

static double Slope(List<(double X, double Y)> points)
{
    if (points.Count < 2) return 0;
    double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
    double sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
    return sxx == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
}

static double Median(IEnumerable<double> values)
{
    var v = values.Order().ToArray();
    return v.Length == 0 ? 0 : v[v.Length / 2];
}

static string Mb(double? bytes) => bytes is null ? "-" : (bytes.Value / 1048576.0).ToString("F0", CultureInfo.InvariantCulture);

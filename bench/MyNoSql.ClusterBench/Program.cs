using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MyNoSql.ClusterBench;
using MyNoSql.Grains;

// Cluster benchmark (issue 3): real src/Silo processes on loopback, 1 and 3 mirrors; saves/s and reads/s through the
// HTTP gateway and through an Orleans client with 1, 16 and 128 callers; the Kestrel → grain ping ceiling; replication
// lag to the last mirror; bytes on disk per mirror. Table to stdout, JSON to bench/results/cluster-<utc>.json.
// --query [--query-n N]: mirror _find latency and change-feed latency instead (QueryBench).
bool quick = args.Contains("--quick");
// --seconds N: each measured phase's length (default 3, --quick 1).
var seconds = TimeSpan.FromSeconds(args.SkipWhile(a => a != "--seconds").Skip(1).FirstOrDefault() is { } sec
    ? double.Parse(sec, CultureInfo.InvariantCulture) : quick ? 1 : 3);
int[] callerCounts = args.SkipWhile(a => a != "--callers").Skip(1).FirstOrDefault() is { } list
    ? [.. list.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]
    : quick ? [1, 16] : [1, 16, 128];
// --saves-only: skip pings and reads (a short locked run for the write path); --mirrors 1,3 picks the configurations.
bool savesOnly = args.Contains("--saves-only");
int[] mirrorCounts = args.SkipWhile(a => a != "--mirrors").Skip(1).FirstOrDefault() is { } ms
    ? [.. ms.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]
    : [1, 3];
string outDir = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? Path.Combine("bench", "results");
string siloDll = args.SkipWhile(a => a != "--silo").Skip(1).FirstOrDefault()
    ?? Path.GetFullPath(Path.Combine("src", "Silo", "bin", "Release", "net10.0", "MyNoSql.Silo.dll"));
if (!File.Exists(siloDll)) { Console.Error.WriteLine($"{siloDll} not found: run `dotnet build src/Silo -c Release` first (or pass --silo PATH)."); return 2; }
ThreadPool.SetMinThreads(256, 256);
// --silo-logs DIR: keep each mirror's console output (for diagnosis).
// --silo-env NAME=VALUE (repeatable): an environment variable for every mirror process only (A/B of runtime knobs).
for (int i = 0; i + 1 < args.Length; i++)
    if (args[i] == "--silo-env" && args[i + 1].Split('=', 2) is [var envName, var envValue]) SiloCluster.Environment[envName] = envValue;
if (args.SkipWhile(a => a != "--silo-logs").Skip(1).FirstOrDefault() is { } siloLogs) SiloCluster.LogDirectory = Directory.CreateDirectory(siloLogs).FullName;

var clock = Stopwatch.StartNew();
void Say(string s) => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {s}");
// --query: only issue 12's query and change-feed figures (their own table and JSON); --query-n N docs.
if (args.Contains("--query"))
{
    long n = long.Parse(args.SkipWhile(a => a != "--query-n").Skip(1).FirstOrDefault() ?? (quick ? "50000" : "1000000"), CultureInfo.InvariantCulture);
    return await QueryBench.RunAsync(siloDll, quick, n, outDir, Say);
}
// --locks: issue 15's lock acquire + release latency on 3 mirrors with its baselines (LockBench).
if (args.Contains("--locks")) return await LockBench.RunAsync(siloDll, quick, seconds, outDir, Say);
// --sustained SECONDS: memory and rate under new-record saves that go on (SustainedBench); --heap-limit-mib M, --sample S.
if (args.SkipWhile(a => a != "--sustained").Skip(1).FirstOrDefault() is { } sustained)
{
    string? limit = args.SkipWhile(a => a != "--heap-limit-mib").Skip(1).FirstOrDefault();
    string sample = args.SkipWhile(a => a != "--sample").Skip(1).FirstOrDefault() ?? "15";
    return await SustainedBench.RunAsync(siloDll, mirrorCounts[0], args.Contains("--callers") ? callerCounts[0] : 64,
        TimeSpan.FromSeconds(double.Parse(sustained, CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(double.Parse(sample, CultureInfo.InvariantCulture)),
        limit is null ? null : int.Parse(limit, CultureInfo.InvariantCulture), outDir, Say);
}
var rows = new List<(string Config, string Path, string Op, int Callers, Load.Result R, Cpu Cpu)>();
// Each row is also printed as soon as it is measured, so a run cut short (a cluster that did not start) keeps its figures.
void AddRow((string Config, string Path, string Op, int Callers, Load.Result R, Cpu Cpu) r)
{
    rows.Add(r);
    Say(string.Create(CultureInfo.InvariantCulture, $"row: {r.Config} | {r.Path} | {r.Op} | {r.Callers} | {r.R.PerSecond:N0}/s | p50 {r.R.P50Ms:F2} | p99 {r.R.P99Ms:F2} | errors {r.R.Errors} | silos {r.Cpu.SilosUs:F0} µs | bench {r.Cpu.BenchUs:F0} µs"));
}
// --warmup N: seconds of each warm-up step (default 2; the JIT's tier-up of a fresh silo takes longer on a loaded machine).
var warmup = TimeSpan.FromSeconds(args.SkipWhile(a => a != "--warmup").Skip(1).FirstOrDefault() is { } wu ? double.Parse(wu, CultureInfo.InvariantCulture) : 2);
var results = new JsonObject { ["utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture), ["cores"] = Environment.ProcessorCount };
var lagJson = new JsonObject();
var diskJson = new JsonObject();

// PUT of a record (with the rev it replaces, or none); the new rev, or null when it was not saved.
async Task<string?> PutAsync(HttpClient http, string url, byte[] doc, string? rev)
{
    var body = JsonNode.Parse(doc)!.AsObject();
    if (rev is not null) body["rev"] = rev;
    using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
    using var r = await http.PutAsync(url, content);
    return r.StatusCode == HttpStatusCode.Created ? (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["rev"] : null;
}

byte[] Doc(long i) => Encoding.UTF8.GetBytes(
    $"{{\"sensor\":\"sensor-{i % 500:D4}\",\"ts\":{1_763_900_000_000 + i * 250},\"temperature\":{18 + i % 9}.{i % 100:D2},\"humidity\":{30 + i % 40}.5,\"status\":\"ok\",\"site\":\"plant-north\",\"battery\":3.{i % 1000:D3},\"location\":{{\"lat\":52.{i % 1000:D3},\"lon\":4.{i % 997:D3},\"floor\":{i % 4}}}}}");

// --replicas N (issue 18): every mirror count runs twice in the same run, full copies and --replicas N (with no more
// mirrors than N the option changes no path, which the pair shows). --abba: full, N, N, full (each config's two runs
// bracket the other's, so a drift of the machine's load over the run does not favour the config that ran first).
int replicas = int.Parse(args.SkipWhile(a => a != "--replicas").Skip(1).FirstOrDefault() ?? "0", CultureInfo.InvariantCulture);
bool abba = args.Contains("--abba");
// --rounds R: the whole sequence of configurations R times over (fresh clusters each time), so the goals below take the
// median of R runs of each figure and a ratio compares figures measured alternately, not minutes apart.
int rounds = int.Parse(args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
var configs = Enumerable.Range(1, rounds).SelectMany(round => mirrorCounts.SelectMany(m => (replicas == 0 ? [(m, 0, "")]
    : abba ? new[] { (m, 0, " (a)"), (m, replicas, " (a)"), (m, replicas, " (b)"), (m, 0, " (b)") }
    : [(m, 0, ""), (m, replicas, "")]).Select(c => (c.Item1, c.Item2, c.Item3 + (rounds > 1 ? $" #{round}" : "")))));
foreach (var (mirrors, n, pass) in configs)
{
    string config = $"{mirrors} mirror{(mirrors > 1 ? "s" : "")}{(n > 0 ? $", N={n}" : "")}{pass}";
    Say($"{config}: starting");
    await using var cluster = await SiloCluster.StartAsync(siloDll, mirrors, n > 0 ? ["--replicas", $"{n}"] : []);
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
    string Url(long i) => cluster.Urls[(int)(i % mirrors)];

    using var client = new HostBuilder().UseOrleansClient(c => c.UseLocalhostClustering(cluster.GatewayPorts.ToArray(), "mynosql", cluster.ClusterId)).Build();
    await client.StartAsync();
    var grains = client.Services.GetRequiredService<IClusterClient>();

    // Warm-up (JIT, connections, grain activations on every mirror): not measured.
    Say($"{config}: warm-up");
    await Load.RunAsync(8, warmup, async i => (await http.GetAsync($"{Url(i)}/_mirror/ping")).IsSuccessStatusCode);
    await Load.RunAsync(8, warmup, async i =>
    {
        using var content = new ByteArrayContent(Doc(i));
        content.Headers.ContentType = new("application/json");
        using var r = await http.PutAsync($"{Url(i)}/db/warmup/doc/w{i}", content);
        return (await http.GetAsync($"{Url(i)}/db/warmup/doc/w{i}")).IsSuccessStatusCode;
    });
    await Load.RunAsync(8, warmup / 2, async i => await grains.GetGrain<IRecordGrain>(RecordKey.For("warmup", $"w{i}")).Read() is not null);

    // CPU of the silos and of this process per operation of a phase (µs): what a save costs, less inflated by other load.
    async Task<(Load.Result, Cpu)> Timed(Func<Task<Load.Result>> phase)
    {
        var silos = cluster.CpuTime();
        var self = Process.GetCurrentProcess().TotalProcessorTime;
        var r = await phase();
        double ops = Math.Max(1, r.PerSecond * seconds.TotalSeconds);
        return (r, new Cpu((cluster.CpuTime() - silos).TotalMicroseconds / ops, (Process.GetCurrentProcess().TotalProcessorTime - self).TotalMicroseconds / ops));
    }

    foreach (int callers in callerCounts)
    {
        Say($"{config}: {callers} callers");
        string db = $"b{mirrors}c{callers}";
        if (!savesOnly)
        {
            var (ping, pingCpu) = await Timed(() => Load.RunAsync(callers, seconds, async i => (await http.GetAsync($"{Url(i)}/_mirror/ping")).StatusCode == HttpStatusCode.OK));
            AddRow((config, "HTTP", "ping (Kestrel → grain, no storage)", callers, ping, pingCpu));
            var (oping, opingCpu) = await Timed(() => Load.RunAsync(callers, seconds, async i => await grains.GetGrain<IPingGrain>(0).Ping(1) == 1));
            AddRow((config, "Orleans client", "ping grain", callers, oping, opingCpu));
        }

        var (saves, savesCpu) = await Timed(() => Load.RunAsync(callers, seconds, async i =>
        {
            using var content = new ByteArrayContent(Doc(i));
            content.Headers.ContentType = new("application/json");
            using var r = await http.PutAsync($"{Url(i)}/db/{db}/doc/h{i}", content);
            return r.StatusCode == HttpStatusCode.Created;
        }));
        AddRow((config, "HTTP", ClusterGoals.NewRecordHttp, callers, saves, savesCpu));
        // Updates: each caller rewrites a record of its own with the rev the previous save returned (an active record
        // grain: what a game or ledger does to a hot record, without the activation a new record pays).
        var revs = await Task.WhenAll(Enumerable.Range(0, callers).Select(c => PutAsync(http, $"{Url(c)}/db/{db}/doc/u{c}", Doc(c), null)));
        var (updates, updatesCpu) = await Timed(() => Load.RunAsync(callers, seconds, async (c, i) =>
            (revs[c] = await PutAsync(http, $"{Url(i)}/db/{db}/doc/u{c}", Doc(i), revs[c])) is not null));
        AddRow((config, "HTTP", ClusterGoals.UpdateHttp, callers, updates, updatesCpu));
        var (osaves, osavesCpu) = await Timed(() => Load.RunAsync(callers, seconds, async i =>
            (await grains.GetGrain<IRecordGrain>(RecordKey.For(db, $"o{i}")).Save(null, Doc(i))).Status == RecordStatus.Ok));
        AddRow((config, "Orleans client", ClusterGoals.NewRecordOrleans, callers, osaves, osavesCpu));
        if (savesOnly) continue;
        long saved = (long)(saves.PerSecond * seconds.TotalSeconds * 0.9);
        var rng = new Random(callers);
        var (reads, readsCpu) = await Timed(() => Load.RunAsync(callers, seconds, async i =>
        {
            long k; lock (rng) k = rng.NextInt64(Math.Max(1, saved));
            using var r = await http.GetAsync($"{Url(i)}/db/{db}/doc/h{k}");
            return r.StatusCode == HttpStatusCode.OK;
        }));
        AddRow((config, "HTTP", "read (GET)", callers, reads, readsCpu));

        long osaved = (long)(osaves.PerSecond * seconds.TotalSeconds * 0.9);
        var (oreads, oreadsCpu) = await Timed(() => Load.RunAsync(callers, seconds, async i =>
        {
            long k; lock (rng) k = rng.NextInt64(Math.Max(1, osaved));
            return await grains.GetGrain<IRecordGrain>(RecordKey.For(db, $"o{k}")).Read() is not null;
        }));
        AddRow((config, "Orleans client", "read", callers, oreads, oreadsCpu));
    }

    if (mirrors == 3 && !savesOnly)
        lagJson = await ReplicationLag.MeasureAsync(http, cluster, quick ? 100 : 200, TimeSpan.FromSeconds(quick ? 2 : 5), Doc, Say);
    // Each mirror's share of the databases written (GET /db/{db} disk_bytes, summed) and the records written (doc_count,
    // cluster-wide): bytes per mirror per record compare configs that wrote different numbers of records.
    string[] benchDbs = ["warmup", .. callerCounts.Select(c => $"b{mirrors}c{c}")];
    long records = 0;
    var shares = new long[mirrors];
    foreach (var benchDb in benchDbs)
    {
        for (int m = 0; m < mirrors; m++)
        {
            using var info = await http.GetAsync($"{cluster.Urls[m]}/db/{benchDb}");
            if (!info.IsSuccessStatusCode) continue;
            var json = JsonNode.Parse(await info.Content.ReadAsStringAsync())!;
            shares[m] += (long)json["disk_bytes"]!;
            if (m == 0) records += (long)json["doc_count"]!;
        }
    }
    Say($"{config}: {records} records written; disk_bytes per mirror {string.Join(", ", shares)} ({shares.Average() / Math.Max(1, records):F0} B per record written)");
    await client.StopAsync();
    Say($"{config}: stopping (SIGTERM)");
    var bytes = await cluster.StopAsync();
    diskJson[config] = new JsonObject
    {
        ["directoryBytes"] = new JsonArray(bytes.Select(b => (JsonNode)b).ToArray()),
        ["diskBytesShare"] = new JsonArray(shares.Select(b => (JsonNode)b).ToArray()),
        ["recordsWritten"] = records,
        ["shareBytesPerRecordWritten"] = Math.Round(shares.Average() / Math.Max(1, records), 1),
    };
}

Console.WriteLine($"| config | path | operation | callers | ops/s | p50 ms | p99 ms | errors | silos CPU µs/op | bench CPU µs/op |");
Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
foreach (var r in rows)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Config} | {r.Path} | {r.Op} | {r.Callers} | {r.R.PerSecond:N0} | {r.R.P50Ms:F2} | {r.R.P99Ms:F2} | {r.R.Errors} | {r.Cpu.SilosUs:F0} | {r.Cpu.BenchUs:F0} |"));
Console.WriteLine();
var goals = ClusterGoals.Evaluate(rows.Select(r => new ClusterGoals.Figure(r.Config, r.Path, r.Op, r.Callers, r.R.PerSecond, r.R.P50Ms)).ToList());
if (goals.Count > 0)
{
    Console.WriteLine($"Issue 14's cluster goals (medians over {rounds} round{(rounds > 1 ? "s" : "")}):");
    Console.WriteLine("| goal | figure | value | met |");
    Console.WriteLine("|---|---|---:|---|");
    foreach (var g in goals) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {g.Goal} | {g.Figure} | {g.Value:0.##} | {(g.Met ? "yes" : "NO")} |"));
    Console.WriteLine();
}
Console.WriteLine($"replication lag to the last mirror (3 mirrors, fixed load): {lagJson.ToJsonString()}");
Console.WriteLine($"bytes on disk per mirror after the run: {diskJson.ToJsonString()}");

results["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
{
    ["config"] = r.Config, ["path"] = r.Path, ["op"] = r.Op, ["callers"] = r.Callers,
    ["perSecond"] = Math.Round(r.R.PerSecond), ["p50Ms"] = r.R.P50Ms, ["p99Ms"] = r.R.P99Ms, ["errors"] = r.R.Errors,
    ["silosCpuUsPerOp"] = Math.Round(r.Cpu.SilosUs), ["benchCpuUsPerOp"] = Math.Round(r.Cpu.BenchUs),
}).ToArray());
results["goals"] = new JsonArray(goals.Select(g => (JsonNode)new JsonObject { ["goal"] = g.Goal, ["figure"] = g.Figure, ["value"] = Math.Round(g.Value, 3), ["met"] = g.Met }).ToArray());
results["rounds"] = rounds;
results["replicationLag"] = lagJson;
results["bytesOnDiskPerMirror"] = diskJson;
Directory.CreateDirectory(outDir);
string file = Path.Combine(outDir, $"cluster-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
File.WriteAllText(file, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
File.WriteAllText(Path.Combine(outDir, "cluster-latest.json"), results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"JSON: {file}");
return 0;

/// <summary>CPU per operation of a phase: the silo processes summed, and the bench process (the callers), in µs.</summary>
internal readonly record struct Cpu(double SilosUs, double BenchUs);

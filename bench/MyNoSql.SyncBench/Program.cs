using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.SyncBench;
using MyNoSql.Tests.Support;

// Sync benchmark (issue 4, item 6): MyNoSql peer ↔ real mirror process(es) against PouchDB 9.0.0 → express-pouchdb
// 4.2.0, same documents, same phases, in one run. Seconds and bytes on the wire each way per phase; a table to stdout,
// JSON to bench/results/sync-<utc>.json.
//   --docs N (default 100000) | --quick (10000) | --mirrors N (default 1) | --only mynosql|pouchdb | --out DIR
//   --mirror URL (use a mirror started by hand, e.g. to profile it; its database must be empty)
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
int docs = args.Contains("--quick") ? 10_000 : int.Parse(Arg("--docs") ?? "100000", CultureInfo.InvariantCulture);
int mirrors = int.Parse(Arg("--mirrors") ?? "1", CultureInfo.InvariantCulture);
string? only = Arg("--only");
string outDir = Arg("--out") ?? Path.Combine(RepoPaths.Root, "bench", "results");
if (!File.Exists(RepoPaths.SiloDll) && only != "pouchdb")
{
    Console.Error.WriteLine($"{RepoPaths.SiloDll} not found: run `dotnet build src/Silo -c Release` first.");
    return 2;
}

var clock = Stopwatch.StartNew();
void Say(string s) => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {s}");
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };

long rawBytes = 0;
for (int i = 0; i < docs; i++) rawBytes += Encoding.UTF8.GetByteCount(PlayerDocs.Create(i).ToJsonString());
Say($"{docs:N0} player docs, {rawBytes / 1e6:F1} MB of JSON ({(double)rawBytes / docs:F0} B each); {Environment.ProcessorCount} cores; load average {LoadAverage()}");

string loadAtStart = LoadAverage();
using var work = new TempDirectory("mynosql-syncbench-");
var my = new MyNoSqlRun(docs, mirrors, Path.Combine(work.Path, "mynosql"), Arg("--mirror"), s => Say("mynosql: " + s));
await using var pouch = new PouchRun(docs, Path.Combine(work.Path, "pouchdb"), Say);
// Phase pairs: MyNoSql phase, PouchDB phase, label. Side by side: each PouchDB phase runs right after the MyNoSql one.
(string My, string Pouch, string Label)[] pairs =
[
    ("initial push", "initial push", "initial push"),
    ("initial pull", "initial pull", "initial pull (empty Mirror-mode peer)"),
    ("1% push", "1% push", "1% changed: push round (A)"),
    ("1% pull", "1% pull", "1% changed: pull round (B)"),
    ("no-change round (A)", "no-change push", "no-change round (A; PouchDB: push)"),
    ("no-change round (B)", "no-change pull", "no-change round (B; PouchDB: pull)"),
];
switch (only)
{
    case "pouchdb":
        await pouch.RunAsync(cts.Token);
        break;
    case "mynosql":
        await my.RunAsync(null, null, cts.Token);
        break;
    default:
        Say($"MyNoSql ({mirrors} mirror process(es)) and PouchDB 9.0.0 → express-pouchdb 4.2.0, phase by phase");
        await my.RunAsync(pouch.StartAsync, async (name, ct) =>
        {
            var p = await pouch.RunPhaseAsync(pairs.Single(x => x.My == name).Pouch, ct);
            Say($"pouchdb: {p.Name}: {p.Seconds:F3} s, {p.Up:N0} B up, {p.Down:N0} B down");
        }, cts.Token);
        await pouch.FinishAsync(cts.Token);
        break;
}

// The goals of issue 4: initial push/pull ≥ 3× faster, push ≤ 0.25× upload bytes, 1% rounds ≤ 0.5× bytes (both
// directions), no-change round < 512 bytes both directions together.
var rows = new JsonArray();
var table = new StringBuilder();
table.AppendLine("| phase | MyNoSql s | PouchDB s | speed-up | MyNoSql bytes up / down | PouchDB bytes up / down | bytes ratio | goal |");
table.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
foreach (var (myName, pouchName, label) in pairs)
{
    var m = my.Phases.FirstOrDefault(p => p.Name == myName);
    var p = pouch.Phases.FirstOrDefault(p => p.Name == pouchName);
    double? speedup = m is not null && p is not null ? p.Seconds / m.Seconds : null;
    double? upRatio = m is not null && p is not null ? (double)m.Up / p.Up : null;
    double? bytesRatio = m is not null && p is not null ? (double)(m.Up + m.Down) / (p.Up + p.Down) : null;
    (string text, bool? met) goal = myName switch
    {
        "initial push" => ("≥ 3× faster, ≤ 0.25× up", speedup is null ? null : speedup >= 3 && upRatio <= 0.25),
        "initial pull" => ("≥ 3× faster", speedup is null ? null : speedup >= 3),
        "1% push" or "1% pull" => ("≤ 0.5× bytes", bytesRatio is null ? null : bytesRatio <= 0.5),
        _ => ("< 512 B both ways", m is null ? null : m.Up + m.Down < 512),
    };
    string ratioText = myName == "initial push" ? $"{F(upRatio, "F3")}× up, {F(bytesRatio, "F3")}× all" : $"{F(bytesRatio, "F3")}×";
    table.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {F(m?.Seconds, "F3")} | {F(p?.Seconds, "F3")} | {F(speedup, "F1")}× | {B(m)} | {B(p)} | {ratioText} | {goal.text}: {(goal.met is null ? "n/a" : goal.met.Value ? "met" : "MISSED")} |");
    rows.Add(new JsonObject
    {
        ["phase"] = label,
        ["mynosql"] = m is null ? null : new JsonObject { ["seconds"] = Math.Round(m.Seconds, 4), ["bytesUp"] = m.Up, ["bytesDown"] = m.Down, ["peerCpuSeconds"] = Math.Round(m.ClientCpu ?? 0, 2), ["mirrorCpuSeconds"] = Math.Round(m.ServerCpu ?? 0, 2) },
        ["pouchdb"] = p is null ? null : new JsonObject { ["seconds"] = Math.Round(p.Seconds, 4), ["bytesUp"] = p.Up, ["bytesDown"] = p.Down, ["requests"] = p.Requests, ["cpuSeconds"] = Math.Round(p.ClientCpu ?? 0, 2) },
        ["speedup"] = speedup is null ? null : Math.Round(speedup.Value, 2),
        ["bytesRatio"] = bytesRatio is null ? null : Math.Round(bytesRatio.Value, 4),
        ["uploadRatio"] = upRatio is null ? null : Math.Round(upRatio.Value, 4),
        ["goal"] = goal.text,
        ["goalMet"] = goal.met,
    });
}
Console.WriteLine();
Console.WriteLine($"Sync: {docs:N0} player docs ({(double)rawBytes / docs:F0} B JSON each, {rawBytes / 1e6:F1} MB), {mirrors} mirror(s); load average {LoadAverage()}");
Console.Write(table);

var results = new JsonObject
{
    ["utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    ["cores"] = Environment.ProcessorCount,
    ["loadAverageAtStart"] = loadAtStart,
    ["loadAverageAtEnd"] = LoadAverage(),
    ["docs"] = docs,
    ["rawJsonBytes"] = rawBytes,
    ["mirrors"] = mirrors,
    ["bytesCounted"] = "MyNoSql: at the peer's sockets (SocketsHttpHandler.ConnectCallback → counting stream), PouchDB: at express-pouchdb's server sockets; headers and bodies, both directions",
    ["rows"] = rows,
    ["mynosqlFacts"] = my.Facts,
    ["pouchdbFacts"] = pouch.Facts,
};
Directory.CreateDirectory(outDir);
string file = Path.Combine(outDir, $"sync-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
await File.WriteAllTextAsync(file, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
Console.WriteLine($"JSON: {file}");
return 0;

static string F(double? v, string format) => v is null ? "–" : v.Value.ToString(format, CultureInfo.InvariantCulture);

static string B(PhaseResult? p) => p is null ? "–" : $"{Size(p.Up)} / {Size(p.Down)}";

static string Size(long bytes) => bytes switch
{
    < 10_000 => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    < 10_000_000 => (bytes / 1e3).ToString("F1", CultureInfo.InvariantCulture) + " KB",
    _ => (bytes / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " MB",
};

static string LoadAverage()
{
    try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
    catch (IOException) { return "?"; }
}

// Import bench (issue 16 goal: `mynosql import` of NDJSON >= 0.8x the engine's batched save rate).
// In one run, alternating, on fresh databases in one temp folder:
//   engine: MyNoSqlDb.SaveDocsAsync in batches of 1,000 of records built in memory (the peer's batched save path,
//           as bench/MyNoSql.Bench "batched"), timed from the first batch to the last;
//   cli:    `mynosql import DB FILE --data DIR --json` through the CLI's entry point (CliApp.RunAsync) in this process,
//           timed whole: open, read + parse the NDJSON file, save, close.
// Usage: dotnet run -c Release --project bench/MyNoSql.ImportBench -- [--records N] [--rounds R] [--dir DIR]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql;
using MyNoSql.Cli;

int records = 1_000_000, rounds = 2;
string root = Path.Combine(Path.GetTempPath(), "mynosql-importbench-" + Guid.NewGuid().ToString("N")[..8]);
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--records": records = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--dir": root = args[++i]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
Directory.CreateDirectory(root);
try
{
    string file = Path.Combine(root, "records.ndjson");
    await using (var w = new StreamWriter(file, false, new UTF8Encoding(false), 1 << 16))
    {
        for (int i = 0; i < records; i++) await w.WriteLineAsync(Record(i).ToJsonString());
    }
    long fileBytes = new FileInfo(file).Length;
    Console.WriteLine($"records {records:N0}, file {fileBytes / 1e6:0.0} MB ({fileBytes / (double)records:0} B/record), load {Load()}");

    // Warm-up (untimed): JIT both paths on small databases first, so neither side pays it in the timed rounds.
    string warm = Path.Combine(root, "warm.ndjson");
    File.WriteAllLines(warm, File.ReadLines(file).Take(Math.Min(records, 20_000)));
    await EngineAsync(Path.Combine(root, "warm-engine"), Math.Min(records, 20_000));
    await CliAsync(Path.Combine(root, "warm-cli"), warm, Math.Min(records, 20_000));

    var engine = new List<double>();
    var cli = new List<double>();
    for (int round = 1; round <= rounds; round++)
    {
        engine.Add(await EngineAsync(Path.Combine(root, $"engine-{round}"), records));
        Console.WriteLine($"round {round}: engine {engine[^1]:N0} records/s   load {Load()}");
        cli.Add(await CliAsync(Path.Combine(root, $"cli-{round}"), file, records));
        Console.WriteLine($"round {round}: cli    {cli[^1]:N0} records/s   ratio {cli[^1] / engine[^1]:0.00}   load {Load()}");
    }
    double e = engine.Max(), c = cli.Max();
    Console.WriteLine($"best: engine {e:N0}/s, cli import {c:N0}/s, ratio {c / e:0.00} (goal >= 0.8); load {Load()}");
    return 0;
}
finally
{
    try { Directory.Delete(root, recursive: true); } catch (IOException) { }
}

// ~110 B IoT reading, as the engine bench's iot-small.
static JsonObject Record(int i) => new()
{
    ["id"] = $"s{i:D8}",
    ["sensor"] = $"t-{i % 500}",
    ["ts"] = 1_764_000_000_000L + i * 1000L,
    ["v"] = Math.Round(20 + (i % 1000) / 100.0, 2),
    ["ok"] = i % 13 != 0,
    ["unit"] = "celsius",
    ["site"] = $"plant-{i % 7}",
};

static async Task<double> EngineAsync(string dir, int records)
{
    await using var db = await MyNoSqlDb.OpenAsync("bench", new MyNoSqlOptions { DataDirectory = dir, SyncInterval = Timeout.InfiniteTimeSpan });
    var clock = Stopwatch.StartNew();
    var batch = new List<JsonObject>(1000);
    for (int i = 0; i < records; i++)
    {
        batch.Add(Record(i));
        if (batch.Count < 1000) continue;
        await db.SaveDocsAsync(batch);
        batch = new List<JsonObject>(1000);
    }
    if (batch.Count > 0) await db.SaveDocsAsync(batch);
    return records / clock.Elapsed.TotalSeconds;
}

static async Task<double> CliAsync(string dir, string file, int records)
{
    var output = new StringWriter();
    var error = new StringWriter();
    var console = new CliConsole(TextReader.Null, output, error, InputRedirected: true, ErrorInteractive: false);
    var clock = Stopwatch.StartNew();
    int code = await CliApp.RunAsync(["import", "bench", file, "--data", dir, "--json"], console, CancellationToken.None);
    double seconds = clock.Elapsed.TotalSeconds;
    if (code != 0) throw new InvalidOperationException($"import exited {code}: {error}");
    var answer = JsonNode.Parse(output.ToString())!;
    if (answer["imported"]!.GetValue<long>() != records) throw new InvalidOperationException($"imported {answer["imported"]}, expected {records}");
    Console.WriteLine($"         cli import alone (without open/close) {records / answer["seconds"]!.GetValue<double>():N0} records/s");
    return records / seconds;
}

static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

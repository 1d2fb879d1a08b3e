using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// Durable save rates in a fresh process on a brand-new database, measured from its first save (what a user meets on
/// day one), next to the disk's own limit (positional append + fdatasync of the same records) in the same run. Each
/// figure is its own child process (<see cref="FreshChild"/>); rounds alternate the order of the engines, the raw loop
/// runs first and last in every round, and the median of each figure over the rounds is reported.
/// </summary>
internal static class FreshRun
{
    private const int Callers = 16, PerCaller = 250;

    public static async Task<JsonObject> RunAsync(string name, double avgBytes, BenchOptions options, string root, Report report)
    {
        var runs = new Dictionary<string, List<JsonObject>>();
        string seconds = options.FreshSeconds.ToString(CultureInfo.InvariantCulture);
        async Task Child(string figure, string engine, int count, int callers)
        {
            string dir = Path.Combine(root, $"fresh-{name}-{figure}-{engine}");
            try
            {
                var result = await ChildProcess.RunAsync("child-fresh", figure, engine, name, dir,
                    count.ToString(CultureInfo.InvariantCulture), callers.ToString(CultureInfo.InvariantCulture), seconds);
                string key = $"{figure}/{engine}";
                if (!runs.TryGetValue(key, out var list)) runs[key] = list = [];
                list.Add(result);
                Progress.Say($"{name} fresh {figure} {engine}: {(double)result["rate"]!:N0}/s ({(int)result["saves"]!:N0} saves, p50 {(double)result["p50Us"]!:N0} µs, p99 {(double)result["p99Us"]!:N0} µs)");
            }
            catch (Exception e)
            {
                Progress.Say($"{name} fresh {figure} {engine} failed: {e.Message}");
                report.Note($"{name} fresh {figure} {engine}: {e.Message}");
            }
            finally
            {
                if (Directory.Exists(dir)) try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }

        for (int r = 0; r < options.FreshRounds; r++)
        {
            Progress.Say($"{name}: fresh processes, round {r + 1} of {options.FreshRounds}");
            // The disk's limit before and after the engines in every round: one raw loop next to a burst of other
            // load on a shared machine would make the ratio meaningless; the median takes all of them.
            string[] singles = r % 2 == 0
                ? ["raw", nameof(EngineKind.MyNoSql), nameof(EngineKind.Sqlite), "raw"]
                : ["raw", nameof(EngineKind.Sqlite), nameof(EngineKind.MyNoSql), "raw"];
            foreach (var e in singles) await Child(e == "raw" ? "raw" : "single", e, options.FreshSaves, 1);
            string[] multis = r % 2 == 0 ? [nameof(EngineKind.MyNoSql), nameof(EngineKind.Sqlite)] : [nameof(EngineKind.Sqlite), nameof(EngineKind.MyNoSql)];
            foreach (var e in multis) await Child("multi", e, PerCaller, Callers);
        }

        double? Med(string key, string field = "rate") =>
            runs.TryGetValue(key, out var list) ? Median(list.Select(j => (double?)j[field]).OfType<double>().ToList()) : null;
        double? raw = Med("raw/raw"), my1 = Med("single/MyNoSql"), sq1 = Med("single/Sqlite");
        double? my16 = Med("multi/MyNoSql"), sq16 = Med("multi/Sqlite");
        var json = new JsonObject
        {
            ["rounds"] = options.FreshRounds,
            ["singleSaves"] = options.FreshSaves,
            ["maxSeconds"] = options.FreshSeconds,
            ["callers"] = Callers,
            ["savesPerCaller"] = PerCaller,
            ["medians"] = new JsonObject
            {
                ["rawFdatasync"] = raw,
                ["single"] = new JsonObject { ["MyNoSql"] = my1, ["Sqlite"] = sq1 },
                ["multi"] = new JsonObject { ["MyNoSql"] = my16, ["Sqlite"] = sq16 },
                ["singleVsRaw"] = new JsonObject { ["MyNoSql"] = my1 / raw, ["Sqlite"] = sq1 / raw },
            },
            ["runs"] = new JsonObject(runs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray(kv.Value.Select(j => (JsonNode)j).ToArray())))),
        };

        string section = $"{name} (~{avgBytes:F0} B records): fresh process, new database, from its first save (median of {options.FreshRounds})";
        Dictionary<EngineKind, double?> Pair(double? my, double? sq) => new() { [EngineKind.MyNoSql] = my, [EngineKind.Sqlite] = sq };
        report.Add(section, $"durable saves/s, 1 caller ({options.FreshSaves:N0} saves)", Pair(my1, sq1), Report.AtLeastTimesSqlite(1));
        report.Add(section, "  1 caller / raw pwrite+fdatasync", Pair(my1 / raw, sq1 / raw), Report.AtLeast(0.9, "≥ 0.9× raw fdatasync"));
        report.Add(section, "  disk: raw pwrite+fdatasync/s (=100%)", Pair(raw, null));
        report.Add(section, "  first 100 saves/s, 1 caller", Pair(Med("single/MyNoSql", "first100Rate"), Med("single/Sqlite", "first100Rate")));
        report.Add(section, "  save p50 µs, 1 caller", Pair(Med("single/MyNoSql", "p50Us"), Med("single/Sqlite", "p50Us")));
        report.Add(section, "  save p99 µs, 1 caller", Pair(Med("single/MyNoSql", "p99Us"), Med("single/Sqlite", "p99Us")));
        report.Add(section, $"durable saves/s, {Callers} callers × {PerCaller}", Pair(my16, sq16), Report.AtLeastTimesSqlite(5));
        report.Add(section, $"  first 100 saves/s, {Callers} callers (wall clock)", Pair(Med("multi/MyNoSql", "first100Rate"), Med("multi/Sqlite", "first100Rate")));
        report.Add(section, "first save, µs (1 caller)", Pair(Med("single/MyNoSql", "firstSaveUs"), Med("single/Sqlite", "firstSaveUs")));
        report.Add(section, "create (open a new database), ms", Pair(Med("single/MyNoSql", "openMs"), Med("single/Sqlite", "openMs")));
        report.Add(section, "close after the 1-caller saves, ms", Pair(Med("single/MyNoSql", "closeMs"), Med("single/Sqlite", "closeMs")));
        return json;
    }

    /// <summary>The median (mean of the middle two for an even count); null when empty.</summary>
    public static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        var s = values.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}

/// <summary>Runs this bench in a child process with the given arguments and parses the last line it prints as JSON.</summary>
internal static class ChildProcess
{
    public static async Task<JsonObject> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        // Running under `dotnet bench.dll` the process path is dotnet itself: pass the assembly first.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") psi.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"child exited with {p.ExitCode}: {output}");
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
    }
}

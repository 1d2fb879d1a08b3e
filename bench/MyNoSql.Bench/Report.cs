using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>A goal for one row: MyNoSql compared with SQLite or LiteDB in the same run, or with an absolute bound.
/// Check gets (MyNoSql, SQLite, LiteDB); null = not decidable (a figure is missing).</summary>
internal sealed record Goal(string Text, Func<double?, double?, double?, bool?> Check);

/// <summary>Collects rows, prints the tables with ratios and verdicts, and exports the verdicts.</summary>
internal sealed class Report
{
    private readonly List<(string Section, string Metric, double? My, double? Sqlite, double? Lite, Goal? Goal)> _rows = [];

    public static Goal AtLeastTimesSqlite(double x) => new($"≥ {x:0.##}× SQLite", (m, s, _) => m is null || s is null ? null : m >= x * s);
    public static Goal AtMostTimesSqlite(double x) => new($"≤ {x:0.##}× SQLite", (m, s, _) => m is null || s is null ? null : m <= x * s);
    public static Goal AtLeastTimesLiteDb(double x) => new($"≥ {x:0.##}× LiteDB", (m, _, l) => m is null || l is null ? null : m >= x * l);
    public static Goal AtMost(double bound, string text) => new(text, (m, _, _) => m is null ? null : m <= bound);
    public static Goal AtLeast(double bound, string text) => new(text, (m, _, _) => m is null ? null : m >= bound);

    /// <summary>Every goal met (false as soon as one is missed; null while one is undecidable and none missed).</summary>
    public static Goal All(params Goal[] goals) => new(string.Join(", ", goals.Select(g => g.Text)), (m, s, l) =>
    {
        var verdicts = goals.Select(g => g.Check(m, s, l)).ToList();
        return verdicts.Contains(false) ? false : verdicts.Contains(null) ? null : true;
    });

    public void Add(string section, string metric, IReadOnlyDictionary<EngineKind, double?> values, Goal? goal = null) =>
        _rows.Add((section, metric, values.GetValueOrDefault(EngineKind.MyNoSql), values.GetValueOrDefault(EngineKind.Sqlite), values.GetValueOrDefault(EngineKind.LiteDb), goal));

    private readonly List<string> _notes = [];

    /// <summary>A failure or remark printed under the tables (a cell that shows n/a says why here).</summary>
    public void Note(string text) => _notes.Add(text);

    public void Print(TextWriter output)
    {
        foreach (var section in _rows.Select(r => r.Section).Distinct())
        {
            output.WriteLine();
            output.WriteLine($"## {section}");
            output.WriteLine($"| {"metric",-46} | {"MyNoSql",12} | {"SQLite",12} | {"LiteDB",12} | {"My/SQLite",9} | {"My/LiteDB",9} | {"goal",-26} | met |");
            output.WriteLine($"|{new string('-', 48)}|{new string('-', 14)}|{new string('-', 14)}|{new string('-', 14)}|{new string('-', 11)}|{new string('-', 11)}|{new string('-', 28)}|-----|");
            foreach (var r in _rows.Where(r => r.Section == section))
            {
                bool? met = r.Goal?.Check(r.My, r.Sqlite, r.Lite);
                output.WriteLine($"| {r.Metric,-46} | {F(r.My),12} | {F(r.Sqlite),12} | {F(r.Lite),12} | {Ratio(r.My, r.Sqlite),9} | {Ratio(r.My, r.Lite),9} | {r.Goal?.Text ?? "",-26} | {(met is null ? "" : met.Value ? "yes" : "NO"),-3} |");
            }
        }
        if (_notes.Count > 0) output.WriteLine();
        foreach (var note in _notes) output.WriteLine($"note: {note}");
    }

    public JsonArray GoalsJson() => new(_rows.Where(r => r.Goal is not null).Select(r => (JsonNode)new JsonObject
    {
        ["section"] = r.Section,
        ["metric"] = r.Metric,
        ["goal"] = r.Goal!.Text,
        ["mynosql"] = r.My,
        ["sqlite"] = r.Sqlite,
        ["litedb"] = r.Lite,
        ["ratio"] = r.My is { } m && r.Sqlite is { } s && s != 0 ? Math.Round(m / s, 3) : null,
        ["ratioLiteDb"] = r.My is { } m2 && r.Lite is { } l && l != 0 ? Math.Round(m2 / l, 3) : null,
        ["met"] = r.Goal.Check(r.My, r.Sqlite, r.Lite),
    }).ToArray());

    /// <summary>Writes the raw figures to <c>{prefix}{utc}.json</c> and <c>{prefix}latest.json</c> in <paramref name="directory"/>.</summary>
    public static string Save(JsonObject results, string directory, string prefix)
    {
        Directory.CreateDirectory(directory);
        string json = results.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string path = Path.Combine(directory, $"{prefix}{stamp}.json");
        File.WriteAllText(path, json);
        File.WriteAllText(Path.Combine(directory, $"{prefix}latest.json"), json);
        return path;
    }

    private static string Ratio(double? my, double? other) =>
        my is { } m && other is { } o && o != 0 ? (m / o).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "";

    private static string F(double? v) => v switch
    {
        null => "n/a",
        >= 100 => v.Value.ToString("N0", CultureInfo.InvariantCulture),
        _ => v.Value.ToString("0.###", CultureInfo.InvariantCulture),
    };
}

using System.Globalization;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>A goal for one row: MyNoSql compared with SQLite in the same run, or with an absolute bound.</summary>
internal sealed record Goal(string Text, Func<double?, double?, bool?> Check);

/// <summary>Collects rows, prints the tables with ratios and verdicts, and exports the verdicts.</summary>
internal sealed class Report
{
    private readonly List<(string Section, string Metric, double? My, double? Sqlite, double? Lite, Goal? Goal)> _rows = [];

    public static Goal AtLeastTimesSqlite(double x) => new($"≥ {x:0.##}× SQLite", (m, s) => m is null || s is null ? null : m >= x * s);
    public static Goal AtMostTimesSqlite(double x) => new($"≤ {x:0.##}× SQLite", (m, s) => m is null || s is null ? null : m <= x * s);
    public static Goal AtMost(double bound, string text) => new(text, (m, _) => m is null ? null : m <= bound);

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
            output.WriteLine($"| {"metric",-38} | {"MyNoSql",12} | {"SQLite",12} | {"LiteDB",12} | {"My/SQLite",9} | {"goal",-22} | met |");
            output.WriteLine($"|{new string('-', 40)}|{new string('-', 14)}|{new string('-', 14)}|{new string('-', 14)}|{new string('-', 11)}|{new string('-', 24)}|-----|");
            foreach (var r in _rows.Where(r => r.Section == section))
            {
                string ratio = r.My is { } m && r.Sqlite is { } s && s != 0 ? (m / s).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "";
                bool? met = r.Goal?.Check(r.My, r.Sqlite);
                output.WriteLine($"| {r.Metric,-38} | {F(r.My),12} | {F(r.Sqlite),12} | {F(r.Lite),12} | {ratio,9} | {r.Goal?.Text ?? "",-22} | {(met is null ? "" : met.Value ? "yes" : "NO"),-3} |");
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
        ["ratio"] = r.My is { } m && r.Sqlite is { } s && s != 0 ? Math.Round(m / s, 3) : null,
        ["met"] = r.Goal.Check(r.My, r.Sqlite),
    }).ToArray());

    private static string F(double? v) => v switch
    {
        null => "n/a",
        >= 100 => v.Value.ToString("N0", CultureInfo.InvariantCulture),
        _ => v.Value.ToString("0.###", CultureInfo.InvariantCulture),
    };
}

using System.Text.RegularExpressions;

namespace MyNoSql.ClusterBench;

/// <summary>
/// Issue 14's cluster goals from the rows of a run: one HTTP save on 3 mirrors at most 2× the p50 of the same on 1
/// mirror (new records, and updates of a record the caller keeps rewriting), and 128-caller saves on 3 mirrors of at
/// least 5,000/s over HTTP and 10,000/s through an Orleans client. A figure is the median of its rounds (rows whose
/// configuration differs only by the " #k" round suffix); a goal whose rows were not measured is left out.
/// </summary>
internal static partial class ClusterGoals
{
    public const string NewRecordHttp = "save (PUT, new record)";
    public const string UpdateHttp = "save (PUT, update of its own record)";
    public const string NewRecordOrleans = "save (new record)";

    public readonly record struct Figure(string Config, string Path, string Op, int Callers, double PerSecond, double P50Ms);

    public readonly record struct Verdict(string Goal, string Figure, double Value, bool Met);

    public static List<Verdict> Evaluate(IReadOnlyList<Figure> rows)
    {
        double? Median(string config, string path, string op, int callers, Func<Figure, double> value)
        {
            var values = rows.Where(r => Round().Replace(r.Config, "") == config && r.Path == path && r.Op == op && r.Callers == callers)
                .Select(value).Order().ToList();
            return values.Count == 0 ? null : values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
        }
        var verdicts = new List<Verdict>();
        foreach (var (op, what) in new[] { (NewRecordHttp, "new record"), (UpdateHttp, "update") })
        {
            if (Median("1 mirror", "HTTP", op, 1, r => r.P50Ms) is { } one && Median("3 mirrors", "HTTP", op, 1, r => r.P50Ms) is { } three)
                verdicts.Add(new($"one HTTP save ({what}) on 3 mirrors p50 ≤ 2× on 1 mirror", $"{three:0.00} / {one:0.00} ms", three / one, three <= 2 * one));
        }
        if (Median("3 mirrors", "HTTP", NewRecordHttp, 128, r => r.PerSecond) is { } http)
            verdicts.Add(new("3-mirror HTTP saves ≥ 5,000/s at 128 callers", "saves/s", http, http >= 5_000));
        if (Median("3 mirrors", "Orleans client", NewRecordOrleans, 128, r => r.PerSecond) is { } orleans)
            verdicts.Add(new("3-mirror Orleans-client saves ≥ 10,000/s at 128 callers", "saves/s", orleans, orleans >= 10_000));
        return verdicts;
    }

    [GeneratedRegex(@" #\d+$")]
    private static partial Regex Round();
}

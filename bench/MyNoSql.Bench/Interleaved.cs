using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>Single-document save rates measured in alternating slices across engines (median slice per engine).</summary>
internal static class Interleaved
{
    private const int Slices = 5;

    public static async Task SinglesAsync(string name, List<JsonObject> docs, string root, TimeSpan duration,
        Dictionary<EngineKind, Dictionary<string, double?>> figures)
    {
        var slice = duration / Slices;
        // Durable: 1 caller on the first quarter of the documents, 16 callers on the rest. Relaxed: all (own database).
        await RunAsync(name, "durable 1 caller", docs[..(docs.Count / 4)], root, "singles1", durable: true, callers: 1, slice, figures, "single1", [EngineKind.MyNoSql, EngineKind.Sqlite, EngineKind.LiteDb]);
        await RunAsync(name, "durable 16 callers", docs[(docs.Count / 4)..], root, "singles16", durable: true, callers: 16, slice, figures, "single16", [EngineKind.MyNoSql, EngineKind.Sqlite, EngineKind.LiteDb]);
        await RunAsync(name, "relaxed 1 caller", docs, root, "relaxed", durable: false, callers: 1, slice, figures, "relaxed1", [EngineKind.MyNoSql, EngineKind.Sqlite]);
    }

    private static async Task RunAsync(string name, string what, List<JsonObject> docs, string root, string tag, bool durable, int callers,
        TimeSpan slice, Dictionary<EngineKind, Dictionary<string, double?>> figures, string key, EngineKind[] kinds)
    {
        Progress.Say($"{name}: {what}, engines alternating in {Slices} slices of {slice.TotalSeconds:0.#} s");
        var engines = new Dictionary<EngineKind, IBenchEngine>();
        var next = kinds.ToDictionary(k => k, _ => 0);
        var rates = kinds.ToDictionary(k => k, _ => new List<double>());
        try
        {
            foreach (var kind in kinds) engines[kind] = await Measure.OpenAsync(kind, Path.Combine(root, $"{name}-{kind}-{tag}"), durable);
            for (int s = 0; s < Slices; s++)
            {
                foreach (var kind in kinds)
                {
                    if (next[kind] >= docs.Count) continue;
                    var (rate, end) = await Measure.SinglesAsync(engines[kind], docs, next[kind], callers, slice);
                    next[kind] = end;
                    rates[kind].Add(rate);
                }
            }
        }
        finally
        {
            foreach (var e in engines.Values) await e.DisposeAsync();
        }
        foreach (var kind in kinds)
        {
            var r = rates[kind].Order().ToList();
            figures[kind][key] = r.Count == 0 ? null : r[r.Count / 2];
        }
    }
}

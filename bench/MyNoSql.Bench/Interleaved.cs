using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>Single-document save rates measured in alternating slices across engines (median slice per engine).</summary>
internal static class Interleaved
{
    private const int Slices = 5;

    /// <summary>Runs the save slices into <paramref name="figures"/>; returns the median rate of the disk's raw
    /// pwrite + fdatasync loop (<see cref="RawSyncEngine"/>), which takes its turn in the 1-caller slices.</summary>
    public static async Task<double?> SinglesAsync(string name, List<JsonObject> docs, string root, TimeSpan duration,
        Dictionary<EngineKind, Dictionary<string, double?>> figures)
    {
        var slice = duration / Slices;
        // Durable: 1 caller on the first quarter of the documents, 16 callers on the rest. Relaxed: all (own database).
        var ones = docs[..(docs.Count / 4)];
        var raw = new InterleavedVariant(RawLabel, () => RawSyncEngine.OpenAsync(Path.Combine(root, $"{name}-raw-singles1"), ones));
        var medians = await RunAsync(name, "durable 1 caller", ones, root, "singles1", durable: true, callers: 1, slice, figures, "single1", [EngineKind.MyNoSql, EngineKind.Sqlite, EngineKind.LiteDb], raw);
        await RunAsync(name, "durable 16 callers", docs[(docs.Count / 4)..], root, "singles16", durable: true, callers: 16, slice, figures, "single16", [EngineKind.MyNoSql, EngineKind.Sqlite, EngineKind.LiteDb]);
        await RunAsync(name, "relaxed 1 caller", docs, root, "relaxed", durable: false, callers: 1, slice, figures, "relaxed1", [EngineKind.MyNoSql, EngineKind.Sqlite]);
        return medians[RawLabel];
    }

    private const string RawLabel = "raw";

    private static async Task<Dictionary<string, double?>> RunAsync(string name, string what, List<JsonObject> docs, string root, string tag, bool durable, int callers,
        TimeSpan slice, Dictionary<EngineKind, Dictionary<string, double?>> figures, string key, EngineKind[] kinds, params InterleavedVariant[] extra)
    {
        Progress.Say($"{name}: {what}, engines alternating in {Slices} slices of {slice.TotalSeconds:0.#} s");
        var variants = kinds.Select(k => new InterleavedVariant(k.ToString(), () => Measure.OpenAsync(k, Path.Combine(root, $"{name}-{k}-{tag}"), durable))).Concat(extra).ToList();
        var (medians, errors) = await MediansAsync(variants, docs, callers, slice);
        if (errors.Count > 0) throw new InvalidOperationException(string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")));
        foreach (var kind in kinds) figures[kind][key] = medians[kind.ToString()];
        return medians;
    }

    /// <summary>
    /// Saves on every variant in turn, <see cref="Slices"/> slices of <paramref name="slice"/> each, every variant taking
    /// the documents from its own position in <paramref name="docs"/> (each has its own database). With one caller an
    /// untimed warm-up slice comes first and a slice also ends after its share of the documents (a sixth of them), so
    /// every slice runs even when the documents are few (the quick run's 1,250 single-caller documents used to go in the
    /// first slice, measured while the JIT was compiling the save path). A variant that fails to open or to save is left
    /// out (its median is null) and named in the errors, so the others still compare under the same conditions.
    /// </summary>
    public static async Task<(Dictionary<string, double?> Medians, Dictionary<string, string> Errors)> MediansAsync(
        IReadOnlyList<InterleavedVariant> variants, List<JsonObject> docs, int callers, TimeSpan slice)
    {
        var engines = new Dictionary<string, IBenchEngine>();
        var errors = new Dictionary<string, string>();
        var next = variants.ToDictionary(v => v.Label, _ => 0);
        var rates = variants.ToDictionary(v => v.Label, _ => new List<double>());
        try
        {
            foreach (var v in variants)
            {
                try { engines[v.Label] = await v.Open(); }
                catch (Exception e) { errors[v.Label] = $"open: {e.GetType().Name}: {e.Message}"; }
            }
            // One caller: a warm-up slice, and slices capped to a sixth of the documents each. Many callers keep whole
            // slices: SQLite's writers wait on its lock in sleeps of a few ms, which a slice of a few dozen saves each
            // would measure instead of its throughput.
            bool single = callers == 1;
            int share = single ? Math.Max(1, docs.Count / (Slices + 1)) : int.MaxValue;
            for (int s = single ? -1 : 0; s < Slices; s++) // slice -1: the warm-up, not counted
            {
                foreach (var v in variants)
                {
                    if (!engines.TryGetValue(v.Label, out var engine) || errors.ContainsKey(v.Label) || next[v.Label] >= docs.Count) continue;
                    try
                    {
                        var (rate, end) = await Measure.SinglesAsync(engine, docs, next[v.Label], callers, slice, share);
                        next[v.Label] = end;
                        if (s >= 0) rates[v.Label].Add(rate);
                    }
                    catch (Exception e) { errors[v.Label] = $"save: {e.GetType().Name}: {e.Message}"; }
                }
            }
        }
        finally
        {
            foreach (var e in engines.Values) await e.DisposeAsync();
        }
        var medians = variants.ToDictionary(v => v.Label, v =>
        {
            var r = rates[v.Label].Order().ToList();
            return errors.ContainsKey(v.Label) || r.Count == 0 ? null : (double?)r[r.Count / 2];
        });
        return (medians, errors);
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// The history figure (DESIGN §8, --history): an edit-heavy workload, game-state records (~1.3–2 KB) each saved
/// <see cref="Saves"/> times with a few fields changed, loaded once with HistoryDepth 20 and once with 0; bytes on disk
/// after close, then undo/redo latency (Relaxed and Durable), and a plain update and a read with and without history
/// (the hot path history must not slow down).
/// </summary>
internal static class HistoryRun
{
    private const int Saves = 40;
    private const int BatchSize = 1000;

    public static async Task<JsonObject> RunAsync(BenchOptions options, string root, Report report)
    {
        int n = options.HistoryN;
        var json = new JsonObject { ["records"] = n, ["savesPerRecord"] = Saves };
        var docs = Datasets.Game(n);
        long rawBytes = docs.Sum(d => (long)Encoding.UTF8.GetByteCount(d.ToJsonString()));
        json["rawJsonBytesOfOneVersion"] = rawBytes;
        var ids = docs.Select(d => (string)d["id"]!).ToList();
        var bytes = new Dictionary<int, long>();
        foreach (int depth in new[] { 20, 0 })
        {
            string dir = Path.Combine(root, $"history-{depth}");
            var load = Stopwatch.StartNew();
            await using (var db = await Open(dir, depth, durable: false))
            {
                await LoadAsync(db, docs, depth);
                await db.CompactAsync();
            }
            bytes[depth] = Measure.DirectoryBytes(dir);
            json[$"depth{depth}"] = new JsonObject { ["bytesOnDisk"] = bytes[depth], ["loadSeconds"] = load.Elapsed.TotalSeconds };
            Progress.Say($"history depth {depth}: {bytes[depth]:N0} bytes on disk, load {load.Elapsed.TotalSeconds:F1} s");
        }
        double ratio = bytes[20] / (double)bytes[0];
        json["bytesRatio"] = ratio;

        string section = $"history ({n:N0} game records × {Saves} saves, {rawBytes / (double)n:F0} B avg)";
        report.Add(section, "bytes on disk, HistoryDepth 20", My(bytes[20]));
        report.Add(section, "bytes on disk, HistoryDepth 0", My(bytes[0]));
        report.Add(section, "bytes depth 20 / depth 0", My(ratio), Report.AtMost(1.5, "≤ 1.5×"));
        report.Add(section, "bytes per record, depth 20", My(bytes[20] / (double)n));
        report.Add(section, "bytes per record, depth 0", My(bytes[0] / (double)n));

        int samples = options.Quick ? 500 : 2000;
        foreach (bool durable in new[] { false, true })
        {
            string mode = durable ? "Durable" : "Relaxed";
            var figures = new JsonObject();
            foreach (int depth in new[] { 20, 0 })
            {
                await using var db = await Open(Path.Combine(root, $"history-{depth}"), depth, durable);
                var rng = new Random(depth + (durable ? 1 : 0));
                var reads = await Latencies(samples, async () => _ = await db.ReadDocAsync(ids[rng.Next(n)]));
                var updates = await Latencies(samples, async () =>
                {
                    var doc = (await db.ReadDocAsync(ids[rng.Next(n)]))!;
                    Edit(doc, rng);
                    var sw = Stopwatch.StartNew();
                    await db.SaveDocAsync(doc);
                    return sw.Elapsed.TotalMilliseconds;
                });
                figures[$"readP50Ms{depth}"] = reads.P50;
                figures[$"updateP50Ms{depth}"] = updates.P50;
                report.Add(section, $"{mode} read p50 ms, depth {depth}", My(reads.P50));
                report.Add(section, $"{mode} update p50 ms, depth {depth}", My(updates.P50));
                if (depth != 20) continue;
                // Undo then redo of distinct records (each undo has a target: every record was saved 40 times).
                var order = ids.OrderBy(_ => rng.Next()).Take(samples).ToList();
                int u = 0, r = 0;
                var undo = await Latencies(samples, async () => _ = await db.UndoAsync(order[u++]));
                var redo = await Latencies(samples, async () => _ = await db.RedoAsync(order[r++]));
                figures["undoP50Ms"] = undo.P50;
                figures["undoP90Ms"] = undo.P90;
                figures["redoP50Ms"] = redo.P50;
                figures["redoP90Ms"] = redo.P90;
                report.Add(section, $"{mode} undo p50 ms", My(undo.P50), Report.AtMost(1, "< 1 ms"));
                report.Add(section, $"{mode} redo p50 ms", My(redo.P50), Report.AtMost(1, "< 1 ms"));
                report.Add(section, $"{mode} undo / redo p90 ms", My(Math.Max(undo.P90, redo.P90)));
            }
            json[mode.ToLowerInvariant()] = figures;
        }
        return json;
    }

    private static Dictionary<EngineKind, double?> My(double value) => new() { [EngineKind.MyNoSql] = value };

    private static Task<MyNoSqlDb> Open(string dir, int depth, bool durable) => MyNoSqlDb.OpenAsync(MyNoSqlEngine.DatabaseName, new MyNoSqlOptions
    {
        DataDirectory = dir,
        Durability = durable ? DurabilityMode.Durable : DurabilityMode.Relaxed,
        HistoryDepth = depth,
    });

    // Round 0 creates every record; each later round changes a few fields of every record (batches of 1,000).
    private static async Task LoadAsync(MyNoSqlDb db, List<JsonObject> docs, int depth)
    {
        var rng = new Random(5);
        var current = docs.Select(d => d.DeepClone().AsObject()).ToList();
        for (int round = 0; round < Saves; round++)
        {
            for (int start = 0; start < current.Count; start += BatchSize)
            {
                var batch = current.GetRange(start, Math.Min(BatchSize, current.Count - start));
                if (round > 0) foreach (var doc in batch) Edit(doc, rng);
                var saved = await db.SaveDocsAsync(batch);
                for (int i = 0; i < batch.Count; i++) batch[i]["rev"] = (string)saved[i]["rev"]!;
            }
            if (round % 10 == 9) Progress.Say($"history depth {depth}: round {round + 1}/{Saves}");
        }
    }

    /// <summary>A few fields of a game record change, as a game saves progress: xp, gold, position, last seen, one slot.</summary>
    private static void Edit(JsonObject doc, Random rng)
    {
        doc["xp"] = (int)doc["xp"]! + rng.Next(1, 500);
        doc["gold"] = (int)doc["gold"]! + rng.Next(-100, 200);
        var position = doc["position"]!.AsObject();
        position["x"] = Math.Round(rng.NextDouble() * 1000, 2);
        position["y"] = Math.Round(rng.NextDouble() * 1000, 2);
        doc["lastSeen"] = (int)doc["lastSeen"]! + rng.Next(60, 7200);
        var inventory = doc["inventory"]!.AsArray();
        var slot = inventory[rng.Next(inventory.Count)]!.AsObject();
        slot["qty"] = 1 + rng.Next(20);
    }

    private static async Task<(double P50, double P90)> Latencies(int count, Func<Task> call) =>
        await Latencies(count, async () =>
        {
            var sw = Stopwatch.StartNew();
            await call();
            return sw.Elapsed.TotalMilliseconds;
        });

    private static async Task<(double P50, double P90)> Latencies(int count, Func<Task<double>> timed)
    {
        var times = new double[count];
        for (int i = 0; i < count; i++) times[i] = await timed();
        Array.Sort(times);
        return (Math.Round(times[count / 2], 4), Math.Round(times[count * 9 / 10], 4));
    }
}

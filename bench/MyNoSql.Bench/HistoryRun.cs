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
        var json = new JsonObject { ["records"] = n, ["savesPerRecord"] = Saves, ["fieldsChangedPerSave"] = options.HistoryFields };
        var docs = Datasets.Game(n);
        long rawBytes = docs.Sum(d => (long)Encoding.UTF8.GetByteCount(d.ToJsonString()));
        json["rawJsonBytesOfOneVersion"] = rawBytes;
        var ids = docs.Select(d => (string)d["id"]!).ToList();
        var bytes = new Dictionary<int, long>();
        var historyPayload = new Dictionary<int, double>();
        foreach (int depth in new[] { 20, 0 })
        {
            string dir = Path.Combine(root, $"history-{depth}");
            var load = Stopwatch.StartNew();
            await using (var db = await Open(dir, depth, durable: false))
            {
                await LoadAsync(db, docs, depth, options.HistoryFields);
                await db.CompactAsync();
                // What the history adds to a record's payload before compression (the first 200 records).
                long historyBytes = 0;
                for (int i = 0; i < Math.Min(200, n); i++)
                {
                    var record = (await db.Store.ReadRecordAsync(ids[i]))!;
                    historyBytes += record.Encode(omitWinnerRevision: true).Length - record.WithHistory([]).Encode(omitWinnerRevision: true).Length;
                }
                historyPayload[depth] = historyBytes / (double)Math.Min(200, n);
            }
            bytes[depth] = Measure.DirectoryBytes(dir);
            json[$"depth{depth}"] = new JsonObject { ["bytesOnDisk"] = bytes[depth], ["loadSeconds"] = load.Elapsed.TotalSeconds, ["historyPayloadBytesPerRecord"] = historyPayload[depth] };
            Progress.Say($"history depth {depth}: {bytes[depth]:N0} bytes on disk, load {load.Elapsed.TotalSeconds:F1} s");
        }
        double ratio = bytes[20] / (double)bytes[0];
        json["bytesRatio"] = ratio;

        string section = $"history ({n:N0} game records of {rawBytes / (double)n:F0} B × {Saves} saves, {options.HistoryFields} fields changed per save)";
        report.Add(section, "bytes on disk, HistoryDepth 20", My(bytes[20]));
        report.Add(section, "bytes on disk, HistoryDepth 0", My(bytes[0]));
        report.Add(section, "bytes depth 20 / depth 0", My(ratio), Report.AtMost(1.5, "≤ 1.5×"));
        report.Add(section, "bytes per record, depth 20", My(bytes[20] / (double)n));
        report.Add(section, "bytes per record, depth 0", My(bytes[0] / (double)n));
        report.Add(section, "history payload per record (uncompressed)", My(historyPayload[20]));

        int samples = Math.Min(n, options.Quick ? 500 : 2000);
        foreach (bool durable in new[] { false, true })
        {
            string mode = durable ? "Durable" : "Relaxed";
            var figures = new JsonObject();
            // Both databases open at once and measured alternately (the same ids), so machine noise hits both alike.
            await using var with = await Open(Path.Combine(root, "history-20"), 20, durable);
            await using var without = await Open(Path.Combine(root, "history-0"), 0, durable);
            var rng = new Random(durable ? 2 : 1);
            var pick = Enumerable.Range(0, samples).Select(_ => ids[rng.Next(n)]).ToList();
            // Warm reads: every picked record once in both (a cold read times the engine's block decompression, and
            // history makes the data larger, so more of it is cold at a given cache size; that is the bytes figure).
            foreach (var id in pick.Distinct()) { _ = await with.ReadDocAsync(id); _ = await without.ReadDocAsync(id); }
            var (reads20, reads0) = await Paired(samples, async (db, i) => { var sw = Stopwatch.StartNew(); _ = await db.ReadDocAsync(pick[i]); return sw.Elapsed.TotalMilliseconds; }, with, without);
            var (updates20, updates0) = await Paired(samples, async (db, i) =>
            {
                var doc = (await db.ReadDocAsync(pick[i]))!;
                Edit(doc, new Random(i), options.HistoryFields);
                var sw = Stopwatch.StartNew();
                await db.SaveDocAsync(doc);
                return sw.Elapsed.TotalMilliseconds;
            }, with, without);
            // Undo then redo of distinct records (each has an undo: every record was saved 40 times), each interleaved with
            // a plain update of another record on the same database, so both see the same machine. The record is read
            // first (untimed): an application undoes a record it shows, and a cold read would time the engine's block
            // decompression, not the undo.
            int undos = Math.Min(samples, n / 2);
            var shuffled = ids.OrderBy(_ => rng.Next()).ToList();
            var order = shuffled[..undos];
            var others = shuffled[undos..(2 * undos)];
            var undoTimes = new double[undos];
            var redoTimes = new double[undos];
            var updateTimes = new double[undos];
            for (int i = 0; i < undos; i++)
            {
                _ = await with.ReadDocAsync(order[i]);
                undoTimes[i] = await Time(() => with.UndoAsync(order[i]));
                var doc = (await with.ReadDocAsync(others[i]))!;
                Edit(doc, new Random(i), options.HistoryFields);
                updateTimes[i] = await Time(() => with.SaveDocAsync(doc));
            }
            for (int i = 0; i < undos; i++)
            {
                _ = await with.ReadDocAsync(order[i]);
                redoTimes[i] = await Time(() => with.RedoAsync(order[i]));
            }
            var (undo, redo, reference) = (Percentiles(undoTimes), Percentiles(redoTimes), Percentiles(updateTimes));
            figures["updateInterleavedWithUndoP50Ms"] = reference.P50;
            figures["readP50Ms"] = new JsonObject { ["depth20"] = reads20.P50, ["depth0"] = reads0.P50 };
            figures["updateP50Ms"] = new JsonObject { ["depth20"] = updates20.P50, ["depth0"] = updates0.P50 };
            figures["undoMs"] = new JsonObject { ["p50"] = undo.P50, ["p90"] = undo.P90 };
            figures["redoMs"] = new JsonObject { ["p50"] = redo.P50, ["p90"] = redo.P90 };
            report.Add(section, $"{mode} read p50 ms, depth 20", My(reads20.P50));
            report.Add(section, $"{mode} read p50 ms, depth 0", My(reads0.P50));
            report.Add(section, $"{mode} update p50 ms, depth 20", My(updates20.P50));
            report.Add(section, $"{mode} update p50 ms, depth 0", My(updates0.P50));
            report.Add(section, $"{mode} undo p50 ms", My(undo.P50), Report.AtMost(1, "< 1 ms"));
            report.Add(section, $"{mode} redo p50 ms", My(redo.P50), Report.AtMost(1, "< 1 ms"));
            report.Add(section, $"{mode} undo / redo p90 ms", My(Math.Max(undo.P90, redo.P90)));
            report.Add(section, $"{mode} update p50 ms, between undos", My(reference.P50));
            json[mode.ToLowerInvariant()] = figures;
        }
        return json;
    }

    private static async Task<((double P50, double P90) A, (double P50, double P90) B)> Paired(int count, Func<MyNoSqlDb, int, Task<double>> timed, MyNoSqlDb a, MyNoSqlDb b)
    {
        var ta = new double[count];
        var tb = new double[count];
        for (int i = 0; i < count; i++)
        {
            ta[i] = await timed(a, i);
            tb[i] = await timed(b, i);
        }
        return (Percentiles(ta), Percentiles(tb));
    }

    private static async Task<double> Time(Func<Task> call)
    {
        var sw = Stopwatch.StartNew();
        await call();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static (double P50, double P90) Percentiles(double[] times)
    {
        Array.Sort(times);
        return (Math.Round(times[times.Length / 2], 4), Math.Round(times[times.Length * 9 / 10], 4));
    }

    private static Dictionary<EngineKind, double?> My(double value) => new() { [EngineKind.MyNoSql] = value };

    private static Task<MyNoSqlDb> Open(string dir, int depth, bool durable) => MyNoSqlDb.OpenAsync(MyNoSqlEngine.DatabaseName, new MyNoSqlOptions
    {
        DataDirectory = dir,
        Durability = durable ? DurabilityMode.Durable : DurabilityMode.Relaxed,
        HistoryDepth = depth,
    });

    // Round 0 creates every record; each later round changes a few fields of every record (batches of 1,000).
    private static async Task LoadAsync(MyNoSqlDb db, List<JsonObject> docs, int depth, int fields)
    {
        var rng = new Random(5);
        var current = docs.Select(d => d.DeepClone().AsObject()).ToList();
        for (int round = 0; round < Saves; round++)
        {
            for (int start = 0; start < current.Count; start += BatchSize)
            {
                var batch = current.GetRange(start, Math.Min(BatchSize, current.Count - start));
                if (round > 0) foreach (var doc in batch) Edit(doc, rng, fields);
                var saved = await db.SaveDocsAsync(batch);
                for (int i = 0; i < batch.Count; i++) batch[i]["rev"] = (string)saved[i]["rev"]!;
            }
            if (round % 10 == 9) Progress.Say($"history depth {depth}: round {round + 1}/{Saves}");
        }
    }

    /// <summary>A few fields of a game record change, as a game saves progress: the first <paramref name="fields"/> of
    /// xp, gold, last seen, position x, position y, one inventory slot's quantity.</summary>
    private static void Edit(JsonObject doc, Random rng, int fields)
    {
        if (fields > 0) doc["xp"] = (int)doc["xp"]! + rng.Next(1, 500);
        if (fields > 1) doc["gold"] = (int)doc["gold"]! + rng.Next(-100, 200);
        if (fields > 2) doc["lastSeen"] = (int)doc["lastSeen"]! + rng.Next(60, 7200);
        var position = doc["position"]!.AsObject();
        if (fields > 3) position["x"] = Math.Round(rng.NextDouble() * 1000, 2);
        if (fields > 4) position["y"] = Math.Round(rng.NextDouble() * 1000, 2);
        var inventory = doc["inventory"]!.AsArray();
        if (fields > 5) inventory[rng.Next(inventory.Count)]!.AsObject()["qty"] = 1 + rng.Next(20);
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>The measured scenarios; each returns a rate or a size so the report can compare engines.</summary>
internal static class Measure
{
    public static Task<IBenchEngine> OpenAsync(EngineKind kind, string dir, bool durable) => kind switch
    {
        EngineKind.MyNoSql => MyNoSqlEngine.OpenAsync(dir, durable),
        EngineKind.Sqlite => SqliteEngine.OpenAsync(dir, durable),
        _ => LiteDbEngine.OpenAsync(dir, durable),
    };

    /// <summary>Single-document saves, each its own durable (or relaxed) commit, by <paramref name="callers"/> concurrent callers for a fixed time.</summary>
    public static async Task<double> SinglesAsync(IBenchEngine engine, List<JsonObject> docs, int callers, TimeSpan duration, string tag)
    {
        long next = -1;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (sw.Elapsed < duration)
            {
                long i = Interlocked.Increment(ref next);
                if (i >= docs.Count) break;
                var doc = (JsonObject)docs[(int)i].DeepClone();
                string id = $"{tag}/{(string)doc["id"]!}";
                doc["id"] = id;
                await engine.SaveAsync(id, doc);
            }
        })));
        return Math.Min(next + 1, docs.Count) / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Loads every document in batches of <paramref name="batchSize"/>; returns docs/s.</summary>
    public static async Task<double> BatchedAsync(IBenchEngine engine, List<JsonObject> docs, int batchSize, Action<int>? progress = null)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < docs.Count; i += batchSize)
        {
            var batch = docs.Skip(i).Take(batchSize).Select(d => ((string)d["id"]!, d)).ToList();
            await engine.SaveBatchAsync(batch);
            progress?.Invoke(i + batch.Count);
        }
        return docs.Count / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Random point reads (each parsed to a JsonObject); throws if any id is missing.</summary>
    public static async Task<double> ReadsAsync(IBenchEngine engine, IReadOnlyList<string> ids, int count, int seed)
    {
        var rng = new Random(seed);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            string id = ids[rng.Next(ids.Count)];
            var doc = await engine.ReadAsync(id) ?? throw new InvalidOperationException($"read of '{id}' returned nothing");
            if (doc.Count == 0) throw new InvalidOperationException("empty document");
        }
        return count / sw.Elapsed.TotalSeconds;
    }

    public static long DirectoryBytes(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    /// <summary>Peak resident set (VmHWM) of this process in bytes; 0 where /proc is absent.</summary>
    public static long PeakRss()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        return 0;
    }
}

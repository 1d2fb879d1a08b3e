using System.Diagnostics;
using System.Globalization;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// <c>reopen DATASET N READS ROUNDS</c>: the quick bench's "cold reads/s, reopen, (a) page cache warm" figure alone, for
/// A/B runs of the engine. Per round, MyNoSql then SQLite: load N documents in batches of 1,000 into a new database,
/// 10,000 warm reads, close, reopen in the same process (page cache warm) and time READS random reads (seed 3, as the
/// bench). Prints one line per round and engine, then the median of MyNoSql/SQLite over the rounds.
/// </summary>
internal static class ReopenProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        using var probe = new ProbeArgs(args);
        var (name, root) = (probe.Dataset, probe.Root);
        int n = probe.Numbers[0], reads = probe.Numbers[1], rounds = probe.Numbers[2];
        var docs = Datasets.ByName(name, n);
        var ids = docs.Select(d => (string)d["id"]!).ToList();
        var ratios = new List<double>();
        Console.WriteLine($"reopen probe {name} n={n} reads={reads} load {LoadAverage.Now()}");
        for (int round = 0; round < rounds; round++)
        {
            var rate = new Dictionary<EngineKind, double>();
            foreach (var kind in new[] { EngineKind.MyNoSql, EngineKind.Sqlite })
            {
                string dir = Path.Combine(root, $"{kind}-{round}");
                var e = await Measure.OpenAsync(kind, dir, durable: true);
                try
                {
                    await Measure.BatchedAsync(e, docs, 1000);
                    await Measure.ReadsAsync(e, ids, 10_000, seed: 1);
                }
                finally
                {
                    await e.DisposeAsync();
                }
                var open = Stopwatch.StartNew();
                await using (var again = await Measure.OpenAsync(kind, dir, durable: true))
                {
                    _ = await again.ReadAsync(ids[0]);
                    double firstMs = open.Elapsed.TotalMilliseconds;
                    int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
                    var pause = GC.GetTotalPauseDuration();
                    long allocated = GC.GetTotalAllocatedBytes();
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    long faults = MinorFaults();
                    var before = (again as MyNoSqlEngine)?.Db.Store.Replica.Records.GetStatistics();
                    long from = Stopwatch.GetTimestamp();
                    rate[kind] = await Measure.ReadsAsync(again, ids, reads, seed: 3);
                    long to = Stopwatch.GetTimestamp();
                    var after = (again as MyNoSqlEngine)?.Db.Store.Replica.Records.GetStatistics();
                    Console.WriteLine($"round {round} {kind}: open + first read {firstMs:F1} ms, {rate[kind]:F0} reads/s; during the reads: " +
                        $"process CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:F0} ms, " +
                        $"{GC.CollectionCount(0) - gen0} gen0 / {GC.CollectionCount(2) - gen2} gen2 GCs, pauses {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F1} ms, " +
                        $"{(GC.GetTotalAllocatedBytes() - allocated) / 1048576.0:F1} MiB allocated, {MinorFaults() - faults} page faults" +
                        (before is null || after is null ? "" :
                            $"; block cache {after.CacheHits - before.CacheHits} hits / {after.CacheMisses - before.CacheMisses} misses, " +
                            $"seals {before.Seals} -> {after.Seals}, log KiB {before.LogBytes / 1024} -> {after.LogBytes / 1024}") +
                        // Monotonic clock (ns on Linux): lets `perf record -k CLOCK_MONOTONIC` + `perf script --time` cut out the reads.
                        $"; window {Stopwatch.GetElapsedTime(0, from).TotalSeconds:F6}..{Stopwatch.GetElapsedTime(0, to).TotalSeconds:F6}");
                }
                Directory.Delete(dir, recursive: true);
            }
            ratios.Add(rate[EngineKind.MyNoSql] / rate[EngineKind.Sqlite]);
            Console.WriteLine($"round {round} MyNoSql/SQLite {ratios[^1]:F2}x");
        }
        ratios.Sort();
        Console.WriteLine($"median MyNoSql/SQLite {ratios[ratios.Count / 2]:F2}x ({string.Join(" ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}); load {LoadAverage.Now()}");
        return 0;
    }

    /// <summary>The process's minor page faults so far (Linux <c>/proc/self/stat</c> field 10; 0 elsewhere).</summary>
    private static long MinorFaults()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        string stat = File.ReadAllText("/proc/self/stat");
        // Fields after the command name, which is in parentheses and may contain spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }
}

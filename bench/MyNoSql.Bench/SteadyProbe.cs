using System.Diagnostics;
using System.Globalization;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// <c>steady DATASET WARM BLOCK ROUNDS</c>: single-caller durable saves in a long-running process, where the fresh-process
/// figures include the JIT's start-up. MyNoSql and SQLite each save WARM documents into a new database first (code
/// compiled and tiered up, caches filled), then ROUNDS rounds of BLOCK saves each on the disk's raw pwrite + fdatasync
/// loop (<see cref="RawSyncEngine"/>), MyNoSql and SQLite in turn, on new documents. Prints one line per block and the
/// median over the rounds of each engine's rate / the raw loop's rate in the same round. A sixth argument
/// <c>readback</c> reads every record back right after its save (read-your-write: the raw loop still only writes).
/// </summary>
internal static class SteadyProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        using var probe = new ProbeArgs(args);
        var (name, root) = (probe.Dataset, probe.Root);
        int warm = probe.Numbers[0], block = probe.Numbers[1], rounds = probe.Numbers[2];
        bool readBack = probe.Extra == "readback";
        var docs = Datasets.ByName(name, warm + block * rounds);
        Console.WriteLine($"steady probe {name}: {warm:N0} saves to warm up, {rounds} × {block:N0} per engine{(readBack ? ", each save read back" : "")}, load {LoadAverage.Now()}");
        var engines = new List<(string Name, IBenchEngine Engine)>();
        try
        {
            foreach (var kind in new[] { EngineKind.MyNoSql, EngineKind.Sqlite })
            {
                var engine = await Measure.OpenAsync(kind, Path.Combine(root, kind.ToString()), durable: true);
                engines.Add((kind.ToString(), engine));
                foreach (var doc in docs.Take(warm)) await engine.SaveAsync((string)doc["id"]!, doc);
            }
            engines.Insert(0, ("raw", await RawSyncEngine.OpenAsync(Path.Combine(root, "raw"), docs.Skip(warm).ToList())));
            var ratios = engines.Skip(1).ToDictionary(e => e.Name, _ => new List<double>());
            for (int round = 0; round < rounds; round++)
            {
                var slice = docs.Skip(warm + round * block).Take(block).ToList();
                double raw = 0;
                foreach (var (engineName, engine) in engines)
                {
                    var latencies = new double[slice.Count];
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    long poolItems = ThreadPool.CompletedWorkItemCount;
                    long allocated = GC.GetTotalAllocatedBytes();
                    int gcs = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
                    var total = Stopwatch.StartNew();
                    for (int i = 0; i < slice.Count; i++)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        string id = (string)slice[i]["id"]!;
                        await engine.SaveAsync(id, slice[i]);
                        if (readBack && engineName != "raw" && await engine.ReadAsync(id) is null)
                            throw new InvalidOperationException($"{engineName}: record '{id}' not found right after its save");
                        latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                    }
                    double rate = slice.Count / total.Elapsed.TotalSeconds;
                    double cpuPerSave = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / slice.Count;
                    double poolPerSave = (double)(ThreadPool.CompletedWorkItemCount - poolItems) / slice.Count;
                    double kbPerSave = (GC.GetTotalAllocatedBytes() - allocated) / 1024.0 / slice.Count;
                    gcs = GC.CollectionCount(0) - gcs;
                    gen2 = GC.CollectionCount(2) - gen2;
                    Array.Sort(latencies);
                    if (engineName == "raw") raw = rate;
                    else ratios[engineName].Add(rate / raw);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"round {round + 1} {engineName,-8} {rate,8:N0} saves/s  mean {total.Elapsed.TotalMicroseconds / slice.Count,6:F1} µs  p50 {latencies[slice.Count / 2],6:F1}  p90 {latencies[slice.Count * 9 / 10],6:F1}  cpu {cpuPerSave,5:F1}  pool {poolPerSave,4:F2}  alloc {kbPerSave,5:F1} KB  gc {gcs}/{gen2}{(engineName == "raw" ? "" : $"  / raw {rate / raw:F2}")}"));
                }
            }
            foreach (var (engineName, list) in ratios)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{engineName} / raw fdatasync, median of {rounds}: {FreshRun.Median(list):F2}"));
            return 0;
        }
        finally
        {
            foreach (var (_, engine) in engines) await engine.DisposeAsync();
        }
    }
}

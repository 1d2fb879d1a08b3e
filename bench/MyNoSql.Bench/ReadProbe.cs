using System.Globalization;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// <c>reads DATASET DOCS READS ROUNDS</c>: warm random reads in a long-running process. MyNoSql and SQLite each load DOCS
/// documents in batches of 1,000 and read READS random ones (this first pass, records just written, is printed); then,
/// after a full collection, ROUNDS rounds of READS random reads on each in turn: per-round rates, MyNoSql / SQLite per
/// round and its median.
/// </summary>
internal static class ReadProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        using var probe = new ProbeArgs(args);
        var (name, root) = (probe.Dataset, probe.Root);
        int count = probe.Numbers[0], reads = probe.Numbers[1], rounds = probe.Numbers[2];
        var docs = Datasets.ByName(name, count);
        var ids = docs.Select(d => (string)d["id"]!).ToList();
        Console.WriteLine($"read probe {name}: {count:N0} documents, {rounds} × {reads:N0} random reads per engine, load {LoadAverage.Now()}");
        var engines = new List<(string Name, IBenchEngine Engine)>();
        try
        {
            foreach (var kind in new[] { EngineKind.MyNoSql, EngineKind.Sqlite })
            {
                var engine = await Measure.OpenAsync(kind, Path.Combine(root, kind.ToString()), durable: true);
                engines.Add((kind.ToString(), engine));
                await Measure.BatchedAsync(engine, docs, 1000);
                // The first pass reads records just written (what a reader of recent data meets).
                double first = await Measure.ReadsAsync(engine, ids, reads, seed: 1);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first pass {kind,-8} {first,10:N0} reads/s  {1e6 / first,5:F2} µs"));
            }
            Measure.SettleHeap();
            var ratios = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                var rates = new Dictionary<string, double>();
                foreach (var (engineName, engine) in engines)
                {
                    long gen0 = GC.CollectionCount(0), allocated = GC.GetTotalAllocatedBytes();
                    rates[engineName] = await Measure.ReadsAsync(engine, ids, reads, seed: 2 + round);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"round {round + 1} {engineName,-8} {rates[engineName],10:N0} reads/s  {1e6 / rates[engineName],5:F2} µs  alloc {(GC.GetTotalAllocatedBytes() - allocated) / (double)reads,6:F0} B  gen0 {GC.CollectionCount(0) - gen0}"));
                }
                ratios.Add(rates["MyNoSql"] / rates["Sqlite"]);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MyNoSql / Sqlite warm reads: {string.Join(" ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}; median {FreshRun.Median(ratios):F2}"));
            return 0;
        }
        finally
        {
            foreach (var (_, engine) in engines) await engine.DisposeAsync();
        }
    }
}

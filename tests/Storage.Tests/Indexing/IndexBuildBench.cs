using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Indexing;
using MyNoSql.Storage.Query;
using Xunit.Abstractions;

namespace MyNoSql.Storage.Tests.Indexing;

/// <summary>
/// Index build timing over a large persistent data set (not a regular test: runs only when MYNOSQL_INDEX_BENCH_DIR
/// names a directory). The first run loads MYNOSQL_INDEX_BENCH_N IoT-like docs (~300 B; default 1M), seals the first
/// 30 % into segments and leaves the rest in the logs; later runs reuse it, so before/after compare the same bytes.
/// </summary>
public class IndexBuildBench(ITestOutputHelper output)
{
    private static readonly string[] Types = ["temperature", "humidity", "pressure", "battery", "motion"];

    private static StoreOptions Options => new()
    {
        Durability = DurabilityMode.Relaxed,
        BackgroundCompaction = false,
        SealOnClose = false,
    };

    [Fact]
    public async Task Build_one_million()
    {
        string? dir = Environment.GetEnvironmentVariable("MYNOSQL_INDEX_BENCH_DIR");
        if (string.IsNullOrEmpty(dir)) return;
        int n = int.TryParse(Environment.GetEnvironmentVariable("MYNOSQL_INDEX_BENCH_N"), CultureInfo.InvariantCulture, out int v) ? v : 1_000_000;
        if (!Directory.Exists(dir)) await LoadAsync(dir, n);
        var sw = Stopwatch.StartNew();
        await using var store = await DocumentStore.OpenAsync("db", dir, Options, 1 << 20, Path.Combine(dir, "indexes"));
        output.WriteLine($"open {sw.ElapsedMilliseconds} ms, {store.Indexes.QuerySource.Indexes.Count} indexes");
        foreach (var d in store.Indexes.Definitions) await store.Indexes.DeleteAsync(d.Name);
        for (int round = 0; round < 3; round++)
        {
            long bytes = 0;
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Restart();
            long records = await store.Records.ScanAsync((in RecordHeader _, ReadOnlyMemory<byte> payload) => Interlocked.Add(ref bytes, payload.Length));
            double scan = sw.Elapsed.TotalSeconds;
            output.WriteLine(FormattableString.Invariant(
                $"scan {round}: {records:N0} records, {bytes / 1e6:F0} MB payload in {scan:F2} s wall ({records / scan:N0} rec/s, {bytes / 1e6 / scan:F0} MB/s), {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:F2} s CPU"));
        }
        // The directory pass (under the shard lock) alone: a prefix nothing has.
        for (int round = 0; round < 3; round++)
        {
            sw.Restart();
            store.Records.Scan(0, (in RecordHeader _, ReadOnlyMemory<byte> _) => { }, "\u007f");
            double ms = sw.Elapsed.TotalMilliseconds;
            output.WriteLine(FormattableString.Invariant($"directory pass of shard 0 ({store.Records.Count / store.Records.ShardCount:N0} keys): {ms:F1} ms"));
        }
        // Breakdown (Stopwatch, one thread, shard by shard): scan alone, scan + decode + key extraction, sort.
        var indexed = new IndexedRecords(new ReplicaStore(store.Records, "bench"), "", "bench");
        var paths = new IndexDefinition("x", ["type", "date"]).Paths;
        double gcS = 0, scanS = 0, decodeS = 0, itemsS = 0, sortS = 0;
        for (int shard = 0; shard < store.Records.ShardCount; shard++)
        {
            sw.Restart();
            store.Records.Scan(shard, (in RecordHeader _, ReadOnlyMemory<byte> _) => { });
            scanS += sw.Elapsed.TotalSeconds;
            sw.Restart();
            store.Records.Scan(shard, (in RecordHeader h, ReadOnlyMemory<byte> p) =>
            {
                if ((h.Flags & RecordFlags.Deleted) == 0) DocumentRecord.Decode(h.Key, p, h.Revision);
            });
            decodeS += sw.Elapsed.TotalSeconds;
            sw.Restart();
            var pause = GC.GetTotalPauseDuration();
            var (items, _) = indexed.ScanItems(shard, 0, paths, null, default);
            itemsS += sw.Elapsed.TotalSeconds;
            gcS += (GC.GetTotalPauseDuration() - pause).TotalSeconds;
            sw.Restart();
            items.Sort(IndexItem.Order);
            sortS += sw.Elapsed.TotalSeconds;
        }
        output.WriteLine(FormattableString.Invariant($"breakdown, one thread: scan {scanS:F2} s, scan+record decode {decodeS:F2} s, scan+decode+keys {itemsS:F2} s (keys {itemsS - scanS:F2} s, of which GC pauses {gcS:F2} s, server GC {System.Runtime.GCSettings.IsServerGC}), sort {sortS:F2} s"));
        for (int round = 0; round < 3; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Restart();
            Assert.True(await store.Indexes.CreateAsync(new IndexDefinition("by-type-date", ["type", "date"])));
            double wall = sw.Elapsed.TotalSeconds;
            double cpuS = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            output.WriteLine(FormattableString.Invariant($"build {round}: {wall:F2} s wall, {cpuS:F2} s CPU, load {File.ReadAllText("/proc/loadavg").Trim()}"));
            await store.Indexes.DeleteAsync("by-type-date");
        }
    }

    private static async Task LoadAsync(string dir, int n)
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var r = new Random(5);
        await using var store = await DocumentStore.OpenAsync("db", dir, Options, 1 << 20, Path.Combine(dir, "indexes"));
        var batch = new List<JsonObject>(1000);
        for (int i = 0; i < n; i++)
        {
            batch.Add(new JsonObject
            {
                ["id"] = DocumentId.NewId(),
                ["type"] = Types[r.Next(Types.Length)],
                ["date"] = start.AddSeconds(3.0 * i).ToString("O", CultureInfo.InvariantCulture),
                ["device"] = $"dev-{r.Next(5000):D5}",
                ["site"] = $"site-{r.Next(40):D2}",
                ["temperature"] = Math.Round(15 + r.NextDouble() * 20, 2),
                ["humidity"] = Math.Round(r.NextDouble() * 100, 1),
                ["battery"] = r.Next(100),
                ["firmware"] = "4.2.17",
                ["tags"] = new JsonArray("iot", "reading", Types[r.Next(Types.Length)]),
                ["note"] = new string('x', r.Next(20, 60)),
            });
            if (batch.Count == 1000)
            {
                await store.SaveManyAsync(batch);
                batch.Clear();
            }
            if (i + 1 == n * 3 / 10) await store.Records.CompactAsync(); // the first 30 % sealed into segments
        }
        if (batch.Count > 0) await store.SaveManyAsync(batch);
    }
}
